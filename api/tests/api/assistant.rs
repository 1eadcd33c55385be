//! The answer bot: answers from a published article with its link, hands over to the
//! team on request, resolves when it helped, and keeps silent when it is unsure, off, or
//! a person has the chat.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::*;

async fn publish(app: &TestApp, owner: &Agent, site: &Site, title: &str, body: &str) -> String {
    let made = app
        .ok(
            Some(&owner.token),
            "mutation($i: CreateArticleInput!) { createArticle(input: $i) { id } }",
            json!({ "i": { "websiteId": site.id, "title": title, "body": body, "language": "en" } }),
        )
        .await;
    let id = made["createArticle"]["id"].as_str().unwrap().to_owned();
    app.ok(Some(&owner.token), "mutation($id: ID!) { publishArticle(id: $id) { id } }", json!({ "id": id })).await;
    id
}

/// The bot's messages in a conversation, once no automation job is left to run.
async fn bot_messages(app: &TestApp, token: &str, conv: &str) -> Vec<Value> {
    for _ in 0..200 {
        if !app.jobs().await.iter().any(|j| j.kind == "automation.message") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    app.messages(token, conv).await.into_iter().filter(|m| m["senderKind"] == "BOT").collect()
}

async fn status(app: &TestApp, owner: &Agent, conv: &str) -> String {
    app.ok(Some(&owner.token), "query($id: ID!) { conversation(id: $id) { status } }", json!({ "id": conv })).await["conversation"]["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn answers(app: &TestApp, owner: &Agent, conv: &str) -> Vec<Value> {
    app.ok(Some(&owner.token), "query($c: ID!) { botAnswers(conversationId: $c) { articleIds score outcome } }", json!({ "c": conv })).await["botAnswers"]
        .as_array()
        .unwrap()
        .clone()
}

struct Shop {
    app: TestApp,
    owner: Agent,
    site: Site,
    shipping: String,
}

async fn shop() -> Shop {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let shipping = publish(
        &app,
        &owner,
        &site,
        "Shipping to Norway",
        "We ship to every address in Norway with Posten and Bring. Parcels to Norway arrive in 2 to 4 working days.",
    )
    .await;
    publish(&app, &owner, &site, "Returns and refunds", "Return any item within 30 days for a full refund to your card.").await;
    publish(&app, &owner, &site, "Gift cards", "Gift cards come in any amount from 100 NOK and never expire.").await;
    Shop { app, owner, site, shipping }
}

async fn bot_on(s: &Shop) {
    let d = s
        .app
        .ok(
            Some(&s.owner.token),
            "mutation($w: ID!) { updateAssistantSettings(websiteId: $w, input: {answerBot: true}) { answerBot mode threshold botName } }",
            json!({ "w": s.site.id }),
        )
        .await;
    assert_eq!(d["updateAssistantSettings"], json!({ "answerBot": true, "mode": "ALWAYS", "threshold": 0.7, "botName": "Assistant" }));
}

#[tokio::test]
async fn the_bot_answers_with_the_article_and_hands_over_when_asked() {
    let s = shop().await;
    let app = &s.app;

    // Off by default: nothing answers.
    let v0 = app.visitor(&s.site).await;
    let c0 = app.start_conversation(&v0, Some("Do you ship to Norway with Posten?")).await;
    assert!(bot_messages(app, &v0.token, &c0).await.is_empty(), "the bot is off by default");

    bot_on(&s).await;
    let v = app.visitor(&s.site).await;
    let conv = app.start_conversation(&v, Some("Do you ship parcels to Norway?")).await;
    let said = bot_messages(app, &v.token, &conv).await;
    assert_eq!(said.len(), 1, "{said:?}");
    let body = said[0]["body"].as_str().unwrap();
    let named =
        app.ok(Some(&v.token), "query($c: ID!) { conversation(id: $c) { messages(last: 5) { nodes { senderKind senderName } } } }", json!({ "c": conv })).await;
    let names: Vec<&Value> = named["conversation"]["messages"]["nodes"].as_array().unwrap().iter().filter(|n| n["senderKind"] == "BOT").collect();
    assert_eq!(names[0]["senderName"], "Assistant", "the bot's name, as set: {named}");
    assert!(body.contains("Shipping to Norway") && body.contains(&format!("/help/{}/shipping-to-norway", s.site.key)), "{body}");
    assert!(body.contains("Posten"), "quotes the article: {body}");
    assert_eq!(status(app, &s.owner, &conv).await, "PENDING", "out of the line while the visitor reads");
    let record = answers(app, &s.owner, &conv).await;
    assert_eq!(record.len(), 1);
    assert_eq!(record[0]["articleIds"][0], s.shipping.as_str(), "the answer records its article: {record:?}");
    assert!(record[0]["outcome"].is_null());

    // "A person, please": the bot says so once and steps back; the chat is in line again.
    app.send(&v.token, &conv, "I want to talk to a person").await;
    let said = bot_messages(app, &v.token, &conv).await;
    assert_eq!(said.len(), 2, "{said:?}");
    assert!(said[1]["body"].as_str().unwrap().contains("someone from the team"), "{said:?}");
    assert_eq!(status(app, &s.owner, &conv).await, "OPEN");
    assert_eq!(answers(app, &s.owner, &conv).await[0]["outcome"], "HANDOVER");
    app.send(&v.token, &conv, "Also, how do refunds to my card work?").await;
    assert_eq!(bot_messages(app, &v.token, &conv).await.len(), 2, "silent after the handover");
    // The agent sees the whole exchange.
    let all = app.messages(&s.owner.token, &conv).await;
    assert_eq!(all.iter().map(|m| m["senderKind"].as_str().unwrap()).collect::<Vec<_>>(), ["VISITOR", "BOT", "VISITOR", "BOT", "VISITOR"]);

    // "Yes, thanks": resolved.
    let v2 = app.visitor(&s.site).await;
    let c2 = app.start_conversation(&v2, Some("How do I return an item for a refund?")).await;
    assert_eq!(bot_messages(app, &v2.token, &c2).await.len(), 1);
    app.send(&v2.token, &c2, "Yes, thanks!").await;
    assert_eq!(bot_messages(app, &v2.token, &c2).await.len(), 1, "nothing more to say");
    assert_eq!(status(app, &s.owner, &c2).await, "RESOLVED");
    assert_eq!(answers(app, &s.owner, &c2).await[0]["outcome"], "HELPED");
}

#[tokio::test]
async fn the_bot_keeps_silent_when_unsure_or_when_a_person_has_the_chat() {
    let s = shop().await;
    let app = &s.app;
    bot_on(&s).await;
    // Nothing in the articles covers kayaks, nor a greeting.
    for q in ["Do you sell kayaks and paddles?", "hi", "test"] {
        let v = app.visitor(&s.site).await;
        let conv = app.start_conversation(&v, Some(q)).await;
        assert!(bot_messages(app, &v.token, &conv).await.is_empty(), "silent on {q:?}");
        assert_eq!(status(app, &s.owner, &conv).await, "OPEN", "left for the team");
    }
    // An agent answered first: the bot stays out of the chat.
    let v = app.visitor(&s.site).await;
    let conv = app.start_conversation(&v, Some("hello?")).await;
    app.send(&s.owner.token, &conv, "Hi, Ann here!").await;
    app.send(&v.token, &conv, "Do you ship parcels to Norway?").await;
    assert!(bot_messages(app, &v.token, &conv).await.is_empty());
    // A visitor never sees the record of answers.
    assert_eq!(app.err(Some(&v.token), "query($c: ID!) { botAnswers(conversationId: $c) { score } }", json!({ "c": conv })).await, "FORBIDDEN");
}

#[tokio::test]
async fn owners_preview_the_bot_on_past_questions_and_settings_are_checked() {
    let s = shop().await;
    let app = &s.app;
    for q in ["Do you ship parcels to Norway?", "Do you sell kayaks and paddles?"] {
        let v = app.visitor(&s.site).await;
        app.start_conversation(&v, Some(q)).await;
    }
    let preview = "query($w: ID!) { answerBotPreview(websiteId: $w) { question articleTitle coverage answers } }";
    let d = app.ok(Some(&s.owner.token), preview, json!({ "w": s.site.id })).await;
    let items = d["answerBotPreview"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{d}");
    let by_q = |q: &str| items.iter().find(|i| i["question"] == q).unwrap().clone();
    assert_eq!(by_q("Do you ship parcels to Norway?")["answers"], true);
    assert_eq!(by_q("Do you ship parcels to Norway?")["articleTitle"], "Shipping to Norway");
    assert_eq!(by_q("Do you sell kayaks and paddles?")["answers"], false);
    // The preview sent nothing: the bot is still off.
    let agent = app.add_agent(&s.owner, "Bo", "AGENT").await;
    assert_eq!(app.err(Some(&agent.token), preview, json!({ "w": s.site.id })).await, "FORBIDDEN");
    let update = "mutation($w: ID!, $i: AssistantSettingsInput!) { updateAssistantSettings(websiteId: $w, input: $i) { threshold } }";
    assert_eq!(app.err(Some(&agent.token), update, json!({ "w": s.site.id, "i": { "answerBot": true } })).await, "FORBIDDEN");
    for bad in [json!({ "threshold": 0.0 }), json!({ "threshold": 1.5 }), json!({ "botName": "" }), json!({ "botName": "x".repeat(61) })] {
        assert_eq!(app.err(Some(&s.owner.token), update, json!({ "w": s.site.id, "i": bad })).await, "BAD_USER_INPUT", "{bad}");
    }
    let eve = app.sign_up("Eve").await;
    assert_eq!(app.err(Some(&eve.token), update, json!({ "w": s.site.id, "i": { "answerBot": true } })).await, "NOT_FOUND");
    let d = app.ok(Some(&s.owner.token), "query($w: ID!) { assistantSettings(websiteId: $w) { answerBot threshold } }", json!({ "w": s.site.id })).await;
    assert_eq!(d["assistantSettings"], json!({ "answerBot": false, "threshold": 0.7 }), "nothing changed");
}
