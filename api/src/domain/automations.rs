//! Automations: on an event (a conversation created, a visitor's message, no reply for N
//! minutes, a rating), when the routing rules' conditions hold (and the event's own test:
//! keywords, the rating), run actions (a message as the bot, a canned response, assign,
//! route, tags, priority, resolve). Pure: the app runs them as jobs. Events caused by
//! automations or bots are never events here: only a visitor's message, a conversation's
//! start, a visitor's rating and a visitor left waiting count.

use serde::{Deserialize, Serialize};

use super::rules::{self, RuleCondition, MAX_CONDITIONS};
use super::{Priority, ValidationError};

/// The most automations an organization keeps, keywords per automation, and BOT
/// messages automations send in one conversation (a loop through a webhook and an
/// external bot stops there).
pub const MAX_AUTOMATIONS: usize = 50;
pub const MAX_KEYWORDS: usize = 20;
pub const MAX_BOT_MESSAGES: i64 = 20;

#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AutomationEvent {
    /// A visitor's first message put the conversation in the team's queue.
    ConversationCreated,
    /// A visitor wrote (with `keywords`: a message containing one of them).
    MessageReceived,
    /// A visitor has waited `minutes` for a person's reply.
    NoReply,
    /// A visitor rated the conversation (with `ratingAtMost`: that rating or lower).
    RatingReceived,
}

impl AutomationEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            AutomationEvent::ConversationCreated => "conversation_created",
            AutomationEvent::MessageReceived => "message_received",
            AutomationEvent::NoReply => "no_reply",
            AutomationEvent::RatingReceived => "rating_received",
        }
    }
    pub fn parse(s: &str) -> Option<AutomationEvent> {
        [AutomationEvent::ConversationCreated, AutomationEvent::MessageReceived, AutomationEvent::NoReply, AutomationEvent::RatingReceived]
            .into_iter()
            .find(|e| e.as_str() == s)
    }
}

/// What an automation does; at least one part.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AutomationActions {
    /// Sent to the visitor as the bot (sender kind BOT).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// A canned response's body, sent as the bot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canned_response_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assign_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resolve: bool,
}

impl AutomationActions {
    pub fn sends(&self) -> bool {
        self.message.is_some() || self.canned_response_id.is_some()
    }
    fn is_empty(&self) -> bool {
        !self.sends() && self.assign_to.is_none() && self.department_id.is_none() && self.priority.is_none() && self.tags.is_empty() && !self.resolve
    }
}

/// Everything of an automation but its name and event, as stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AutomationSpec {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<RuleCondition>,
    /// `MESSAGE_RECEIVED`: the message contains one of these words or phrases (whole
    /// words, case ignored); none: any message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// `NO_REPLY`: how long the visitor has waited, 1 to 10,080 (a week).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<i64>,
    /// `RATING_RECEIVED`: only ratings at most this (1 to 5); none: any rating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating_at_most: Option<i32>,
    pub actions: AutomationActions,
}

impl AutomationSpec {
    /// Checks the spec against its event: conditions' shapes, the event's own fields
    /// (and no other event's), a message's length, the tags; at least one action.
    pub fn check(mut self, event: AutomationEvent) -> Result<AutomationSpec, ValidationError> {
        if self.conditions.len() > MAX_CONDITIONS {
            return Err(ValidationError(format!("at most {MAX_CONDITIONS} conditions")));
        }
        self.conditions = self.conditions.into_iter().map(RuleCondition::check).collect::<Result<_, _>>()?;
        let keywords = std::mem::take(&mut self.keywords);
        if event != AutomationEvent::MessageReceived && !keywords.is_empty() {
            return Err(ValidationError("keywords are for MESSAGE_RECEIVED".into()));
        }
        if keywords.len() > MAX_KEYWORDS {
            return Err(ValidationError(format!("at most {MAX_KEYWORDS} keywords")));
        }
        for k in keywords {
            let k = k.trim().to_lowercase();
            if k.is_empty() || k.chars().count() > 100 {
                return Err(ValidationError("a keyword is 1 to 100 characters".into()));
            }
            if !self.keywords.contains(&k) {
                self.keywords.push(k);
            }
        }
        match (event, self.minutes) {
            (AutomationEvent::NoReply, Some(m)) if (1..=10_080).contains(&m) => {}
            (AutomationEvent::NoReply, _) => return Err(ValidationError("NO_REPLY needs minutes from 1 to 10080".into())),
            (_, Some(_)) => return Err(ValidationError("minutes are for NO_REPLY".into())),
            (_, None) => {}
        }
        match (event, self.rating_at_most) {
            (AutomationEvent::RatingReceived, Some(r)) if !(1..=5).contains(&r) => return Err(ValidationError("ratingAtMost is 1 to 5".into())),
            (AutomationEvent::RatingReceived, _) | (_, None) => {}
            (_, Some(_)) => return Err(ValidationError("ratingAtMost is for RATING_RECEIVED".into())),
        }
        let a = &mut self.actions;
        if let Some(m) = &a.message {
            let m = m.trim();
            if m.is_empty() || m.chars().count() > 2_000 || m.contains('\0') {
                return Err(ValidationError("an automation's message is 1 to 2,000 characters".into()));
            }
            a.message = Some(m.to_owned());
        }
        if a.message.is_some() && a.canned_response_id.is_some() {
            return Err(ValidationError("send a message or a canned response, not both".into()));
        }
        a.tags = rules::tags(&a.tags)?;
        if a.is_empty() {
            return Err(ValidationError("an automation needs an action".into()));
        }
        if a.resolve && (a.assign_to.is_some() || a.department_id.is_some()) {
            return Err(ValidationError("an automation that resolves does not assign or route".into()));
        }
        Ok(self)
    }
}

/// Whether `body` contains one of `keywords` as whole words (case ignored); no keywords:
/// every body.
pub fn has_keyword(keywords: &[String], body: &str) -> bool {
    if keywords.is_empty() {
        return true;
    }
    let body = body.to_lowercase();
    keywords.iter().any(|k| {
        body.match_indices(k.as_str()).any(|(at, _)| {
            let before = body[..at].chars().next_back();
            let after = body[at + k.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::rules::{RuleField, RuleOperator};

    fn spec(actions: AutomationActions) -> AutomationSpec {
        AutomationSpec { actions, ..AutomationSpec::default() }
    }
    fn say(m: &str) -> AutomationActions {
        AutomationActions { message: Some(m.into()), ..AutomationActions::default() }
    }

    #[test]
    fn specs_fit_their_event() {
        assert!(spec(AutomationActions::default()).check(AutomationEvent::ConversationCreated).is_err(), "no action");
        assert!(spec(say("  ")).check(AutomationEvent::ConversationCreated).is_err());
        assert!(spec(say(&"x".repeat(2_001))).check(AutomationEvent::ConversationCreated).is_err());
        assert!(spec(say("hi")).check(AutomationEvent::NoReply).is_err(), "NO_REPLY needs minutes");
        assert!(AutomationSpec { minutes: Some(0), ..spec(say("hi")) }.check(AutomationEvent::NoReply).is_err());
        assert!(AutomationSpec { minutes: Some(5), ..spec(say("hi")) }.check(AutomationEvent::NoReply).is_ok());
        assert!(AutomationSpec { minutes: Some(5), ..spec(say("hi")) }.check(AutomationEvent::MessageReceived).is_err());
        assert!(AutomationSpec { keywords: vec!["refund".into()], ..spec(say("hi")) }.check(AutomationEvent::ConversationCreated).is_err());
        assert!(AutomationSpec { rating_at_most: Some(6), ..spec(say("hi")) }.check(AutomationEvent::RatingReceived).is_err());
        let both = AutomationActions { canned_response_id: Some("can_1".into()), ..say("hi") };
        assert!(spec(both).check(AutomationEvent::MessageReceived).is_err());
        let resolve_and_assign = AutomationActions { resolve: true, assign_to: Some("agt_1".into()), ..AutomationActions::default() };
        assert!(spec(resolve_and_assign).check(AutomationEvent::MessageReceived).is_err());
        let bad_condition = RuleCondition { field: RuleField::Identified, operator: RuleOperator::Equals, key: None, value: Some("x".into()), values: vec![] };
        assert!(AutomationSpec { conditions: vec![bad_condition], ..spec(say("hi")) }.check(AutomationEvent::MessageReceived).is_err());
        let k = AutomationSpec { keywords: vec![" Refund ".into(), "refund".into(), "money back".into()], ..spec(say("hi")) }
            .check(AutomationEvent::MessageReceived)
            .unwrap();
        assert_eq!(k.keywords, vec!["refund".to_owned(), "money back".to_owned()]);
    }

    #[test]
    fn keywords_match_whole_words() {
        let k = vec!["refund".to_owned(), "money back".to_owned()];
        assert!(has_keyword(&k, "I want a REFUND."));
        assert!(has_keyword(&k, "can I get my money back?"));
        assert!(!has_keyword(&k, "refunded already, thanks"));
        assert!(!has_keyword(&k, "nonrefund"));
        assert!(!has_keyword(&k, "hello"));
        assert!(has_keyword(&[], "anything"));
        assert!(has_keyword(&["café".to_owned()], "un Café, svp"));
    }
}
