//! The conversation rules are the domain's pure function (`domain::conversation`); the
//! store only persists what it decides. Random histories of messages and status
//! changes, sent through the real API, must leave each conversation exactly where a
//! fold of that function says.

use chinwag::domain::conversation::{on_message, preview_after, Arrival, Thread};
use chinwag::domain::{ConversationStatus, SenderKind};
use serde_json::json;

use crate::helpers::*;

/// A small deterministic generator (xorshift), so a failing history can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

const CONVERSATION: &str = "query($c: ID!) { conversation(id: $c) { status lastSeq lastMessagePreview firstResponseAt resolvedAt } }";
const SET_STATUS: &str = "mutation($c: ID!, $s: ConversationStatus!) { setConversationStatus(conversationId: $c, status: $s) { id } }";

#[tokio::test]
async fn what_the_store_persists_over_random_histories_equals_the_domain_rules() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let key = app.ok(Some(&owner.token), "mutation { createApiKey(name: \"bot\") { secret } }", json!({})).await["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    for seed in [0x9E37_79B9_7F4A_7C15_u64, 42, 7_777_777] {
        let mut rng = Rng(seed);
        let v = app.visitor(&site).await;
        let conv = app.start_conversation(&v, None).await;
        let mut model =
            Thread { status: ConversationStatus::Open, last_seq: 0, queued: false, first_response_at: None, resolved_at: None, awaiting_since: None };
        let mut preview: Option<String> = None;
        let mut history = Vec::new();
        for step in 0..24 {
            let pick = rng.below(6);
            history.push(pick);
            let (token, kind, private) = match pick {
                0 | 1 => (v.token.as_str(), SenderKind::Visitor, false),
                2 => (owner.token.as_str(), SenderKind::Agent, false),
                3 => (owner.token.as_str(), SenderKind::Agent, true),
                4 => (key.as_str(), SenderKind::Bot, false),
                _ => {
                    let status = ["OPEN", "PENDING", "RESOLVED"][rng.below(3) as usize];
                    app.ok(Some(&owner.token), SET_STATUS, json!({ "c": conv, "s": status })).await;
                    model.status = match status {
                        "OPEN" => ConversationStatus::Open,
                        "PENDING" => ConversationStatus::Pending,
                        _ => ConversationStatus::Resolved,
                    };
                    continue;
                }
            };
            let body = format!("step {step} of seed {seed}: {}", "x".repeat(rng.below(200) as usize));
            let sent = app.send_raw(token, &conv, &body, None, private).await;
            assert!(sent.get("errors").is_none(), "{sent}");
            let created_at = sent["data"]["sendMessage"]["createdAt"].as_str().unwrap().to_owned();
            let (next, effects) = on_message(model, Arrival { sender_kind: kind, is_private: private }, 0);
            model = next;
            if effects.first_response {
                model.first_response_at = Some(0);
                // The time is the message's own.
                let got = app.ok(Some(&owner.token), CONVERSATION, json!({ "c": conv })).await;
                assert_eq!(got["conversation"]["firstResponseAt"].as_str(), Some(created_at.as_str()), "history {history:?}");
            }
            if let Some(p) = preview_after(&body, private) {
                preview = Some(p);
            }
            let got = &app.ok(Some(&owner.token), CONVERSATION, json!({ "c": conv })).await["conversation"];
            let status = match model.status {
                ConversationStatus::Open => "OPEN",
                ConversationStatus::Pending => "PENDING",
                ConversationStatus::Resolved => "RESOLVED",
            };
            assert_eq!(got["status"], status, "history {history:?}");
            assert_eq!(got["lastSeq"], model.last_seq, "history {history:?}");
            assert_eq!(got["lastMessagePreview"].as_str(), preview.as_deref(), "history {history:?}");
            assert_eq!(got["firstResponseAt"].is_null(), model.first_response_at.is_none(), "history {history:?}");
            if model.status != ConversationStatus::Resolved {
                assert!(got["resolvedAt"].is_null(), "history {history:?}: {got}");
            }
        }
    }
}
