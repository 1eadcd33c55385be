//! Knowledge-base articles (docs/assistant.md): what an article's fields may hold, its
//! Markdown rendered through an allow-list (no raw HTML; links and images only to
//! `http`, `https` and `mailto`, or within the page), its plain text for search, and
//! the words a visitor's question is searched by.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

use super::{invalid, ValidationError};

/// The most a body may hold, in characters.
pub const MAX_BODY: usize = 100_000;
/// Search words taken from one question.
pub const MAX_TERMS: usize = 12;

/// An article's address within its website's help center: `[a-z0-9-]{1,80}`, not
/// starting or ending with `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim().to_lowercase();
        let ok = (1..=80).contains(&s.len())
            && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !s.starts_with('-')
            && !s.ends_with('-')
            && s != "search";
        if !ok {
            return Err(invalid("slug must be 1 to 80 lowercase letters, digits or '-' (not 'search')"));
        }
        Ok(Slug(s))
    }

    /// A slug made from a title ("Shipping to Norway!" -> "shipping-to-norway").
    pub fn from_title(title: &str) -> Slug {
        let mut s = String::new();
        for c in title.to_lowercase().chars() {
            let c = match c {
                'æ' => 'a',
                'ø' | 'ö' | 'ó' | 'ò' | 'ô' => 'o',
                'å' | 'ä' | 'á' | 'à' | 'â' => 'a',
                'é' | 'è' | 'ê' | 'ë' => 'e',
                'ü' | 'ú' | 'ù' => 'u',
                'í' | 'ì' | 'ï' => 'i',
                'ñ' => 'n',
                'ç' => 'c',
                c => c,
            };
            if c.is_ascii_alphanumeric() {
                s.push(c);
            } else if !s.ends_with('-') && !s.is_empty() {
                s.push('-');
            }
            if s.len() >= 80 {
                break;
            }
        }
        let s = s.trim_matches('-').to_owned();
        Slug(if s.is_empty() || s == "search" { "article".to_owned() } else { s })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An article's title: 1 to 200 characters on one line.
pub fn title(s: &str) -> Result<String, ValidationError> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > 200 || s.contains(['\n', '\r']) {
        return Err(invalid("title must be 1 to 200 characters on one line"));
    }
    Ok(s.to_owned())
}

/// An article's Markdown: at most `MAX_BODY` characters.
pub fn body(s: &str) -> Result<String, ValidationError> {
    if s.chars().count() > MAX_BODY {
        return Err(invalid("body must be at most 100,000 characters"));
    }
    Ok(s.trim_end().to_owned())
}

/// A category: at most 80 characters on one line (empty for none).
pub fn category(s: &str) -> Result<String, ValidationError> {
    let s = s.trim();
    if s.chars().count() > 80 || s.contains(['\n', '\r']) {
        return Err(invalid("category must be at most 80 characters on one line"));
    }
    Ok(s.to_owned())
}

/// A language tag as articles are kept by: `en`, `nb`, `pt-br` (lowercase; a region or
/// script after the language).
pub fn language(s: &str) -> Result<String, ValidationError> {
    let s = s.trim().to_lowercase().replace('_', "-");
    let mut parts = s.split('-');
    let lang = parts.next().unwrap_or("");
    let ok = (2..=3).contains(&lang.len())
        && lang.chars().all(|c| c.is_ascii_lowercase())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
        && s.len() <= 20;
    if !ok {
        return Err(invalid("language must be a tag like en, nb or pt-br"));
    }
    Ok(s)
}

/// Whether a link or image address may stay: `http`, `https`, `mailto`, or within the
/// page (`#part`, `/path`), never `javascript:`, `data:` or `//other.host`.
fn safe_url(url: &str) -> bool {
    let u = url.trim();
    // Browsers drop tabs and newlines inside a scheme ("java\tscript:").
    if u.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return false;
    }
    let lower = u.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:") || lower.starts_with('#') {
        return true;
    }
    lower.starts_with('/') && !lower.starts_with("//") && !lower.starts_with("/\\")
}

/// The article's Markdown as HTML for the help center. Raw HTML in the source is shown
/// as text; a link or image to anything but `safe_url` loses its address (its text
/// stays); links open as `rel="nofollow ugc noopener"`.
pub fn render(md: &str) -> String {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    let mut out = String::with_capacity(md.len() * 3 / 2);
    let events = Parser::new_ext(md, opts).map(|e| match e {
        // Raw HTML becomes text (escaped on output).
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            let dest_url = if safe_url(&dest_url) { dest_url } else { CowStr::Borrowed("") };
            Event::Start(Tag::Link { link_type, dest_url, title, id })
        }
        Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
            let ok = safe_url(&dest_url) && !dest_url.to_ascii_lowercase().starts_with("mailto:");
            Event::Start(Tag::Image { link_type, dest_url: if ok { dest_url } else { CowStr::Borrowed("") }, title, id })
        }
        e => e,
    });
    pulldown_cmark::html::push_html(&mut out, events);
    // Every link of ours is nofollow and opens nothing with access to this page.
    out.replace("<a href=\"", "<a rel=\"nofollow ugc noopener\" href=\"").replace(" src=\"\"", "")
}

/// The article's text without markup (headings, list items and paragraphs on lines of
/// their own), for search and excerpts.
pub fn plain_text(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    for e in Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        match e {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::CodeBlock | TagEnd::TableRow) => out.push('\n'),
            Event::End(TagEnd::TableCell) => out.push(' '),
            _ => {}
        }
    }
    out.trim().to_owned()
}

/// Words that say nothing about what a question is about (English, plus the most
/// common of the Scandinavian, German, French and Spanish ones), left out of searches.
const STOPWORDS: &[&str] = &[
    "a", "about", "after", "again", "all", "am", "an", "and", "any", "are", "as", "at", "be", "been", "before", "being", "but", "by", "can", "could", "did",
    "do", "does", "doing", "for", "from", "get", "got", "had", "has", "have", "having", "he", "hello", "her", "hey", "hi", "him", "his", "how", "i", "if",
    "im", "in", "into", "is", "it", "its", "just", "me", "might", "my", "no", "not", "of", "on", "or", "our", "please", "pls", "plz", "she", "should", "so",
    "some", "than", "thank", "thanks", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "to", "u", "up", "us", "very", "was",
    "we", "were", "what", "when", "where", "which", "while", "who", "why", "will", "with", "would", "ya", "you", "your", "yours", "og", "er", "det", "jeg",
    "du", "til", "på", "en", "et", "som", "har", "kan", "der", "die", "das", "und", "ist", "ich", "sie", "le", "la", "les", "et", "est", "je", "vous", "el",
    "los", "las", "y", "es", "que",
];

/// The words a question is searched by: lowercase runs of letters and digits, without
/// stop words, once each, in order, at most `MAX_TERMS` of at most 40 characters.
pub fn query_terms(text: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for w in text.split(|c: char| !c.is_alphanumeric()) {
        let w = w.to_lowercase();
        if w.is_empty() || w.chars().count() > 40 || STOPWORDS.contains(&w.as_str()) || terms.contains(&w) {
            continue;
        }
        // One letter, or a lone digit, says nothing.
        if w.chars().count() == 1 {
            continue;
        }
        terms.push(w);
        if terms.len() == MAX_TERMS {
            break;
        }
    }
    terms
}

/// About `max` characters of `plain` around the first place one of `terms` starts a
/// word (or its beginning), on word boundaries, with "…" where it was cut.
pub fn excerpt(plain: &str, terms: &[String], max: usize) -> String {
    let flat: String = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    let lower = flat.to_lowercase();
    // Lowercasing can change byte lengths: find in the lowered text only when it kept them.
    let hit = if lower.len() == flat.len() {
        terms
            .iter()
            .filter_map(|t| lower.match_indices(t.as_str()).find(|(i, _)| *i == 0 || !flat[..*i].ends_with(char::is_alphanumeric)).map(|(i, _)| i))
            .min()
    } else {
        None
    };
    let chars: Vec<(usize, char)> = flat.char_indices().collect();
    if chars.len() <= max {
        return flat;
    }
    let at = hit.map_or(0, |b| chars.iter().position(|(i, _)| *i >= b).unwrap_or(0));
    let mut start = at.saturating_sub(max / 4);
    if start + max > chars.len() {
        start = chars.len() - max;
    }
    // Back to a word's start, forward to a word's end.
    while start > 0 && !chars[start - 1].1.is_whitespace() {
        start -= 1;
    }
    let mut end = (start + max).min(chars.len());
    while end < chars.len() && !chars[end].1.is_whitespace() && end - start < max + 20 {
        end += 1;
    }
    let text: String = chars[start..end].iter().map(|(_, c)| c).collect();
    format!("{}{}{}", if start > 0 { "…" } else { "" }, text.trim(), if end < chars.len() { "…" } else { "" })
}

/// A help center's own host name: lowercase letters, digits and `-` in two labels or
/// more ("help.fjordfern.no"), no port, no address, at most 253 characters.
pub fn help_domain(s: &str) -> Result<String, ValidationError> {
    let d = s.trim().trim_end_matches('.').to_ascii_lowercase();
    let bad = || invalid("domain must be a host name such as help.example.com (no scheme, port or path)");
    if d.len() > 253 || d.split('.').count() < 2 {
        return Err(bad());
    }
    for label in d.split('.') {
        let ok = (1..=63).contains(&label.len())
            && label.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return Err(bad());
        }
    }
    // An address is not a name: the last label of a name has a letter.
    if !d.rsplit('.').next().is_some_and(|tld| tld.chars().any(|c| c.is_ascii_lowercase())) {
        return Err(bad());
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::help_domain;

    #[test]
    fn help_domains_are_host_names() {
        assert_eq!(help_domain(" Help.FjordFern.no. ").unwrap(), "help.fjordfern.no");
        for bad in ["localhost", "https://help.example.com", "help.example.com:8080", "help.example.com/x", "10.0.0.1", "-a.example.com", "a..b", "", "a b.com"]
        {
            assert!(help_domain(bad).is_err(), "{bad}");
        }
    }

    use super::*;

    #[test]
    fn markdown_keeps_its_formatting_and_loses_raw_html_and_unsafe_links() {
        let html = render("# Shipping\n\nWe ship **everywhere**. See [rates](https://shop.example/rates) or [us](mailto:a@b.c).\n\n- one\n- two");
        assert!(html.contains("<h1>Shipping</h1>") && html.contains("<strong>everywhere</strong>") && html.contains("<li>one</li>"), "{html}");
        assert!(html.contains("<a rel=\"nofollow ugc noopener\" href=\"https://shop.example/rates\">rates</a>"), "{html}");
        assert!(html.contains("href=\"mailto:a@b.c\""), "{html}");
        for bad in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](java\tscript:alert(1))",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "[x](//evil.example/)",
            "![x](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "[x](vbscript:msgbox(1))",
            "<iframe src=https://evil.example></iframe>",
            "<svg onload=alert(1)>",
            "[x](\"onmouseover=\"alert(1))",
        ] {
            let html = render(bad).to_lowercase();
            // Text is escaped, so every `<` left starts one of our tags.
            for tag in html.split('<').skip(1) {
                let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
                let name: String = tag.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
                assert!(ALLOWED.contains(&name.as_str()), "{bad} -> <{tag}> in {html}");
                assert!(!tag.contains(" on") && !tag.contains("javascript") && !tag.contains("data:") && !tag.contains("\"//"), "{bad} -> <{tag}>");
            }
        }
    }

    const ALLOWED: &[&str] = &[
        "p",
        "a",
        "strong",
        "em",
        "del",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "code",
        "pre",
        "img",
        "blockquote",
        "hr",
        "br",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    ];

    #[test]
    fn plain_text_and_terms_for_search() {
        let p = plain_text("## Returns\n\nSend it **back** within [30 days](https://x.example).\n\n- Free in Norway");
        assert_eq!(p, "Returns\nSend it back within 30 days.\nFree in Norway");
        assert_eq!(query_terms("Hi! Do you ship to Norway?? do u SHIP"), ["ship", "norway"]);
        assert_eq!(query_terms("Kan jeg returnere en jakke på nett?"), ["returnere", "jakke", "nett"]);
        assert!(query_terms("hi thanks").is_empty());
        assert_eq!(query_terms(&"word ".repeat(3).chars().chain("a b c d e f g h i j k l m n o p".chars()).collect::<String>()).len(), 1);
    }

    #[test]
    fn excerpts_start_near_the_first_match_on_word_boundaries() {
        let text = format!("{} Norway is shipped to within five days. {}", "Lorem ipsum dolor sit amet. ".repeat(10), "More text here. ".repeat(10));
        let e = excerpt(&text, &["norway".into()], 80);
        assert!(e.starts_with('…') && e.ends_with('…') && e.contains("Norway is shipped"), "{e}");
        assert!(e.chars().count() <= 102, "{e}");
        assert_eq!(excerpt("Short text.", &[], 80), "Short text.");
    }

    #[test]
    fn slugs_and_languages() {
        assert_eq!(Slug::from_title("Shipping to Norway — fast!").as_str(), "shipping-to-norway-fast");
        assert_eq!(Slug::from_title("Rückgabe & Umtausch").as_str(), "ruckgabe-umtausch");
        assert_eq!(Slug::from_title("!!!").as_str(), "article");
        assert!(Slug::parse("Good-Slug").is_ok() && Slug::parse("-bad").is_err() && Slug::parse("a/b").is_err() && Slug::parse("search").is_err());
        assert_eq!(language("pt_BR").unwrap(), "pt-br");
        assert!(language("english").is_err() && language("e").is_err() && language("en-").is_err());
    }
}
