//! The answer bot's judgement (docs/assistant.md#the-answer-bot), pure: how well an
//! article covers a visitor's question, whether a message asks for a person or says
//! the answer helped, and what the bot says.
//!
//! Coverage is the share of the question's meaning an article holds: each of the
//! question's words weighs its inverse document frequency over the website's published
//! articles (a word every article has says little; a word none has, such as "kayaks" at
//! a shop that sells none, weighs most), and an article covers the words it contains,
//! compared by stem and through a small table of synonyms. The bot answers only when the
//! best article covers enough of the question and clearly more than the next one.

use std::collections::{HashMap, HashSet};

use super::articles::query_terms;

/// A word reduced to its stem: lowercase, common English endings removed ("returns",
/// "returned", "returning" -> "return"; "shipping" -> "ship"; "deliveries" and
/// "delivery" -> "deliveri").
pub fn stem(word: &str) -> String {
    let w = word.to_lowercase();
    let n = w.chars().count();
    if n <= 3 || !w.is_ascii() {
        return w;
    }
    let strip = |s: &str, suffix: &str, min: usize| -> Option<String> { s.strip_suffix(suffix).filter(|r| r.len() >= min).map(str::to_owned) };
    let mut s = if let Some(r) = strip(&w, "ies", 3) {
        format!("{r}i")
    } else if let Some(r) = strip(&w, "sses", 2) {
        format!("{r}ss")
    } else if w.ends_with("ss") || w.ends_with("us") || w.ends_with("is") {
        w.clone()
    } else if let Some(r) = strip(&w, "s", 3) {
        r
    } else {
        w.clone()
    };
    for suffix in ["ing", "ed"] {
        if let Some(r) = strip(&s, suffix, 3) {
            s = r;
            // "shipp" -> "ship", "stopp" -> "stop" (but "dress" stays).
            let b = s.as_bytes();
            if b.len() >= 3 && b[b.len() - 1] == b[b.len() - 2] && !matches!(b[b.len() - 1], b'l' | b's' | b'z') {
                s.pop();
            }
            break;
        }
    }
    if let Some(r) = s.strip_suffix('y').filter(|r| r.len() >= 3) {
        s = format!("{r}i");
    }
    if let Some(r) = s.strip_suffix('e').filter(|r| r.len() >= 3) {
        s = r.to_owned();
    }
    s
}

/// Words visitors use for what help articles call otherwise: each row's words are one
/// meaning (English; other languages match by their own words). Compared by stem.
const SYNONYMS: &[&[&str]] = &[
    &["ship", "shipping", "deliver", "delivery", "send", "post", "dispatch", "arrive", "shipment"],
    &["parcel", "package", "order", "shipment"],
    &["return", "back", "refund"],
    &["refund", "money", "reimburse", "repay"],
    &["cost", "price", "fee", "charge", "pay", "much", "expensive"],
    &["track", "tracking", "where", "status"],
    &["cancel", "stop", "withdraw"],
    &["change", "modify", "edit", "update", "amend"],
    &["password", "login", "log", "sign", "passcode"],
    &["account", "profile", "register"],
    &["discount", "coupon", "promo", "voucher", "code"],
    &["gift", "present"],
    &["invoice", "receipt", "bill"],
    &["broken", "damaged", "faulty", "defect", "cracked"],
    &["size", "fit", "measure", "measurement"],
    &["wash", "clean", "care"],
    &["open", "hour", "hours", "time"],
    &["customs", "duty", "duties", "tax", "import"],
    &["vat", "tax"],
    &["student", "studies", "university"],
    &["guarantee", "warranty"],
    &["card", "credit", "visa", "mastercard"],
    &["store", "shop", "showroom"],
    &["late", "delay", "delayed", "missing", "lost"],
    &["email", "mail", "newsletter"],
    &["delete", "remove", "close"],
    &["wholesale", "bulk", "business", "company"],
    &["contact", "phone", "call", "email", "reach", "number", "chat"],
    &["clothing", "clothes", "sweater", "jumper", "knitwear", "jacket", "shirt", "trousers", "wear"],
    &["card", "amex", "american", "express", "maestro"],
    &[
        "eu",
        "europe",
        "european",
        "austria",
        "belgium",
        "bulgaria",
        "croatia",
        "cyprus",
        "czech",
        "czechia",
        "denmark",
        "estonia",
        "finland",
        "france",
        "germany",
        "greece",
        "hungary",
        "ireland",
        "italy",
        "latvia",
        "lithuania",
        "luxembourg",
        "malta",
        "netherlands",
        "holland",
        "poland",
        "portugal",
        "romania",
        "slovakia",
        "slovenia",
        "spain",
        "sweden",
        "tenerife",
        "mallorca",
    ],
];

/// The synonym rows by stem.
fn synonym_rows() -> &'static [Vec<String>] {
    static ROWS: std::sync::OnceLock<Vec<Vec<String>>> = std::sync::OnceLock::new();
    ROWS.get_or_init(|| SYNONYMS.iter().map(|row| row.iter().map(|w| stem(w)).collect()).collect())
}

/// The meanings a stem belongs to (itself, and the synonym rows it is in).
fn meanings(stem: &str) -> Vec<String> {
    let mut out = vec![stem.to_owned()];
    for (i, row) in synonym_rows().iter().enumerate() {
        if row.iter().any(|w| w == stem) {
            out.push(format!("#{i}"));
        }
    }
    out
}

/// What the bot knows of a website's published articles: how many, how long on average,
/// and in how many each meaning occurs.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    pub articles: usize,
    words: usize,
    df: HashMap<String, u32>,
}

impl Corpus {
    /// From each article's text (title and body, all languages together).
    pub fn new<'a>(texts: impl IntoIterator<Item = &'a str>) -> Corpus {
        let mut c = Corpus::default();
        for t in texts {
            c.articles += 1;
            let (counts, len) = counts_of(t);
            c.words += len;
            for m in counts.into_keys() {
                *c.df.entry(m).or_default() += 1;
            }
        }
        c
    }

    /// A meaning's weight: rarer meanings say more about what a question is about.
    fn weight(&self, meaning: &str) -> f64 {
        let df = self.df.get(meaning).copied().unwrap_or(0) as f64;
        (1.0 + (self.articles as f64 + 1.0) / (df + 0.5)).ln()
    }

    fn average_length(&self) -> f64 {
        if self.articles == 0 {
            1.0
        } else {
            (self.words as f64 / self.articles as f64).max(1.0)
        }
    }
}

/// How often each meaning occurs in a text, and its length in words.
fn counts_of(text: &str) -> (HashMap<String, u32>, usize) {
    let mut counts: HashMap<String, u32> = HashMap::new();
    let mut len = 0;
    for w in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        len += 1;
        for m in meanings(&stem(w)) {
            *counts.entry(m).or_default() += 1;
        }
    }
    (counts, len)
}

/// Every meaning in a text.
pub fn meanings_of(text: &str) -> HashSet<String> {
    counts_of(text).0.into_keys().collect()
}

/// An article as the bot reads it: how often each meaning occurs in its title and body.
#[derive(Debug, Clone)]
pub struct Judged {
    title: HashMap<String, u32>,
    body: HashMap<String, u32>,
    len: usize,
}

impl Judged {
    pub fn new(title: &str, body: &str) -> Judged {
        let (title_counts, title_len) = counts_of(title);
        let (body_counts, body_len) = counts_of(body);
        Judged { title: title_counts, body: body_counts, len: title_len + body_len }
    }
}

/// How well an article answers a question.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Assessment {
    /// For ranking: BM25 over the question's words (a title's words count three times;
    /// a synonym 0.8 of the word).
    pub relevance: f64,
    /// The share of the question's weight the article covers (0 to 1): per question
    /// word, its weight when the article has the word, or 0.8 of it for a synonym.
    pub coverage: f64,
}

/// Judges an article against a question.
pub fn assess(question: &str, doc: &Judged, corpus: &Corpus) -> Assessment {
    const K1: f64 = 1.2;
    const B: f64 = 0.75;
    let norm = K1 * (1.0 - B + B * doc.len as f64 / corpus.average_length());
    let tf = |m: &str| 3.0 * doc.title.get(m).copied().unwrap_or(0) as f64 + doc.body.get(m).copied().unwrap_or(0) as f64;
    let mut a = Assessment::default();
    let mut total = 0.0;
    for t in query_terms(question) {
        let s = stem(&t);
        let w = corpus.weight(&s);
        total += w;
        let own = tf(&s);
        let (n, share) = if own > 0.0 { (own, 1.0) } else { (meanings(&s).iter().skip(1).map(|m| tf(m)).fold(0.0, f64::max), 0.8) };
        if n > 0.0 {
            a.relevance += share * w * n * (K1 + 1.0) / (n + norm);
            a.coverage += share * w;
        }
    }
    if total > 0.0 {
        a.coverage /= total;
    }
    a
}

/// The share of the question's weight a text covers (see `Assessment`).
pub fn coverage(question: &str, text: &str, corpus: &Corpus) -> f64 {
    assess(question, &Judged::new("", text), corpus).coverage
}

/// How the bot judges its best candidate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judgement {
    /// The share of the question the best article covers (0 to 1).
    pub score: f64,
    /// The best article's relevance over the runner-up's (infinite without one).
    pub margin: f64,
    /// The question's words (without stop words).
    pub terms: usize,
}

/// Whether the best candidate is good enough to answer with: the question has at least
/// two words that say what it is about (one word, "test" or "name", is too little to
/// go on), the best article covers at least `threshold` of it, and it stands out from
/// the next one.
pub fn confident(j: Judgement, threshold: f64) -> bool {
    j.terms >= 2 && j.score >= threshold && j.score > 0.0 && j.margin >= MIN_MARGIN
}

/// How much more relevant than the runner-up the best article must be.
pub const MIN_MARGIN: f64 = 1.1;

/// The default share of a question the best article must cover.
pub const DEFAULT_THRESHOLD: f64 = 0.7;

/// Whether a visitor's message asks for a person ("talk to a human", "agent please").
pub fn asks_for_a_person(text: &str) -> bool {
    let t = text.to_lowercase();
    const PHRASES: &[&str] = &[
        "human",
        "person",
        "real agent",
        "an agent",
        "agent please",
        "talk to someone",
        "speak to someone",
        "someone real",
        "live agent",
        "representative",
        "operator",
        "customer service",
        "not helpful",
        "didn't help",
        "did not help",
        "doesn't help",
        "menneske",
        "snakke med",
        "mitarbeiter",
        "mensch",
        "humain",
        "conseiller",
        "persona",
    ];
    PHRASES.iter().any(|p| t.contains(p)) || t.trim() == "agent" || t.trim() == "no"
}

/// Whether a visitor's message says the answer helped, and nothing more ("thanks!",
/// "yes that helped").
pub fn says_it_helped(text: &str) -> bool {
    let t: String = text.to_lowercase().chars().filter(|c| c.is_alphanumeric() || c.is_whitespace()).collect();
    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
    const WHOLE: &[&str] = &[
        "yes",
        "yes thanks",
        "yes thank you",
        "thanks",
        "thank you",
        "thx",
        "ty",
        "perfect",
        "great",
        "great thanks",
        "that helped",
        "yes that helped",
        "it helped",
        "solved",
        "ok thanks",
        "ok thank you",
        "takk",
        "ja takk",
        "tusen takk",
        "danke",
        "merci",
        "gracias",
    ];
    WHOLE.contains(&t.as_str())
}

/// The bot's answer: what the article says about it, where to read more, and how to
/// reach a person. Plain text with the article's address (links are all the bot sends).
pub fn answer_text(title: &str, excerpt: &str, url: &str) -> String {
    format!("This article may answer your question:\n\n{title}\n{excerpt}\n\nRead it here: {url}\n\nDid that help? Reply \"yes\" if it did, or \"person\" to talk to someone from the team.")
}

/// What the bot says when the visitor asks for a person.
pub const HANDOVER_TEXT: &str = "Sure: someone from the team will reply here.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_meet_across_endings() {
        for (a, b) in [("returns", "return"), ("returned", "returning"), ("shipping", "ship"), ("deliveries", "delivery"), ("parcels", "parcel")] {
            assert_eq!(stem(a), stem(b), "{a} / {b}");
        }
        assert_ne!(stem("dress"), stem("dre"));
        assert_eq!(stem("Norway"), "norwai");
    }

    #[test]
    fn coverage_weighs_rare_words_and_counts_synonyms() {
        let articles = [
            "Shipping to Norway. We ship to Norway with Posten in 2 to 4 days.",
            "Returns. Send any item back within 30 days for a refund.",
            "Opening hours of our store in Bergen.",
            "Gift cards for any amount.",
        ];
        let corpus = Corpus::new(articles);
        let docs = articles;
        assert!(coverage("do you ship to norway?", docs[0], &corpus) > 0.99);
        // "deliver" is a synonym of "ship".
        let c = coverage("do you deliver to Norway", docs[0], &corpus);
        assert!(c > 0.8 && c < 1.0, "{c}");
        // A word no article has weighs most: the question is mostly not covered.
        assert!(coverage("do you sell kayaks in norway", docs[0], &corpus) < 0.6);
        assert!(coverage("can I send it back?", docs[1], &corpus) > 0.6);
        assert_eq!(coverage("hi thanks", docs[0], &corpus), 0.0);
        assert!(!confident(Judgement { score: 0.0, margin: 2.0, terms: 3 }, 0.0));
        assert!(!confident(Judgement { score: 1.0, margin: 2.0, terms: 1 }, 0.6), "one word");
        assert!(confident(Judgement { score: 0.7, margin: 1.5, terms: 2 }, 0.6));
    }

    #[test]
    fn handover_and_thanks_are_told_apart() {
        for t in ["Can I talk to a human?", "agent", "I want a real person", "that did not help", "Kan jeg snakke med et menneske?"] {
            assert!(asks_for_a_person(t), "{t}");
            assert!(!says_it_helped(t), "{t}");
        }
        for t in ["Yes, thanks!", "thank you", "Ja takk", "perfect"] {
            assert!(says_it_helped(t), "{t}");
            assert!(!asks_for_a_person(t), "{t}");
        }
        assert!(!says_it_helped("thanks, but how long does shipping take?"));
    }
}
