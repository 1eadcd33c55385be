//! The greeter bot: an API key's client that greets every new conversation, answers
//! keyword questions from the organization's canned responses, and hands over to a
//! human when asked. Built only on `chinwag-sdk`.
//!
//! Every reply carries a `clientMessageId` derived from what it answers
//! (`greet-<conversation>`, `re-<message>`), so a repeated event, a catch-up after a
//! reconnect or a restarted bot never sends the same reply twice.

#![forbid(unsafe_code)]

use std::collections::HashSet;
use std::future::Future;

use chinwag_sdk::{AgentClient, CannedResponse, ConversationFilter, ConversationStatus, InboxEvent, Message, SendOptions, SenderKind};
use futures_util::StreamExt as _;

/// What the bot says and whom it hands over to.
#[derive(Debug, Clone)]
pub struct Config {
    /// The first line of the greeting; the topics it can answer follow.
    pub greeting: String,
    /// Words that ask for a person.
    pub handover_words: Vec<String>,
    /// Said when handing over.
    pub handover_message: String,
    /// The agent to assign on a handover.
    pub handover_agent: Option<String>,
    /// The department to route to on a handover.
    pub handover_department: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            greeting: "Hi! I'm the greeter bot.".into(),
            handover_words: ["human", "person", "agent", "someone", "operator"].map(String::from).to_vec(),
            handover_message: "Sure, I'm handing you over to a teammate. They will answer here shortly.".into(),
            handover_agent: None,
            handover_department: None,
        }
    }
}

/// What to do with a visitor's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Answer with this canned response's body.
    Answer(String),
    /// Hand the conversation to a human.
    Handover,
    /// Say nothing.
    Nothing,
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// Whether a word of the message matches a keyword: equal, or one a prefix of the other
/// when both have at least four letters ("ship" finds "shipping", "returns" finds
/// "return").
fn matches(word: &str, keyword: &str) -> bool {
    word == keyword || (word.len() >= 4 && keyword.len() >= 4 && (keyword.starts_with(word) || word.starts_with(keyword)))
}

/// The keywords of a canned response: its shortcut's parts and its title's longer words.
fn keywords(r: &CannedResponse) -> Vec<String> {
    let mut k = words(&r.shortcut);
    k.extend(words(&r.title).into_iter().filter(|w| w.len() >= 4));
    k.dedup();
    k
}

/// Decides the reply to a visitor's message: a handover when it asks for a person,
/// else the canned response matching most keywords, else nothing.
pub fn reply_for(text: &str, canned: &[CannedResponse], config: &Config) -> Reply {
    let said = words(text);
    if said.iter().any(|w| config.handover_words.iter().any(|h| w == h)) {
        return Reply::Handover;
    }
    let score = |r: &CannedResponse| keywords(r).iter().filter(|k| said.iter().any(|w| matches(w, k))).count();
    // max_by_key keeps the last of equals: reverse so the first one listed wins ties.
    match canned.iter().rev().map(|r| (score(r), r)).max_by_key(|(s, _)| *s) {
        Some((s, r)) if s > 0 => Reply::Answer(r.body.clone()),
        _ => Reply::Nothing,
    }
}

/// The greeting: the configured line, the topics (canned response titles), and how to
/// reach a person.
pub fn greeting(canned: &[CannedResponse], config: &Config) -> String {
    let mut text = config.greeting.clone();
    if !canned.is_empty() {
        let topics: Vec<_> = canned.iter().map(|r| r.title.to_lowercase()).collect();
        text.push_str(&format!(" I can help with {}.", topics.join(", ")));
    }
    if let Some(word) = config.handover_words.first() {
        text.push_str(&format!(" Write \"{word}\" any time to talk to a person."));
    }
    text
}

/// The bot: an [`AgentClient`] acting with an API key, and its [`Config`].
pub struct Bot {
    client: AgentClient,
    config: Config,
    /// Conversations a human has: the bot stays quiet there.
    handed_over: HashSet<String>,
}

impl Bot {
    /// A bot on `client` (made with [`AgentClient::with_api_key`]).
    pub fn new(client: AgentClient, config: Config) -> Bot {
        Bot { client, config, handed_over: HashSet::new() }
    }

    /// Follows the inbox until `shutdown` resolves, or the stream fails for good (a
    /// revoked key). At start, and after each reconnect, it catches up with open
    /// conversations it has not greeted or answered (what arrived while it was away).
    pub async fn run(mut self, shutdown: impl Future<Output = ()>) -> chinwag_sdk::Result<()> {
        // Subscribed first, so what arrives during the catch-up waits in the stream.
        let mut inbox = self.client.inbox_events();
        self.catch_up().await?;
        tokio::pin!(shutdown);
        loop {
            let event = tokio::select! {
                _ = &mut shutdown => return Ok(()),
                event = inbox.next() => event,
            };
            let Some(event) = event else { return Ok(()) };
            if let Err(e) = self.handle(event?).await {
                // One conversation's failure (say, it was deleted) must not stop the bot.
                eprintln!("greeter-bot: {e}");
            }
        }
    }

    async fn handle(&mut self, event: InboxEvent) -> chinwag_sdk::Result<()> {
        match event {
            InboxEvent::ConversationCreated(c) => self.greet(&c.id).await,
            InboxEvent::MessageAdded { message, .. } => match message.sender_kind {
                SenderKind::Visitor if !message.is_private => self.answer(&message).await,
                // A person joined in: from now on it is theirs.
                SenderKind::Agent => {
                    self.handed_over.insert(message.conversation_id);
                    Ok(())
                }
                _ => Ok(()),
            },
            InboxEvent::Reconnected => self.catch_up().await,
            _ => Ok(()),
        }
    }

    async fn greet(&mut self, conversation_id: &str) -> chinwag_sdk::Result<()> {
        let canned = self.client.canned_responses().await?;
        let text = greeting(&canned, &self.config);
        self.say(conversation_id, &text, format!("greet-{conversation_id}")).await
    }

    async fn answer(&mut self, message: &Message) -> chinwag_sdk::Result<()> {
        let id = &message.conversation_id;
        if self.handed_over.contains(id) {
            return Ok(());
        }
        // Assigned to someone (by a person, or by this bot before a restart): theirs.
        if self.client.conversation(id).await?.assignee_id.is_some() {
            self.handed_over.insert(id.clone());
            return Ok(());
        }
        let canned = self.client.canned_responses().await?;
        match reply_for(&message.body, &canned, &self.config) {
            Reply::Answer(text) => self.say(id, &text, format!("re-{}", message.id)).await,
            Reply::Handover => {
                self.say(id, &self.config.handover_message.clone(), format!("re-{}", message.id)).await?;
                self.handed_over.insert(id.clone());
                let (agent, department) = (self.config.handover_agent.as_deref(), self.config.handover_department.as_deref());
                if agent.is_some() || department.is_some() {
                    self.client.assign_conversation(id, agent, department).await?;
                }
                Ok(())
            }
            Reply::Nothing => Ok(()),
        }
    }

    async fn say(&self, conversation_id: &str, text: &str, key: String) -> chinwag_sdk::Result<()> {
        let options = SendOptions { client_message_id: Some(key), is_private: false };
        self.client.send_message_with(conversation_id, text, options).await.map(drop)
    }

    /// The inbox is live only: after a reconnect, look at open conversations for what
    /// arrived meanwhile. Deterministic keys make a second answer impossible.
    async fn catch_up(&mut self) -> chinwag_sdk::Result<()> {
        let filter = ConversationFilter { status: vec![ConversationStatus::Open], ..Default::default() };
        for c in self.client.conversations(filter, None).await?.nodes {
            if self.handed_over.contains(&c.id) || c.assignee_id.is_some() {
                continue;
            }
            let history = self.client.messages(&c.id, 20, None).await?.messages;
            if !history.iter().any(|m| matches!(m.sender_kind, SenderKind::Bot | SenderKind::Agent)) {
                self.greet(&c.id).await?;
            }
            if let Some(last) = history.iter().rev().find(|m| !m.is_private).filter(|m| m.sender_kind == SenderKind::Visitor) {
                self.answer(last).await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canned(shortcut: &str, title: &str, body: &str) -> CannedResponse {
        CannedResponse { id: shortcut.into(), shortcut: shortcut.into(), title: title.into(), body: body.into(), updated_at: String::new() }
    }

    #[test]
    fn keyword_questions_get_the_matching_canned_response() {
        let config = Config::default();
        let replies = [canned("shipping", "Shipping times", "We ship in 3 days."), canned("returns", "Returns and refunds", "30 days to return.")];
        assert_eq!(reply_for("Hi, do you ship to Norway?", &replies, &config), Reply::Answer("We ship in 3 days.".into()));
        assert_eq!(reply_for("How do I RETURN a jacket?", &replies, &config), Reply::Answer("30 days to return.".into()));
        assert_eq!(reply_for("Can I get a refund?", &replies, &config), Reply::Answer("30 days to return.".into()));
        assert_eq!(reply_for("What's the weather like?", &replies, &config), Reply::Nothing);
        assert_eq!(reply_for("hi", &[], &config), Reply::Nothing);
    }

    #[test]
    fn asking_for_a_person_hands_over_before_anything_else() {
        let replies = [canned("shipping", "Shipping", "We ship.")];
        assert_eq!(reply_for("Shipping is late, can I talk to a human?", &replies, &Config::default()), Reply::Handover);
        assert_eq!(reply_for("humane treatment of shipping boxes", &replies, &Config::default()), Reply::Answer("We ship.".into()));
    }

    #[test]
    fn the_greeting_lists_the_topics_and_the_way_to_a_person() {
        let text = greeting(&[canned("shipping", "Shipping", "x"), canned("returns", "Returns", "y")], &Config::default());
        assert_eq!(text, "Hi! I'm the greeter bot. I can help with shipping, returns. Write \"human\" any time to talk to a person.");
    }
}
