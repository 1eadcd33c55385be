//! The answer bot (docs/assistant.md#the-answer-bot): per website, off by default. When
//! a visitor writes and no person has taken the chat, it looks for the published article
//! that best covers the question (`domain::assistant`); if one covers enough, it answers
//! as the bot with the article's link, records which articles it used, and sets the
//! chat pending while the visitor reads. "Yes" resolves the chat; "person" hands it to
//! the team's queue with the exchange kept; below its threshold it stays silent and the
//! chat waits for the team as any other. It runs in the `automation.message` job of the
//! visitor's message, before automations, so there is at most one automated reply per
//! visitor message.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{not_found, App};
use crate::auth::Principal;
use crate::bus::{conversation_topic, Event};
use chinwag_embed::Quantized;

use crate::domain::assistant::{self as bot, Corpus, Judgement};
use crate::domain::summary;
use crate::domain::webhooks::EventType;
use crate::domain::{articles, ApiKeyScope, ConversationStatus, SenderKind};
use crate::error::{ApiError, ApiResult};
use crate::ratelimit::Quota;
use crate::store::{ArticleHit, AssistantRow, BotAnswerRow, ConversationRow, MessageRow, NewMessage, PastQuestion, PastReply, StoreError, WebsiteRow};

/// Candidates the database's search hands to the bot's own judgement.
const CANDIDATES: i64 = 20;
/// At most how many articles the words asked of the database may be in together (the
/// rarest words first, at least two), and at most how many matches it ranks (when even
/// the rarest are in more): what the database ranks stays bounded however many
/// articles a website has.
const MAX_POSTINGS: u32 = 1_500;
/// `MAX_POSTINGS` while the semantic layer also looks for candidates.
const MAX_POSTINGS_WITH_MEANING: u32 = 300;
/// The latest matching visitors' messages the search for past replies ranks.
const RECENT_QUESTIONS: i64 = 200;
/// Synonyms the database is also asked for, of question words no article has.
const MAX_EXPANSIONS: usize = 4;
/// Of a long article, the characters the bot reads to judge it.
const JUDGED_CHARS: usize = 4_000;
/// The least share of a question the best article must cover before a model is asked
/// (the model then decides whether the articles answer it).
const GENERATIVE_MIN_COVERAGE: f64 = 0.25;
/// The least share of the question a suggestion must cover.
const SUGGESTION_MIN_COVERAGE: f64 = 0.3;
/// The least likeness in meaning of an article suggested though its words cover less
/// (an agent reads it before sending).
const SUGGESTION_MIN_LIKENESS: f64 = 0.45;
/// How often a draft of a model's answer goes out while it is written.
const DRAFT_EVERY: Duration = Duration::from_millis(120);
/// Websites whose corpus a node keeps.
const MAX_CORPORA: usize = 1_000;

/// Each website's corpus and passage vectors, with the published version they were read
/// at and when that version was last checked.
pub type Corpora = Mutex<HashMap<String, Known>>;

/// What a node knows of one website's published articles.
pub struct Known {
    version: (i64, i64),
    checked: std::time::Instant,
    corpus: Arc<Corpus>,
    vectors: Option<Arc<Vectors>>,
}

/// A website's passage vectors (the semantic layer's index): every passage of its
/// published texts as bytes in one block, with its scale and its article.
#[derive(Debug, Default)]
pub struct Vectors {
    dims: usize,
    articles: Vec<String>,
    number: HashMap<String, usize>,
    owner: Vec<u32>,
    scales: Vec<f32>,
    values: Vec<i8>,
}

impl Vectors {
    fn new(dims: usize, rows: Vec<crate::store::ArticleVectors>) -> Vectors {
        let mut v = Vectors { dims, ..Vectors::default() };
        for r in rows {
            let n = *v.number.entry(r.article_id.clone()).or_insert_with(|| {
                v.articles.push(r.article_id.clone());
                v.articles.len() - 1
            });
            for q in r.vectors.chunks(4 + dims).filter_map(|b| Quantized::from_bytes(b, dims)) {
                v.owner.push(n as u32);
                v.scales.push(q.scale);
                v.values.extend(q.values);
            }
        }
        v
    }

    fn is_empty(&self) -> bool {
        self.owner.is_empty()
    }

    /// Each article's likeness to a question (its best passage's cosine), by number.
    fn likeness(&self, question: &[f32]) -> Vec<f32> {
        let q = Quantized::new(question);
        let mut best = vec![f32::MIN; self.articles.len()];
        if q.values.len() != self.dims {
            return best;
        }
        for ((dot, scale), owner) in chinwag_embed::dots_i8(&self.values, &q.values).into_iter().zip(&self.scales).zip(&self.owner) {
            let d = dot as f32 * scale * q.scale;
            let b = &mut best[*owner as usize];
            if d > *b {
                *b = d;
            }
        }
        best
    }

    /// The `n` likest articles at `floor` or above, best first.
    fn likest(&self, best: &[f32], floor: f64, n: usize) -> Vec<&str> {
        let mut top: Vec<usize> = (0..best.len()).filter(|&i| f64::from(best[i]) >= floor).collect();
        top.sort_by(|&a, &b| best[b].total_cmp(&best[a]).then(self.articles[a].cmp(&self.articles[b])));
        top.into_iter().take(n).map(|i| self.articles[i].as_str()).collect()
    }
}

/// Articles found by meaning alone that join the database's candidates.
const SEMANTIC_CANDIDATES: usize = 5;
/// The least likeness for an article found by meaning alone.
const MIN_LIKENESS: f64 = 0.25;
/// Of a visitor's question, the characters the encoder reads (about 70 word pieces, some
/// 13 ms of one core in a release build).
const EMBEDDED_QUESTION_CHARS: usize = 300;
/// Texts read for embedding in one go.
const EMBED_BATCH: i64 = 32;
/// How long a corpus is used without checking the website's articles changed.
const CORPUS_FRESH: Duration = Duration::from_secs(10);

/// An article the bot could answer with.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub article_id: String,
    pub slug: String,
    pub title: String,
    pub language: String,
    pub excerpt: String,
    /// The share of the question it covers (0 to 1).
    pub coverage: f64,
    /// Its lexical relevance (comparable within one question).
    pub relevance: f64,
    /// Its likeness in meaning to the question (a cosine; 0 without the semantic layer).
    pub likeness: f64,
    /// The start of its text (what a model may answer from).
    pub text: String,
}

/// Where a reply suggestion comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuggestionKind {
    Canned,
    Article,
    PastReply,
}

/// The first messages a summary reads, and the latest.
const SUMMARY_HEAD: i64 = 10;
const SUMMARY_TAIL: i64 = 60;

/// A conversation's summary for the agent taking it over.
#[derive(Debug, Clone)]
pub struct ConversationSummary {
    pub text: String,
    /// Written by the model server (else drawn from the messages).
    pub generated: bool,
}

/// A reply an agent could send.
#[derive(Debug, Clone)]
pub struct Suggestion {
    pub kind: SuggestionKind,
    /// The canned response's or article's title, or the past question.
    pub title: String,
    /// What would be sent.
    pub text: String,
    /// The canned response, article or past message it comes from.
    pub source_id: String,
    /// Relevance, comparable within one list.
    pub score: f64,
}

/// A change to the bot's settings; absent fields stay.
#[derive(Default)]
pub struct AssistantPatch {
    pub answer_bot: Option<bool>,
    pub mode: Option<String>,
    pub bot_name: Option<String>,
    pub threshold: Option<f64>,
}

/// What the bot would do with one past question.
#[derive(Debug, Clone)]
pub struct PreviewItem {
    pub conversation_id: String,
    pub question: String,
    /// The best article, when one matched at all.
    pub best: Option<Candidate>,
    /// Whether the bot would answer (the best covers at least the threshold).
    pub answers: bool,
}

/// The bot's judgement of its candidates for a question.
pub fn judge(question: &str, candidates: &[Candidate]) -> Option<Judgement> {
    let best = candidates.first()?;
    // Against the most relevant of the others by words: when meaning ranked another
    // article first, the words and the meaning disagree, and the margin is below one.
    let next = candidates[1..].iter().map(|c| c.relevance).fold(0.0, f64::max);
    let margin = if next > 0.0 { best.relevance / next } else { f64::INFINITY };
    Some(Judgement { score: best.coverage, margin, terms: articles::query_terms(question).len() })
}

/// The server's address for links in messages.
fn public_base(app: &App) -> String {
    app.settings.public_url.clone().unwrap_or_else(|| format!("http://{}", app.settings.listen)).trim_end_matches('/').to_owned()
}

impl App {
    /// A website's bot settings (owners, admins, and keys with `websites:read`).
    pub async fn assistant_settings(&self, p: &Principal, website_id: &str) -> ApiResult<AssistantRow> {
        let org = super::manager(p, ApiKeyScope::WebsitesRead)?.to_owned();
        let site = self.website(p, website_id).await?;
        Ok(self.store.assistant(&org, &site.id).await?)
    }

    /// Changes the bot's settings (owners, admins, and keys with `websites:manage`);
    /// audited.
    pub async fn update_assistant_settings(&self, p: &Principal, website_id: &str, patch: AssistantPatch) -> ApiResult<AssistantRow> {
        let org = super::manager(p, ApiKeyScope::WebsitesManage)?.to_owned();
        let site = self.website(p, website_id).await?;
        let mut row = self.store.assistant(&org, &site.id).await?;
        if let Some(on) = patch.answer_bot {
            row.answer_bot = on;
        }
        if let Some(mode) = patch.mode {
            row.mode = mode;
        }
        if let Some(name) = patch.bot_name {
            let name = name.trim().to_owned();
            if name.is_empty() || name.chars().count() > 60 {
                return Err(ApiError::BadInput("botName must be 1 to 60 characters".into()));
            }
            row.bot_name = name;
        }
        if let Some(t) = patch.threshold {
            if !(0.1..=1.0).contains(&t) {
                return Err(ApiError::BadInput("threshold must be between 0.1 and 1".into()));
            }
            row.threshold = t;
        }
        row.updated_at = crate::time::now_ms();
        let row = self.store.put_assistant(&row).await?;
        self.forget_automated(&org);
        self.bot_sites.forget(&site.id);
        self.audit(p, "assistant.update", Some(&site.id)).await?;
        Ok(row)
    }

    /// What the bot knows of the website's published articles, read again when they
    /// changed: their words, and their passage vectors when the semantic layer is on.
    async fn corpus(&self, website_id: &str) -> Result<(Arc<Corpus>, Option<Arc<Vectors>>), StoreError> {
        // Word counts a few seconds old judge as well: the version (a count over the
        // website's articles) is read at most every `CORPUS_FRESH`.
        if let Some(k) = self.corpora.lock().expect("corpora lock").get(website_id) {
            if k.checked.elapsed() < CORPUS_FRESH {
                return Ok((k.corpus.clone(), k.vectors.clone()));
            }
        }
        let version = self.store.published_version(website_id).await?;
        if let Some(k) = self.corpora.lock().expect("corpora lock").get_mut(website_id) {
            if k.version == version {
                k.checked = std::time::Instant::now();
                return Ok((k.corpus.clone(), k.vectors.clone()));
            }
        }
        let texts = self.store.published_texts(website_id).await?;
        let mut by_article: HashMap<&str, String> = HashMap::new();
        for t in &texts {
            let s = by_article.entry(&t.article_id).or_default();
            s.push_str(&t.title);
            s.push(' ');
            s.extend(t.plain.chars().take(JUDGED_CHARS));
            s.push(' ');
        }
        let corpus = Arc::new(Corpus::new(by_article.values().map(String::as_str)));
        let vectors = match &self.embedder {
            Some(model) => {
                let dims = model.dimensions();
                let rows = self.store.article_vectors(website_id, model.fingerprint()).await?;
                let texts_known = rows.len();
                let vectors = Vectors::new(dims, rows);
                if texts_known < texts.len() {
                    self.embed_later(website_id);
                }
                Some(Arc::new(vectors))
            }
            None => None,
        };
        let mut all = self.corpora.lock().expect("corpora lock");
        if all.len() >= MAX_CORPORA {
            all.clear();
        }
        all.insert(website_id.to_owned(), Known { version, checked: std::time::Instant::now(), corpus: corpus.clone(), vectors: vectors.clone() });
        Ok((corpus, vectors))
    }

    /// The semantic layer's model (its fingerprint), when one is configured.
    pub fn embedding_model(&self) -> Option<&str> {
        self.embedder.as_deref().map(chinwag_embed::Embedder::fingerprint)
    }

    /// Embeds the website's published texts that have no current vectors, in the
    /// background (once at a time per website on this node), when the semantic layer
    /// is on.
    pub(super) fn embed_later(&self, website_id: &str) {
        if self.embedder.is_none() || !self.embedding.lock().expect("embedding lock").insert(website_id.to_owned()) {
            return;
        }
        let Some(app) = self.me.upgrade() else { return };
        let website_id = website_id.to_owned();
        tokio::spawn(async move {
            if let Err(e) = app.embed_articles(&website_id).await {
                tracing::warn!(website_id, error = ?e, "embedding articles failed");
            }
            app.embedding.lock().expect("embedding lock").remove(&website_id);
        });
    }

    /// Embeds the website's published texts that have no current vectors of the
    /// semantic layer's model (docs/assistant.md#the-semantic-layer); how many it
    /// embedded. One text at a time, one website at a time per node, off the async
    /// threads.
    pub async fn embed_articles(&self, website_id: &str) -> Result<usize, StoreError> {
        let Some(model) = self.embedder.clone() else { return Ok(0) };
        let _turn = self.embed_turn.acquire().await.expect("never closed");
        let mut done = 0;
        loop {
            let texts = self.store.unembedded_texts(website_id, model.fingerprint(), EMBED_BATCH).await?;
            if texts.is_empty() {
                break;
            }
            for t in texts {
                let m = model.clone();
                let (t, bytes) = tokio::task::spawn_blocking(move || {
                    let bytes: Vec<u8> = bot::semantic_passages(&t.title, &t.body).iter().flat_map(|p| Quantized::new(&m.embed(p)).to_bytes()).collect();
                    (t, bytes)
                })
                .await
                .expect("embedding does not panic");
                self.store.put_article_vectors(&t.article_id, &t.language, model.fingerprint(), t.updated_at, &bytes).await?;
                done += 1;
            }
        }
        if done > 0 {
            self.corpora.lock().expect("corpora lock").remove(website_id);
        }
        Ok(done)
    }

    /// The published articles that could answer a question, best first (the bot's own
    /// BM25 over title and body, with synonyms, and with the semantic layer the
    /// likeness in meaning), each with the share of it it covers.
    pub async fn answer_candidates(&self, site: &WebsiteRow, question: &str, language: Option<&str>) -> ApiResult<Vec<Candidate>> {
        let terms = articles::query_terms(question);
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let languages = super::articles::search_languages(language, "en");
        let (corpus, vectors) = self.corpus(&site.id).await?;
        // The question's embedding is made while the database searches.
        // At most as many questions are embedded at once as the node has cores; past
        // that, a question is ranked by its words alone rather than wait.
        let turn = self.question_turns.clone().try_acquire_owned().ok();
        let embedded = match (&self.embedder, &vectors, turn) {
            (Some(model), Some(v), Some(turn)) if !v.is_empty() => {
                let (m, v, q) = (model.clone(), v.clone(), question.chars().take(EMBEDDED_QUESTION_CHARS).collect::<String>());
                Some(tokio::task::spawn_blocking(move || {
                    let _turn = turn;
                    v.likeness(&m.embed(&q))
                }))
            }
            _ => None,
        };
        // Misspellings corrected to the articles' words; the question is judged as read.
        let read_terms = corpus.corrected(&terms);
        let corrected = read_terms != terms;
        let terms = read_terms;
        let read = terms.join(" ");
        let mut wanted = terms.clone();
        wanted.extend(corpus.expansions(&terms, MAX_EXPANSIONS));
        // With meaning also finding candidates, the database ranks fewer rows.
        let bound = if embedded.is_some() { MAX_POSTINGS_WITH_MEANING } else { MAX_POSTINGS };
        let asked = corpus.selective(&wanted, bound, 2);
        let words: Vec<String> = asked.words.into_iter().cloned().collect();
        let hits = self.store.search_articles(&site.id, &words, asked.all, &languages, CANDIDATES, i64::from(bound)).await?;
        let judge = |h: ArticleHit| {
            let body: String = h.plain.chars().take(JUDGED_CHARS).collect();
            let judged = bot::Judged::new(&h.title, &body);
            let mut a = bot::assess(&read, &judged, &corpus);
            // A corrected word finds the article but adds no confidence: whether the bot
            // answers is judged on the words as written.
            if corrected {
                a.coverage = bot::assess(question, &judged, &corpus).coverage;
            }
            let excerpt = articles::excerpt(&h.plain, &terms, 200);
            Candidate {
                likeness: 0.0,
                article_id: h.article_id,
                slug: h.slug,
                title: h.title,
                language: h.language,
                excerpt,
                coverage: a.coverage,
                relevance: a.relevance,
                text: h.plain.chars().take(2_000).collect(),
            }
        };
        // The database's candidates are judged while the question is embedded.
        let mut out: Vec<Candidate> = hits.into_iter().map(judge).collect();
        let mut by_meaning = false;
        if let (Some(task), Some(v)) = (embedded, &vectors) {
            let best = task.await.expect("embedding does not panic");
            let extra: Vec<&str> = v
                .likest(&best, MIN_LIKENESS, SEMANTIC_CANDIDATES + out.len())
                .into_iter()
                .filter(|id| !out.iter().any(|c| c.article_id == *id))
                .take(SEMANTIC_CANDIDATES)
                .collect();
            out.extend(self.store.article_hits(&site.id, &extra, &languages).await?.into_iter().map(judge));
            for c in &mut out {
                c.likeness = v.number.get(&c.article_id).map_or(0.0, |&n| f64::from(best[n].max(-1.0)));
            }
            by_meaning = true;
        }
        // Stable: equal ranks keep the database's order.
        if !by_meaning {
            out.sort_by(|a, b| b.relevance.total_cmp(&a.relevance));
        } else {
            let top = out.iter().map(|c| c.relevance).fold(0.0, f64::max);
            let rank = |c: &Candidate| bot::fused(if top > 0.0 { c.relevance / top } else { 0.0 }, c.likeness);
            out.sort_by(|a, b| rank(b).total_cmp(&rank(a)));
        }
        Ok(out)
    }

    /// What the bot would have answered to the website's last `limit` (at most 100)
    /// first questions. Owners and admins; nothing is sent or stored.
    pub async fn answer_bot_preview(&self, p: &Principal, website_id: &str, threshold: Option<f64>, limit: i64) -> ApiResult<Vec<PreviewItem>> {
        let org = super::admin(p)?.org_id.clone();
        let site = self.website(p, website_id).await?;
        self.limit(&format!("bot-preview:{org}"), Quota::per_window(10, Duration::from_secs(60))).await?;
        if let Some(t) = threshold.filter(|t| !(0.1..=1.0).contains(t)) {
            return Err(ApiError::BadInput(format!("threshold must be between 0.1 and 1, not {t}")));
        }
        let settings = self.store.assistant(&org, &site.id).await?;
        let threshold = threshold.unwrap_or(settings.threshold);
        let mut out = Vec::new();
        for (conversation_id, question) in self.store.recent_questions(&org, &site.id, limit.clamp(1, 100)).await? {
            let candidates = self.answer_candidates(&site, &question, None).await?;
            let answers = judge(&question, &candidates).is_some_and(|j| bot::confident(j, threshold));
            let best = candidates.into_iter().next();
            out.push(PreviewItem { conversation_id, question, best, answers });
        }
        Ok(out)
    }

    /// Sends a message as the answer bot (once per question: its client id is the
    /// question's).
    async fn bot_says(&self, conv: &ConversationRow, question: &MessageRow, body: String, key: &str) -> ApiResult<MessageRow> {
        let out = self
            .appender
            .append(NewMessage {
                org_id: conv.org_id.clone(),
                conversation_id: conv.id.clone(),
                visitor_id: None,
                sender_kind: SenderKind::Bot,
                // Its name is the website's bot name (`store::batches`'s people).
                sender_id: conv.website_id.clone(),
                body,
                is_private: false,
                attachment_ids: Vec::new(),
                client_message_id: Some(format!("{key}:{}", question.id)),
                follow_up: Some(super::webhooks::follow_up(false, self.hooked(&conv.org_id).await)),
            })
            .await?;
        Ok(self.after_append(out, SenderKind::Bot, &conv.website_id).await.0)
    }

    async fn set_status(&self, conv: &ConversationRow, status: ConversationStatus) -> ApiResult<ConversationRow> {
        let event = if status == ConversationStatus::Resolved { EventType::ConversationResolved } else { EventType::ConversationAssigned };
        let events = if status == ConversationStatus::Resolved { self.conversation_events(&conv.org_id, event).await } else { None };
        let row = self.store.set_conversation_status(&conv.org_id, &conv.id, status, events.as_deref()).await?;
        self.publish_conversation(&row);
        Ok(row)
    }

    /// Whether the website's answer bot is on (kept a few seconds per node).
    async fn bot_on(&self, site_org: &str, website_id: &str) -> bool {
        self.bot_sites.get(website_id, async { Ok(self.store.assistant(site_org, website_id).await?.answer_bot) }).await
    }

    /// Whether the website's bot answers stream as drafts: it is on, and writes with a
    /// model server (`WidgetConfig.answerDrafts`).
    pub async fn website_answer_drafts(&self, site: &WebsiteRow) -> bool {
        self.model.is_some() && self.bot_on(&site.org_id, &site.id).await
    }

    /// The answer bot's turn on a visitor's message; `true` if it replied (then no
    /// automation sends a message for it).
    pub(super) async fn answer_bot(&self, conv: &ConversationRow, message: &MessageRow) -> ApiResult<bool> {
        if message.sender_kind != SenderKind::Visitor || message.is_private {
            return Ok(false);
        }
        // Most websites have no bot: that answer is kept for a few seconds per node.
        if !self.bot_on(&conv.org_id, &conv.website_id).await {
            return Ok(false);
        }
        let settings = self.store.assistant(&conv.org_id, &conv.website_id).await?;
        if !settings.answer_bot {
            return Ok(false);
        }
        // A person has taken the chat: the bot keeps out of it.
        if conv.assignee_id.is_some() || conv.first_response_at.is_some() {
            return Ok(false);
        }
        let answers = self.store.bot_answers(&conv.id).await?;
        if answers.iter().any(|a| a.outcome.as_deref() == Some("handover")) {
            return Ok(false);
        }
        // The visitor's reaction to the last answer.
        if let Some(last) = answers.last().filter(|a| a.outcome.is_none()) {
            if bot::says_it_helped(&message.body) {
                self.store.set_bot_outcome(&last.id, "helped").await?;
                if conv.status != ConversationStatus::Resolved {
                    self.set_status(conv, ConversationStatus::Resolved).await?;
                }
                return Ok(false);
            }
            if bot::asks_for_a_person(&message.body) {
                self.store.set_bot_outcome(&last.id, "handover").await?;
                self.bot_says(conv, message, bot::HANDOVER_TEXT.into(), "bot-handover").await?;
                // Back in the line (the visitor's message reopened it), for the team.
                self.route(&conv.org_id);
                return Ok(true);
            }
        }
        if bot::asks_for_a_person(&message.body) {
            return Ok(false);
        }
        let site = self.store.website(&conv.org_id, &conv.website_id).await.map_err(|e| not_found(e, "website"))?;
        if settings.mode == "away" && self.website_open_now(&site).await? && self.agent_online(&conv.org_id).await? {
            return Ok(false);
        }
        let visitor = self.store.visitor(&conv.org_id, &conv.visitor_id).await?;
        let candidates = self.answer_candidates(&site, &message.body, visitor.language.as_deref()).await?;
        let Some(best) = candidates.first() else { return Ok(false) };
        let judgement = judge(&message.body, &candidates);
        if let (Some(model), Some(j)) = (self.model.clone(), judgement) {
            if j.terms >= 2 && j.score >= GENERATIVE_MIN_COVERAGE {
                let generated = self.generate(model.as_ref(), &site, conv, message, &candidates).await;
                let outcome = match generated {
                    // Written, or declined by the model: either way, the bot's turn is over.
                    Ok(Some(said)) => Some(self.answered(conv, message, said, &candidates, best.coverage).await.map(|_| true)),
                    Ok(None) => Some(Ok(false)),
                    // No model answer (down, slow, or over its limits): the bot quotes instead.
                    Err(e) => {
                        tracing::warn!(error = ?e, "the model server gave no answer; quoting the article");
                        None
                    }
                };
                // The draft is over (its message, if any, was published first).
                self.bus.publish(&conversation_topic(&conv.id), Event::AnswerDraft { conversation_id: conv.id.clone(), text: String::new(), done: true });
                if let Some(outcome) = outcome {
                    return outcome;
                }
            }
        }
        if !judgement.is_some_and(|j| bot::confident(j, settings.threshold)) {
            return Ok(false);
        }
        let url = format!("{}/help/{}/{}?lang={}", public_base(self), site.public_key, best.slug, best.language);
        self.answered(conv, message, bot::answer_text(&best.title, &best.excerpt, &url), &candidates, settings.threshold).await.map(|_| true)
    }

    /// Sends the bot's answer (within the shared cap of automated messages per
    /// conversation), records it with the articles it used, and sets the chat pending
    /// while the visitor reads.
    async fn answered(&self, conv: &ConversationRow, message: &MessageRow, body: String, candidates: &[Candidate], bar: f64) -> ApiResult<()> {
        if !self.store.claim_automation_message(&conv.id, crate::domain::automations::MAX_BOT_MESSAGES).await? {
            return Ok(());
        }
        let answer = self.bot_says(conv, message, body, "bot-answer").await?;
        let used: Vec<&str> = candidates.iter().take(3).filter(|c| c.coverage >= bar).map(|c| c.article_id.as_str()).collect();
        let record = BotAnswerRow {
            id: crate::ids::new_id("bta"),
            conversation_id: conv.id.clone(),
            question_message_id: message.id.clone(),
            answer_message_id: answer.id.clone(),
            article_ids: serde_json::to_string(&used).expect("ids serialize"),
            score: candidates.first().map_or(0.0, |c| c.coverage),
            outcome: None,
            created_at: crate::time::now_ms(),
        };
        self.store.record_bot_answer(&conv.org_id, &record).await?;
        // Out of the line while the visitor reads; their next message brings it back.
        let now = self.store.conversation(&conv.org_id, &conv.id).await?;
        if now.status == ConversationStatus::Open && now.assignee_id.is_none() {
            self.set_status(&now, ConversationStatus::Pending).await?;
        }
        Ok(())
    }

    /// A grounded answer written by the model from the best articles (at most three),
    /// with the conversation so far as data; `Ok(None)` when the model says the articles
    /// do not answer, or its answer cites none of them.
    async fn generate(
        &self,
        model: &dyn crate::model::AnswerModel,
        site: &WebsiteRow,
        conv: &ConversationRow,
        message: &MessageRow,
        candidates: &[Candidate],
    ) -> ApiResult<Option<String>> {
        self.limit(&format!("bot-model-visitor:{}", conv.visitor_id), Quota::per_window(20, Duration::from_secs(3600))).await?;
        self.limit(&format!("bot-model-org:{}", conv.org_id), Quota::per_window(2_000, Duration::from_secs(3600))).await?;
        let base = public_base(self);
        let passages: Vec<bot::Passage> = candidates
            .iter()
            .filter(|c| c.coverage >= GENERATIVE_MIN_COVERAGE)
            .take(3)
            .map(|c| bot::Passage {
                title: c.title.clone(),
                url: format!("{base}/help/{}/{}?lang={}", site.public_key, c.slug, c.language),
                text: c.text.clone(),
            })
            .collect();
        // The conversation's public messages before this one: never notes.
        let before = self.store.messages_between(&conv.id, (message.seq - 30).max(0), message.seq, 30).await?;
        let context: Vec<(String, String)> = before
            .iter()
            .filter(|m| !m.is_private && m.seq < message.seq && m.sender_kind != SenderKind::System)
            .map(|m| (if m.sender_kind == SenderKind::Visitor { "Visitor" } else { "Team" }.to_owned(), m.body.clone()))
            .collect();
        let (system, user) = bot::grounded_prompt(&site.name, &passages, &context, &message.body);
        // The answer as it is written goes to the conversation's viewers as drafts, held
        // back until it cannot be the refusal, and cleaned as the final answer is.
        let topic = conversation_topic(&conv.id);
        let last_draft: Mutex<Option<std::time::Instant>> = Mutex::new(None);
        let on_text = |so_far: &str| {
            if so_far.trim().len() < bot::REFUSAL.len() + 3 || so_far.to_ascii_uppercase().contains(bot::REFUSAL) {
                return;
            }
            let mut last = last_draft.lock().expect("draft clock");
            if last.is_some_and(|at| at.elapsed() < DRAFT_EVERY) {
                return;
            }
            *last = Some(std::time::Instant::now());
            let text: String = bot::model_plain_text(so_far).chars().take(bot::MAX_ANSWER_CHARS).collect();
            self.bus.publish(&topic, Event::AnswerDraft { conversation_id: conv.id.clone(), text, done: false });
        };
        let prompt = crate::model::Prompt { system, user };
        let out = model.complete_streaming(&prompt, &on_text).await.map_err(|e| ApiError::unavailable(e.0))?;
        Ok(bot::finish_generated(&out, &passages))
    }

    /// Replies an agent could send to the visitor's latest question, best first: the
    /// organization's canned responses, the website's published articles, and what the
    /// team answered to such questions in resolved conversations. Staff; 120 a minute.
    pub async fn reply_suggestions(&self, p: &Principal, conversation_id: &str, limit: usize) -> ApiResult<Vec<Suggestion>> {
        if !p.is_staff() {
            return Err(ApiError::Forbidden("this operation is for agents"));
        }
        let conv = self.visible_conversation(p, conversation_id).await?;
        self.limit(&format!("suggest:{}", p.limit_key()), Quota::per_window(120, Duration::from_secs(60))).await?;
        let recent = self.store.messages_between(&conv.id, (conv.last_seq - 50).max(0), conv.last_seq, 50).await?;
        let Some(question) = recent.iter().rev().find(|m| m.sender_kind == SenderKind::Visitor && !m.is_private) else { return Ok(Vec::new()) };
        let q = question.body.as_str();
        if articles::query_terms(q).is_empty() {
            return Ok(Vec::new());
        }
        // Each source with how it is read, and whether its meaning alone is close enough
        // to show it (articles, with the semantic layer).
        let mut found: Vec<(Suggestion, bot::Judged, bool)> = Vec::new();
        for c in self.store.canned_responses(&conv.org_id).await? {
            let judged = bot::Judged::new(&c.title, &c.body);
            found.push((Suggestion { kind: SuggestionKind::Canned, title: c.title, text: c.body, source_id: c.id, score: 0.0 }, judged, false));
        }
        let site = self.store.website(&conv.org_id, &conv.website_id).await.map_err(|e| not_found(e, "website"))?;
        let visitor = self.store.visitor(&conv.org_id, &conv.visitor_id).await?;
        for c in self.answer_candidates(&site, q, visitor.language.as_deref()).await?.into_iter().take(3) {
            let url = format!("{}/help/{}/{}?lang={}", public_base(self), site.public_key, c.slug, c.language);
            let judged = bot::Judged::new(&c.title, &c.text);
            let meant = c.likeness >= SUGGESTION_MIN_LIKENESS;
            found.push((
                Suggestion { kind: SuggestionKind::Article, text: format!("{}\n\n{url}", c.excerpt), title: c.title, source_id: c.article_id, score: 0.0 },
                judged,
                meant,
            ));
        }
        for r in self.past_replies(&conv.org_id, q, &conv.id, 5).await? {
            let judged = bot::Judged::new("", &r.question);
            let title: String = r.question.chars().take(80).collect();
            found.push((Suggestion { kind: SuggestionKind::PastReply, title, text: r.reply, source_id: r.reply_id, score: 0.0 }, judged, false));
        }
        // One scale for all three: how well each source's words meet the question's.
        let corpus = Corpus::new(found.iter().map(|(s, _, _)| s.text.as_str()));
        let mut scored: Vec<Suggestion> = found
            .into_iter()
            .filter_map(|(mut s, judged, meant)| {
                let a = bot::assess(q, &judged, &corpus);
                s.score = a.relevance;
                (a.coverage >= SUGGESTION_MIN_COVERAGE || meant).then_some(s)
            })
            .collect();
        scored.sort_by(|a, b| b.score.total_cmp(&a.score));
        let mut seen = std::collections::HashSet::new();
        scored.retain(|s| seen.insert(s.text.clone()));
        scored.truncate(limit.clamp(1, 10));
        Ok(scored)
    }

    /// What the team answered to questions like this one: of the organization's latest
    /// `RECENT_QUESTIONS` visitors' messages in resolved conversations (other than
    /// `exclude`) that share a word with it, the `limit` most relevant that got a
    /// public reply, each with the first such reply. Bounded however many past replies
    /// there are: the database reads the newest matches, the bot's own ranking orders
    /// them.
    pub async fn past_replies(&self, org_id: &str, question: &str, exclude: &str, limit: usize) -> ApiResult<Vec<PastReply>> {
        let asked = self.store.matching_questions(org_id, &articles::query_terms(question), exclude, RECENT_QUESTIONS).await?;
        let corpus = Corpus::new(asked.iter().map(|q| q.body.as_str()));
        let mut ranked: Vec<(f64, &PastQuestion)> =
            asked.iter().map(|q| (bot::assess(question, &bot::Judged::new("", &q.body), &corpus).relevance, q)).filter(|(r, _)| *r > 0.0).collect();
        // Stable: equal relevance keeps the newest first.
        ranked.sort_by(|(a, _), (b, _)| b.total_cmp(a));
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        // A reply read per question: at most twice as many reads as replies wanted,
        // however many of the questions went unanswered.
        let distinct = ranked.into_iter().map(|(_, q)| q).filter(|q| seen.insert(q.body.trim().to_lowercase()));
        for q in distinct.take(limit * 2) {
            if out.len() == limit {
                break;
            }
            if let Some(r) = self.store.first_reply(&q.conversation_id, q.seq).await? {
                out.push(PastReply { conversation_id: q.conversation_id.clone(), question: q.body.clone(), reply_id: r.id, reply: r.body });
            }
        }
        Ok(out)
    }

    /// A summary of the conversation for the agent taking it over: written by the model
    /// server when one is configured (and it answers), otherwise drawn from the messages.
    /// Staff who see the conversation; 30 a minute each.
    pub async fn conversation_summary(&self, p: &Principal, conversation_id: &str) -> ApiResult<ConversationSummary> {
        if !p.is_staff() {
            return Err(ApiError::Forbidden("this operation is for agents"));
        }
        let conv = self.visible_conversation(p, conversation_id).await?;
        self.limit(&format!("summary:{}", p.limit_key()), Quota::per_window(30, Duration::from_secs(60))).await?;
        // The first messages and the latest: what was asked, and where it stands.
        let mut messages = self.store.messages_between(&conv.id, 0, conv.last_seq.min(SUMMARY_HEAD), SUMMARY_HEAD).await?;
        let tail_from = (conv.last_seq - SUMMARY_TAIL).max(SUMMARY_HEAD);
        if conv.last_seq > tail_from {
            messages.extend(self.store.messages_between(&conv.id, tail_from, conv.last_seq, SUMMARY_TAIL).await?);
        }
        messages.retain(|m| !m.is_private && matches!(m.sender_kind, SenderKind::Visitor | SenderKind::Agent | SenderKind::Bot));
        let mut ids: Vec<String> = messages.iter().filter(|m| m.sender_kind != SenderKind::Visitor).filter_map(|m| m.sender_id.clone()).collect();
        ids.sort();
        ids.dedup();
        let people = self.people(&conv.org_id, &ids).await?;
        let name_of = |m: &MessageRow| m.sender_id.as_ref().and_then(|id| people.get(id)).and_then(|p| p.name.as_deref()).unwrap_or("Team");
        let said: Vec<summary::Said<'_>> = messages.iter().map(|m| summary::Said { kind: m.sender_kind, name: name_of(m), body: &m.body }).collect();
        let visitor = self.store.visitor(&conv.org_id, &conv.visitor_id).await?;
        let answers = self.store.bot_answers(&conv.id).await?;
        // The articles the bot answered from (the first three), each titled in the
        // visitor's language where it has one.
        let mut used: Vec<String> = Vec::new();
        for id in answers.iter().flat_map(|a| serde_json::from_str::<Vec<String>>(&a.article_ids).unwrap_or_default()) {
            if used.len() < 3 && !used.contains(&id) {
                used.push(id);
            }
        }
        let texts = self.store.article_texts(&used).await?;
        let titles: Vec<String> = used
            .iter()
            .filter_map(|id| {
                let of: Vec<_> = texts.iter().filter(|t| &t.article_id == id).collect();
                (!of.is_empty()).then(|| super::articles::in_language(&of, |t| &t.language, "en", visitor.language.as_deref()).title.clone())
            })
            .collect();
        let tags = self.store.conversation_tags(&conv.id).await?;
        let facts = summary::Facts {
            visitor: visitor.name.as_deref().or(visitor.email.as_deref()),
            email: visitor.email.as_deref(),
            page: visitor.current_url.as_deref(),
            messages: &said,
            bot: answers.last().map(|last| (titles.iter().map(String::as_str).collect(), last.outcome.as_deref())),
            tags: &tags,
        };
        if let Some(model) = self.model.clone() {
            if said.iter().any(|m| m.kind == SenderKind::Visitor) {
                match self.summarize_with(model.as_ref(), &conv, &facts).await {
                    Ok(Some(text)) => return Ok(ConversationSummary { text, generated: true }),
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = ?e, "the model server gave no summary; drawing one from the messages"),
                }
            }
        }
        Ok(ConversationSummary { text: summary::extractive(&facts), generated: false })
    }

    async fn summarize_with(&self, model: &dyn crate::model::AnswerModel, conv: &ConversationRow, facts: &summary::Facts<'_>) -> ApiResult<Option<String>> {
        self.limit(&format!("bot-model-org:{}", conv.org_id), Quota::per_window(2_000, Duration::from_secs(3600))).await?;
        let (system, user) = summary::summary_prompt(facts);
        let out = model.complete(&crate::model::Prompt { system, user }).await.map_err(|e| ApiError::unavailable(e.0))?;
        Ok(summary::finish_summary(&out))
    }

    /// The bot's answers in a conversation (staff).
    pub async fn bot_answers(&self, p: &Principal, conversation_id: &str) -> ApiResult<Vec<BotAnswerRow>> {
        let conv = self.visible_conversation(p, conversation_id).await?;
        if !p.is_staff() {
            return Err(ApiError::Forbidden("this operation is for agents"));
        }
        Ok(self.store.bot_answers(&conv.id).await?)
    }
}
