//! The conversation's rules when a message arrives, as a pure function: the state a
//! conversation is in plus the message -> its next state and what changed. The store's
//! batch planner calls this under its lock and only persists the result; the rules are
//! unit-tested here without a database, and `api/tests/api/rules.rs` checks that what
//! the store persists over random histories equals a fold of this function.

use super::{ConversationStatus, SenderKind};

/// How many characters of a message the inbox shows.
pub const PREVIEW_CHARS: usize = 140;

/// What the rules read and write of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thread {
    pub status: ConversationStatus,
    /// The `seq` of its last message (0: none yet).
    pub last_seq: i64,
    /// In agents' queues: set by the first visitor message, never unset.
    pub queued: bool,
    pub first_response_at: Option<i64>,
    pub resolved_at: Option<i64>,
    /// Since when the visitor waits for a reply: their first message after the team's
    /// last public reply (none while nothing is awaited).
    pub awaiting_since: Option<i64>,
}

/// What the rules need to know of an arriving message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    pub sender_kind: SenderKind,
    pub is_private: bool,
}

/// What a message changed, so the caller publishes exactly the events that happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Effects {
    /// The first visitor message: the conversation enters agents' queues now.
    pub became_queued: bool,
    /// A visitor wrote to a pending or resolved conversation: it is open again.
    pub reopened: bool,
    /// The first public agent message: the first response time is set.
    pub first_response: bool,
}

impl Effects {
    /// Status or first response changed: agents' views of the conversation must update.
    pub fn conversation_changed(&self) -> bool {
        self.reopened || self.first_response
    }
}

/// The next state of `t` after `m` arrives at `now`, and what changed. The message's
/// `seq` is the returned state's `last_seq`.
pub fn on_message(t: Thread, m: Arrival, now: i64) -> (Thread, Effects) {
    let is_visitor = m.sender_kind == SenderKind::Visitor;
    let effects = Effects {
        became_queued: is_visitor && !t.queued,
        reopened: is_visitor && t.status != ConversationStatus::Open,
        // Only a person answering counts (DESIGN: "the first public AGENT message"):
        // not a note, not a bot, not the visitor.
        // An agent's message before the visitor wrote (a proactive one they replied to)
        // answers nothing.
        first_response: m.sender_kind == SenderKind::Agent && !m.is_private && t.first_response_at.is_none() && t.queued,
    };
    let mut next = t;
    next.last_seq += 1;
    next.queued |= is_visitor;
    if effects.reopened {
        next.status = ConversationStatus::Open;
        next.resolved_at = None;
    }
    if effects.first_response {
        next.first_response_at = Some(now);
    }
    // A person's public reply answers; a note, a bot or an automation does not.
    if is_visitor {
        next.awaiting_since = t.awaiting_since.or(Some(now));
    } else if m.sender_kind == SenderKind::Agent && !m.is_private {
        next.awaiting_since = None;
    }
    (next, effects)
}

/// The conversation's preview after a message: public messages only (a note never
/// becomes what a visitor's conversation list shows).
pub fn preview_after(body: &str, is_private: bool) -> Option<String> {
    (!is_private).then(|| preview(body))
}

/// The first `PREVIEW_CHARS` characters of a body.
pub fn preview(body: &str) -> String {
    body.chars().take(PREVIEW_CHARS).collect()
}

/// The preview agents see in the inbox: notes are marked as notes.
pub fn inbox_preview(body: &str, is_private: bool) -> String {
    if is_private {
        format!("Note: {}", preview(body))
    } else {
        preview(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_thread() -> Thread {
        Thread { status: ConversationStatus::Open, last_seq: 0, queued: false, first_response_at: None, resolved_at: None, awaiting_since: None }
    }

    #[test]
    fn the_visitor_awaits_a_reply_from_their_first_unanswered_message() {
        let visitor = Arrival { sender_kind: SenderKind::Visitor, is_private: false };
        let (t, _) = on_message(new_thread(), visitor, 10);
        let (t, _) = on_message(t, visitor, 20);
        assert_eq!(t.awaiting_since, Some(10), "the first unanswered message counts");
        let (t, _) = on_message(t, Arrival { sender_kind: SenderKind::Agent, is_private: true }, 30);
        let (t, _) = on_message(t, Arrival { sender_kind: SenderKind::Bot, is_private: false }, 35);
        assert_eq!(t.awaiting_since, Some(10), "a note or a bot is no reply");
        let (t, _) = on_message(t, Arrival { sender_kind: SenderKind::Agent, is_private: false }, 40);
        assert_eq!(t.awaiting_since, None);
        let (t, _) = on_message(t, visitor, 50);
        assert_eq!(t.awaiting_since, Some(50));
    }

    fn arrive(kind: SenderKind, private: bool) -> Arrival {
        Arrival { sender_kind: kind, is_private: private }
    }

    #[test]
    fn the_first_visitor_message_queues_the_conversation_once() {
        let (t, e) = on_message(new_thread(), arrive(SenderKind::Visitor, false), 10);
        assert!(t.queued && e.became_queued);
        assert_eq!(t.last_seq, 1);
        let (t, e) = on_message(t, arrive(SenderKind::Visitor, false), 11);
        assert!(t.queued && !e.became_queued);
        assert_eq!(t.last_seq, 2);
    }

    #[test]
    fn a_visitor_message_reopens_a_resolved_or_pending_conversation() {
        for status in [ConversationStatus::Resolved, ConversationStatus::Pending] {
            let t = Thread { status, resolved_at: Some(5), ..new_thread() };
            let (t, e) = on_message(t, arrive(SenderKind::Visitor, false), 10);
            assert!(e.reopened && e.conversation_changed());
            assert_eq!(t.status, ConversationStatus::Open);
            assert_eq!(t.resolved_at, None);
        }
    }

    #[test]
    fn staff_messages_never_reopen_or_queue() {
        let t = Thread { status: ConversationStatus::Resolved, resolved_at: Some(5), ..new_thread() };
        for kind in [SenderKind::Agent, SenderKind::Bot, SenderKind::System] {
            let (next, e) = on_message(t, arrive(kind, false), 10);
            assert_eq!(next.status, ConversationStatus::Resolved);
            assert!(!e.reopened && !e.became_queued && !next.queued);
        }
    }

    #[test]
    fn only_the_first_public_agent_message_is_the_first_response() {
        let (t, e) = on_message(new_thread(), arrive(SenderKind::Agent, false), 5);
        assert!(!e.first_response && t.first_response_at.is_none(), "before the visitor wrote, nothing is answered");
        let (t, _) = on_message(t, arrive(SenderKind::Visitor, false), 9);
        let (t, e) = on_message(t, arrive(SenderKind::Agent, true), 10);
        assert!(!e.first_response && t.first_response_at.is_none(), "a note is not a response");
        let (t, e) = on_message(t, arrive(SenderKind::Bot, false), 11);
        assert!(!e.first_response && t.first_response_at.is_none(), "a bot is not a person answering");
        let (t, e) = on_message(t, arrive(SenderKind::Agent, false), 12);
        assert!(e.first_response && e.conversation_changed());
        assert_eq!(t.first_response_at, Some(12));
        let (t, e) = on_message(t, arrive(SenderKind::Agent, false), 13);
        assert!(!e.first_response);
        assert_eq!(t.first_response_at, Some(12));
    }

    #[test]
    fn previews_count_characters_and_never_show_a_note_as_public() {
        let long = "é".repeat(200);
        assert_eq!(preview(&long).chars().count(), PREVIEW_CHARS);
        assert_eq!(preview_after("secret", true), None);
        assert_eq!(preview_after("hello", false).as_deref(), Some("hello"));
        assert_eq!(inbox_preview("secret", true), "Note: secret");
    }
}
