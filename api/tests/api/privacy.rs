//! Privacy requests: erasing a person's data, with scoped keys doing it for plugins.

use std::time::Duration;

use serde_json::{json, Value};

use crate::files::{s3_app, upload, PNG};
use crate::helpers::*;

const ERASE: &str = "mutation($i: PersonInput!) { eraseVisitor(input: $i) { id done visitorIds } }";
const RECEIPT: &str = "query($id: ID!) { erasure(id: $id) { done mode completedAt receipt { visitors conversations messages files pageViews jobs } } }";

/// The erasure's receipt once its job is done.
async fn receipt(app: &TestApp, token: &str, id: &str) -> Value {
    for _ in 0..100 {
        let e = app.ok(Some(token), RECEIPT, json!({ "id": id })).await["erasure"].clone();
        if e["done"] == true {
            assert!(e["completedAt"].is_string(), "{e}");
            return e;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("erasure {id} not done within 10 s");
}

async fn key_with(app: &TestApp, owner: &Agent, scopes: &str) -> String {
    let doc = format!("mutation {{ createApiKey(name: \"plugin\", scopes: [{scopes}]) {{ secret }} }}");
    app.ok(Some(&owner.token), &doc, json!({})).await["createApiKey"]["secret"].as_str().unwrap().to_owned()
}

/// Everything a visitor can leave behind: messages with a file, a page view, a rating
/// with a comment, a verified identity with an email; and another visitor's chat with
/// the same word, which must survive. Returns (erased visitor, its conversation, the
/// other's conversation, the file's storage key).
async fn seed(app: &TestApp, owner: &Agent, site: &Site) -> (Visitor, String, String, String) {
    let secret = app.ok(Some(&owner.token), "query($id: ID!) { website(id: $id) { identitySecret } }", json!({ "id": site.id })).await["website"]
        ["identitySecret"]
        .as_str()
        .unwrap()
        .to_owned();
    let v = app
        .visitor_with(site, json!({ "name": "Vera Secret", "email": "vera@example.com", "externalId": "cust-42", "userHash": hmac_hex(&secret, "cust-42") }))
        .await;
    let conv = app.start_conversation(&v, Some("my zebracorn order never came")).await;
    let (status, up) = upload(app, &v.token, &conv, "passport.png", PNG.to_vec()).await;
    assert_eq!(status, 201, "{up}");
    app.ok(
        Some(&v.token),
        "mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }",
        json!({ "i": { "conversationId": conv, "body": "here is my passport", "attachmentIds": [up["id"]] } }),
    )
    .await;
    app.ok(
        Some(&v.token),
        "mutation($i: TrackPageViewInput!) { trackPageView(input: $i) }",
        json!({ "i": { "url": "https://shop.example/cart", "title": "Cart" } }),
    )
    .await;
    app.send(&owner.token, &conv, "Sorry Vera, it is on its way").await;
    app.ok(Some(&owner.token), "mutation($c: ID!) { setConversationStatus(conversationId: $c, status: RESOLVED) { id } }", json!({ "c": conv })).await;
    app.ok(Some(&v.token), "mutation($c: ID!) { rateConversation(conversationId: $c, rating: 2, comment: \"Vera was annoyed\") { id } }", json!({ "c": conv }))
        .await;
    let other = app.visitor(site).await;
    let other_conv = app.start_conversation(&other, Some("a zebracorn question")).await;
    let storage = app
        .ok(Some(&owner.token), "query($c: ID!) { conversation(id: $c) { messages { nodes { attachments { url } } } } }", json!({ "c": conv }))
        .await["conversation"]["messages"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|m| m["attachments"][0]["url"].as_str().map(str::to_owned))
        .expect("the file's link");
    (v, conv, other_conv, storage)
}

const SEARCH: &str = "query($q: String!) { conversations(filter: {search: $q}) { edges { node { id } } } }";

/// Erases the seeded visitor as a plugin would (an API key with `VISITORS_ERASE`, by
/// email), then looks for any trace of it everywhere.
async fn erase_and_look_everywhere(app: &TestApp) {
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let (v, conv, other_conv, file_url) = seed(app, &owner, &site).await;
    let base = app.url.trim_end_matches("/graphql").to_owned();
    assert_eq!(app.http.get(format!("{base}{file_url}")).send().await.unwrap().status(), 200);
    let mut ws = app.ws(&v.token).await;
    ws.subscribe("c", "subscription($c: ID!) { conversationEvents(conversationId: $c) { __typename } }", json!({ "c": conv })).await;

    let key = key_with(app, &owner, "VISITORS_ERASE").await;
    let e = app.ok(Some(&key), ERASE, json!({ "i": { "email": "Vera@Example.com" } })).await["eraseVisitor"].clone();
    assert_eq!(e["visitorIds"], json!([v.id]), "found by email, whatever its case");
    let code = tokio::time::timeout(Duration::from_secs(5), ws.closed()).await.expect("the visitor's socket is closed at once");
    assert_eq!(code, 4403);
    let r = receipt(app, &key, e["id"].as_str().unwrap()).await;
    assert_eq!(r["mode"], "TOMBSTONE", "the default keeps the team's side");
    assert_eq!(r["receipt"], json!({ "visitors": 1, "conversations": 1, "messages": 2, "files": 1, "pageViews": 1, "jobs": 0 }), "{r}");

    // The visitor's token is dead; its file link is gone.
    assert_eq!(app.err(Some(&v.token), "query { currentVisitor { id } }", json!({})).await, "UNAUTHENTICATED");
    assert_ne!(app.http.get(format!("{base}{file_url}")).send().await.unwrap().status(), 200, "the file is deleted");
    // The conversation stays for the team, with the visitor's words gone.
    let q = "query($c: ID!) { conversation(id: $c) { lastMessagePreview rating ratingComment visitor { name email externalId currentUrl attributes { key } pageViews { url } }
        messages { nodes { body senderKind attachments { id } } } } }";
    let c = app.ok(Some(&owner.token), q, json!({ "c": conv })).await["conversation"].clone();
    let visitor = &c["visitor"];
    assert_eq!(
        (&visitor["name"], &visitor["email"], &visitor["externalId"], &visitor["currentUrl"]),
        (&Value::Null, &Value::Null, &Value::Null, &Value::Null),
        "{visitor}"
    );
    assert_eq!((&visitor["pageViews"], &visitor["attributes"]), (&json!([]), &json!([])));
    assert_eq!((&c["lastMessagePreview"], &c["ratingComment"], &c["rating"]), (&Value::Null, &Value::Null, &json!(2)), "the score stays, anonymous");
    let kinds: Vec<&str> = c["messages"]["nodes"].as_array().unwrap().iter().map(|m| m["senderKind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["AGENT"], "the visitor's messages left the thread, the team's stay");
    assert!(c.to_string().contains("on its way"), "the team's reply is kept: {c}");
    assert!(!c.to_string().contains("zebracorn") && !c.to_string().contains("passport"), "{c}");
    // No search finds the erased words; the other visitor's chat is untouched.
    let found = app.ok(Some(&owner.token), SEARCH, json!({ "q": "zebracorn" })).await;
    assert_eq!(found["conversations"]["edges"], json!([{ "node": { "id": other_conv } }]), "{found}");
    let found = app.ok(Some(&owner.token), SEARCH, json!({ "q": "passport" })).await;
    assert_eq!(found["conversations"]["edges"], json!([]));
    let found = app.ok(Some(&owner.token), SEARCH, json!({ "q": "vera@example.com" })).await;
    assert_eq!(found["conversations"]["edges"], json!([]), "nor by the old email");
    // A replay of the whole conversation holds the team's side only.
    let mut replay = app.ws(&owner.token).await;
    let sub =
        "subscription($c: ID!) { conversationEvents(conversationId: $c, afterSeq: 0) { __typename ... on MessageAdded { message { body senderKind } } } }";
    replay.subscribe("r", sub, json!({ "c": conv })).await;
    let replayed = collect_messages(&mut replay, "r", 1).await;
    assert_eq!(replayed, [json!({ "body": "Sorry Vera, it is on its way", "senderKind": "AGENT" })]);
    assert!(replay.quiet_for(Duration::from_millis(300)).await.is_ok(), "nothing more is replayed");
    // The identity is free: the same customer starting again is a new, empty visitor.
    let secret = app.ok(Some(&owner.token), "query($id: ID!) { website(id: $id) { identitySecret } }", json!({ "id": site.id })).await["website"]
        ["identitySecret"]
        .as_str()
        .unwrap()
        .to_owned();
    let again = app.visitor_with(&site, json!({ "externalId": "cust-42", "userHash": hmac_hex(&secret, "cust-42") })).await;
    assert_ne!(again.id, v.id);
    let mine = app.ok(Some(&again.token), "query { conversations { edges { node { id } } } }", json!({})).await;
    assert_eq!(mine["conversations"]["edges"], json!([]));

    // Again: harmless, nothing more to remove.
    let e2 = app.ok(Some(&owner.token), ERASE, json!({ "i": { "visitorId": v.id } })).await["eraseVisitor"].clone();
    let r2 = receipt(app, &owner.token, e2["id"].as_str().unwrap()).await;
    assert_eq!(r2["receipt"], json!({ "visitors": 0, "conversations": 0, "messages": 0, "files": 0, "pageViews": 0, "jobs": 0 }), "{r2}");
    // The audit log's CSV export names no one.
    let csv = app.http.get(format!("{base}/audit.csv")).bearer_auth(&owner.token).send().await.unwrap().text().await.unwrap();
    assert!(csv.contains("visitor.erase") && !csv.contains("Vera") && !csv.contains("vera@"), "{csv}");
    // Recorded in the audit log, by whom.
    let log = app.ok(Some(&owner.token), "query { auditLog(filter: {action: \"visitor.erase\"}) { edges { node { actorKind targetId } } } }", json!({})).await;
    assert_eq!(log["auditLog"]["edges"].as_array().unwrap().len(), 2, "{log}");
    assert_eq!(log["auditLog"]["edges"][1]["node"], json!({ "actorKind": "api_key", "targetId": e["id"] }));
}

#[tokio::test]
async fn erasing_a_visitor_removes_their_data_everywhere_and_leaves_the_team_its_side() {
    let app = spawn_app().await;
    erase_and_look_everywhere(&app).await;
}

#[tokio::test]
async fn erasure_deletes_files_from_s3_compatible_storage() {
    let Some((s3, app)) = s3_app().await else { return };
    erase_and_look_everywhere(&app).await;
    let listing = reqwest::Client::new().get(format!("http://127.0.0.1:{}/chinwag-files?list-type=2", s3.1)).send().await.unwrap().text().await.unwrap();
    assert!(!listing.contains("<Key>"), "no file is left in the bucket: {listing}");
}

#[tokio::test]
async fn in_delete_mode_erasure_deletes_the_conversations_and_the_visitor() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let (v, conv, other_conv, _) = seed(&app, &owner, &site).await;
    let agent = app.add_agent(&owner, "Bo", "AGENT").await;
    assert_eq!(app.err(Some(&agent.token), "mutation { setErasureMode(mode: DELETE) }", json!({})).await, "FORBIDDEN");
    assert_eq!(app.ok(Some(&owner.token), "mutation { setErasureMode(mode: DELETE) }", json!({})).await["setErasureMode"], "DELETE");
    assert_eq!(app.ok(Some(&owner.token), "query { erasureMode }", json!({})).await["erasureMode"], "DELETE");
    let log = app.ok(Some(&owner.token), "query { auditLog(filter: {action: \"privacy.erasure_mode\"}) { edges { node { actorId } } } }", json!({})).await;
    assert_eq!(log["auditLog"]["edges"][0]["node"]["actorId"], json!(owner.id), "the mode change is audited");

    let e = app.ok(Some(&owner.token), ERASE, json!({ "i": { "externalId": "cust-42" } })).await["eraseVisitor"].clone();
    assert_eq!(e["visitorIds"], json!([v.id]), "found by the site's customer id");
    let r = receipt(&app, &owner.token, e["id"].as_str().unwrap()).await;
    assert_eq!(r["mode"], "DELETE");
    assert_eq!(r["receipt"], json!({ "visitors": 1, "conversations": 1, "messages": 3, "files": 1, "pageViews": 1, "jobs": 0 }), "{r}");
    assert_eq!(app.err(Some(&owner.token), "query($c: ID!) { conversation(id: $c) { id } }", json!({ "c": conv })).await, "NOT_FOUND");
    let all = app.ok(Some(&owner.token), "query { conversations { edges { node { id } } } }", json!({})).await;
    assert_eq!(all["conversations"]["edges"], json!([{ "node": { "id": other_conv } }]));
    let erasures = app.ok(Some(&owner.token), "query { erasures { id done } }", json!({})).await;
    assert_eq!(erasures["erasures"], json!([{ "id": e["id"], "done": true }]));
}

#[tokio::test]
async fn erasure_refuses_bad_requests_and_other_tenants_and_changes_nothing() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor_with(&site, json!({ "email": "vi@example.com" })).await;
    app.start_conversation(&v, Some("still here")).await;
    let rival = app.sign_up("Rex").await;
    let rival_site = app.create_website(&rival, &[]).await;
    let theirs = app.visitor_with(&rival_site, json!({ "email": "vi@example.com" })).await;

    for bad in [json!({}), json!({ "visitorId": v.id, "email": "vi@example.com" }), json!({ "externalId": " " }), json!({ "email": "not an email" })] {
        assert_eq!(app.err(Some(&owner.token), ERASE, json!({ "i": bad })).await, "BAD_USER_INPUT", "{bad}");
    }
    assert_eq!(app.err(Some(&owner.token), ERASE, json!({ "i": { "visitorId": theirs.id } })).await, "NOT_FOUND", "another tenant's visitor");
    // By email, only this organization's visitors are found.
    let e = app.ok(Some(&owner.token), ERASE, json!({ "i": { "email": "vi@example.com" } })).await["eraseVisitor"].clone();
    assert_eq!(e["visitorIds"], json!([v.id]));
    receipt(&app, &owner.token, e["id"].as_str().unwrap()).await;
    assert_eq!(app.ok(Some(&theirs.token), "query { currentVisitor { email } }", json!({})).await["currentVisitor"]["email"], "vi@example.com");
    // Another organization cannot read the receipt; a key without the scope cannot erase.
    assert_eq!(app.err(Some(&rival.token), RECEIPT, json!({ "id": e["id"] })).await, "NOT_FOUND");
    let reader = key_with(&app, &owner, "CONVERSATIONS_READ").await;
    assert_eq!(app.err(Some(&reader), ERASE, json!({ "i": { "visitorId": v.id } })).await, "FORBIDDEN");
    // A key sees the requests it made, not another key's (nor the team's).
    let (one, two) = (key_with(&app, &owner, "VISITORS_ERASE").await, key_with(&app, &owner, "VISITORS_ERASE").await);
    let mine = app.ok(Some(&one), ERASE, json!({ "i": { "visitorId": v.id } })).await["eraseVisitor"]["id"].clone();
    assert_eq!(app.err(Some(&two), RECEIPT, json!({ "id": mine })).await, "NOT_FOUND");
    assert_eq!(app.ok(Some(&two), "query { erasures { id } }", json!({})).await["erasures"], json!([]));
    assert_eq!(app.ok(Some(&one), "query { erasures { id } }", json!({})).await["erasures"], json!([{ "id": mine }]));
    assert_eq!(app.ok(Some(&owner.token), "query { erasures { id } }", json!({})).await["erasures"].as_array().unwrap().len(), 2);
}

/// A key limited to some websites acts on them alone: the rest of the organization is
/// as unknown to it as another tenant's.
#[tokio::test]
async fn a_key_limited_to_websites_sees_and_changes_nothing_else() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let mine = app.create_website(&owner, &[]).await;
    let other = app.create_website(&owner, &[]).await;
    let v_mine = app.visitor(&mine).await;
    let conv_mine = app.start_conversation(&v_mine, Some("on my site")).await;
    let v_other = app.visitor(&other).await;
    let conv_other = app.start_conversation(&v_other, Some("on the other site")).await;

    let create = "mutation($w: [ID!]) { createApiKey(name: \"shop plugin\", scopes: [CONVERSATIONS_READ, MESSAGES_WRITE, WEBSITES_MANAGE, VISITORS_WRITE, VISITORS_ERASE], websiteIds: $w) { secret apiKey { scopes websiteIds } } }";
    let d = app.ok(Some(&owner.token), create, json!({ "w": [mine.id] })).await["createApiKey"].clone();
    assert_eq!(d["apiKey"]["websiteIds"], json!([mine.id]));
    assert_eq!(d["apiKey"]["scopes"], json!(["CONVERSATIONS_READ", "MESSAGES_WRITE", "VISITORS_WRITE", "VISITORS_ERASE", "WEBSITES_MANAGE"]));
    let key = d["secret"].as_str().unwrap().to_owned();

    let list = app.ok(Some(&key), "query { conversations { edges { node { id } } } }", json!({})).await;
    assert_eq!(list["conversations"]["edges"], json!([{ "node": { "id": conv_mine } }]));
    let one = "query($c: ID!) { conversation(id: $c) { id } }";
    assert_eq!(app.err(Some(&key), one, json!({ "c": conv_other })).await, "NOT_FOUND");
    assert_eq!(
        app.err(Some(&key), "mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }", json!({ "i": { "conversationId": conv_other, "body": "x" } }))
            .await,
        "NOT_FOUND"
    );
    app.send(&key, &conv_mine, "answered by the plugin").await;
    let sites = app.ok(Some(&owner.token), "query { websites { id } }", json!({})).await["websites"].as_array().unwrap().len();
    assert_eq!(sites, 2);
    // WEBSITES_MANAGE: its own website, with the identity secret a plugin needs.
    let w = app.ok(Some(&key), "query($id: ID!) { website(id: $id) { identitySecret } }", json!({ "id": mine.id })).await;
    assert!(w["website"]["identitySecret"].as_str().is_some_and(|s| s.len() > 20), "{w}");
    assert_eq!(app.err(Some(&key), "query($id: ID!) { website(id: $id) { id } }", json!({ "id": other.id })).await, "NOT_FOUND");
    let listed = app.ok(Some(&key), "query { websites { id } }", json!({})).await;
    assert_eq!(listed["websites"], json!([{ "id": mine.id }]));
    let upd = "mutation($id: ID!) { updateWebsite(id: $id, input: {name: \"Renamed\"}) { name } }";
    assert_eq!(app.ok(Some(&key), upd, json!({ "id": mine.id })).await["updateWebsite"]["name"], "Renamed");
    assert_eq!(app.err(Some(&key), upd, json!({ "id": other.id })).await, "NOT_FOUND");
    assert_eq!(app.err(Some(&key), "mutation { createWebsite(input: {name: \"More\"}) { id } }", json!({})).await, "FORBIDDEN");
    let attrs = "mutation($w: ID!) { setVisitorAttributes(input: {websiteId: $w, externalId: \"u1\", attributes: [{key: \"plan\", value: \"pro\"}]}) { id } }";
    app.ok(Some(&key), attrs, json!({ "w": mine.id })).await;
    assert_eq!(app.err(Some(&key), attrs, json!({ "w": other.id })).await, "NOT_FOUND");
    assert_eq!(app.err(Some(&key), ERASE, json!({ "i": { "visitorId": v_other.id } })).await, "NOT_FOUND");
    assert_eq!(app.err(Some(&key), "mutation($v: ID!) { blockVisitor(input: {visitorId: $v}) { id } }", json!({ "v": v_other.id })).await, "NOT_FOUND");

    // conversationEvents: not even after someone of the organization subscribed to it
    // on this node (the node then knows the conversation's organization).
    let mut owner_ws = app.ws(&owner.token).await;
    let sub = "subscription($c: ID!) { conversationEvents(conversationId: $c, afterSeq: 0) { __typename } }";
    owner_ws.subscribe("o", sub, json!({ "c": conv_other })).await;
    owner_ws.next_data("o").await;
    let mut key_ws = app.ws(&key).await;
    key_ws.subscribe("k", sub, json!({ "c": conv_other })).await;
    let refused = key_ws.next().await.expect("an answer");
    assert_eq!((&refused["payload"]["data"], &refused["payload"]["errors"][0]["extensions"]["code"]), (&Value::Null, &json!("NOT_FOUND")), "{refused}");
    // A network block would refuse sessions on every website.
    assert_eq!(
        app.err(Some(&key), "mutation($v: ID!) { blockVisitor(input: {visitorId: $v, network: true}) { id } }", json!({ "v": v_mine.id })).await,
        "FORBIDDEN"
    );
    // Retention and visitor deletion are a person's decision.
    let retention = "mutation($id: ID!) { updateWebsite(id: $id, input: {retention: {resolvedConversationDays: 1}}) { id } }";
    assert_eq!(app.err(Some(&key), retention, json!({ "id": mine.id })).await, "FORBIDDEN");

    // The live inbox carries only its websites' conversations.
    let mut ws = app.ws(&key).await;
    ws.subscribe("i", "subscription { inboxEvents { __typename ... on InboxMessageAdded { conversationId } } }", json!({})).await;
    app.wait_live_streams(1).await;
    app.send(&v_other.token, &conv_other, "not for the plugin").await;
    app.send(&v_mine.token, &conv_mine, "for the plugin").await;
    let ev = next_of_type(&mut ws, "i", "inboxEvents", "InboxMessageAdded").await;
    assert_eq!(ev["conversationId"], json!(conv_mine), "the other website's message never arrives first: {ev}");

    // Bad key requests change nothing.
    let before = app.ok(Some(&owner.token), "query { apiKeys { id } }", json!({})).await["apiKeys"].as_array().unwrap().len();
    let rival = app.sign_up("Rex").await;
    let rival_site = app.create_website(&rival, &[]).await;
    for (scopes, websites) in [(json!([]), Value::Null), (json!(["CONVERSATIONS_READ"]), json!([])), (json!(["CONVERSATIONS_READ"]), json!([rival_site.id]))] {
        let doc = "mutation($s: [ApiKeyScope!], $w: [ID!]) { createApiKey(name: \"k\", scopes: $s, websiteIds: $w) { secret } }";
        assert_eq!(app.err(Some(&owner.token), doc, json!({ "s": scopes, "w": websites })).await, "BAD_USER_INPUT", "{scopes} {websites}");
    }
    assert_eq!(app.ok(Some(&owner.token), "query { apiKeys { id } }", json!({})).await["apiKeys"].as_array().unwrap().len(), before);
}

const EXPORT_STATE: &str = "query($id: ID!) { export(id: $id) { done expired url size visitorIds } }";

/// The export's archive once its job built it: (download path, the files in it).
async fn built_export(app: &TestApp, token: &str, id: &str) -> (String, std::collections::BTreeMap<String, Vec<u8>>) {
    for _ in 0..100 {
        let e = app.ok(Some(token), EXPORT_STATE, json!({ "id": id })).await["export"].clone();
        if e["done"] == true {
            let url = e["url"].as_str().expect("a done export has a link").to_owned();
            let base = app.url.trim_end_matches("/graphql");
            let r = app.http.get(format!("{base}{url}")).send().await.unwrap();
            assert_eq!(r.status(), 200);
            assert_eq!(r.headers()["content-type"], "application/zip");
            let bytes = r.bytes().await.unwrap().to_vec();
            assert_eq!(e["size"], json!(bytes.len()));
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP archive");
            let mut files = std::collections::BTreeMap::new();
            for i in 0..zip.len() {
                let mut f = zip.by_index(i).unwrap();
                let mut content = Vec::new();
                std::io::Read::read_to_end(&mut f, &mut content).unwrap();
                files.insert(f.name().to_owned(), content);
            }
            return (url, files);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("export {id} not built within 10 s");
}

fn json_in(files: &std::collections::BTreeMap<String, Vec<u8>>, name: &str) -> Value {
    serde_json::from_slice(files.get(name).unwrap_or_else(|| panic!("{name} in {:?}", files.keys()))).unwrap()
}

#[tokio::test]
async fn a_persons_export_holds_everything_they_left_and_nothing_of_anyone_else() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let (v, conv, _, _) = seed(&app, &owner, &site).await;
    app.send_raw(&owner.token, &conv, "VIP, handle with care", None, true).await;

    let key = key_with(&app, &owner, "VISITORS_EXPORT").await;
    let e =
        app.ok(Some(&key), "mutation($i: PersonInput!) { exportVisitor(input: $i) { id done visitorIds } }", json!({ "i": { "externalId": "cust-42" } })).await;
    let id = e["exportVisitor"]["id"].as_str().unwrap().to_owned();
    assert_eq!(e["exportVisitor"]["visitorIds"], json!([v.id]));
    let (url, files) = built_export(&app, &key, &id).await;
    let manifest = json_in(&files, "chinwag-export.json");
    assert_eq!((&manifest["kind"], &manifest["visitors"]), (&json!("visitor"), &json!([v.id])));
    let doc = json_in(&files, &format!("visitors/{}.json", v.id));
    assert_eq!((&doc["name"], &doc["email"], &doc["externalId"]), (&json!("Vera Secret"), &json!("vera@example.com"), &json!("cust-42")));
    assert_eq!(doc["pageViews"][0]["url"], "https://shop.example/cart");
    let c = &doc["conversations"][0];
    assert_eq!((&c["rating"], &c["ratingComment"]), (&json!(2), &json!("Vera was annoyed")));
    let bodies: Vec<&str> = c["messages"].as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["my zebracorn order never came", "here is my passport", "Sorry Vera, it is on its way"], "no private note");
    assert_eq!(c["messages"][2]["senderName"], "Ann");
    let file = c["messages"][1]["files"][0].as_str().unwrap();
    assert!(file.starts_with("files/") && file.ends_with("-passport.png"), "{file}");
    assert_eq!(files[file], PNG, "the file itself");
    let all = files.values().map(|b| String::from_utf8_lossy(b).into_owned()).collect::<String>();
    assert!(!all.contains("a zebracorn question") && !all.contains("VIP, handle"), "nothing of another visitor, no notes");

    // The link is the credential: a forged one is refused; another tenant cannot see it.
    let base = app.url.trim_end_matches("/graphql").to_owned();
    assert_eq!(app.http.get(format!("{base}{}", url.replace("sig=", "sig=x"))).send().await.unwrap().status(), 403);
    let rival = app.sign_up("Rex").await;
    assert_eq!(app.err(Some(&rival.token), EXPORT_STATE, json!({ "id": id })).await, "NOT_FOUND");
    let other_key = key_with(&app, &owner, "VISITORS_EXPORT").await;
    assert_eq!(app.err(Some(&other_key), EXPORT_STATE, json!({ "id": id })).await, "NOT_FOUND", "a key sees the exports it asked for");
    let log = app.ok(Some(&owner.token), "query { auditLog(filter: {action: \"visitor.export\"}) { edges { node { targetId } } } }", json!({})).await;
    assert_eq!(log["auditLog"]["edges"][0]["node"]["targetId"], json!(id));
}

#[tokio::test]
async fn an_owner_exports_the_whole_organization_and_nobody_else_does() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let (v, conv, other_conv, _) = seed(&app, &owner, &site).await;
    app.send_raw(&owner.token, &conv, "VIP, handle with care", None, true).await;
    let admin = app.add_agent(&owner, "Ada", "ADMIN").await;
    let doc = "mutation { exportOrganization { id } }";
    assert_eq!(app.err(Some(&admin.token), doc, json!({})).await, "FORBIDDEN", "owners only");
    let all_scopes = key_with(&app, &owner, "VISITORS_EXPORT, WEBSITES_MANAGE").await;
    assert_eq!(app.err(Some(&all_scopes), doc, json!({})).await, "FORBIDDEN");
    let id = app.ok(Some(&owner.token), doc, json!({})).await["exportOrganization"]["id"].as_str().unwrap().to_owned();
    assert_eq!(app.err(Some(&admin.token), EXPORT_STATE, json!({ "id": id })).await, "NOT_FOUND", "an admin does not see it");
    let (_, files) = built_export(&app, &owner.token, &id).await;
    let manifest = json_in(&files, "chinwag-export.json");
    assert_eq!(manifest["kind"], "organization");
    assert_eq!(manifest["websites"][0]["id"], json!(site.id));
    assert_eq!(manifest["agents"].as_array().unwrap().len(), 2);
    assert_eq!(manifest["visitors"].as_array().unwrap().len(), 2);
    let all = files.values().map(|b| String::from_utf8_lossy(b).into_owned()).collect::<String>();
    assert!(all.contains("VIP, handle with care") && all.contains("a zebracorn question"), "everything, notes included");
    assert!(!all.contains("argon2") && !all.contains(&site.key.replace("wk_", "x")) && !all.contains("identitySecret"), "no password hashes or secrets");
    let mine = json_in(&files, &format!("visitors/{}.json", v.id));
    assert_eq!(mine["conversations"][0]["id"], json!(conv));
    assert!(all.contains(&other_conv));
}

#[tokio::test]
async fn retention_deletes_old_conversations_idle_visitors_and_expired_exports_on_time() {
    let clock = chinwag::jobs::ManualClock::starting_now();
    let app = spawn_app_with_clock(|_| {}, clock.clone()).await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let set =
        "mutation($id: ID!, $r: RetentionInput!) { updateWebsite(id: $id, input: {retention: $r}) { retention { resolvedConversationDays idleVisitorDays } } }";
    for bad in [json!({ "resolvedConversationDays": 0 }), json!({ "idleVisitorDays": 3651 })] {
        assert_eq!(app.err(Some(&owner.token), set, json!({ "id": site.id, "r": bad })).await, "BAD_USER_INPUT", "{bad}");
    }
    let agent = app.add_agent(&owner, "Bo", "AGENT").await;
    assert_eq!(app.err(Some(&agent.token), set, json!({ "id": site.id, "r": { "resolvedConversationDays": 30 } })).await, "FORBIDDEN");
    let r = app.ok(Some(&owner.token), set, json!({ "id": site.id, "r": { "resolvedConversationDays": 30, "idleVisitorDays": 90 } })).await;
    assert_eq!(r["updateWebsite"]["retention"], json!({ "resolvedConversationDays": 30, "idleVisitorDays": 90 }));

    let (_, resolved, open, file_url) = seed(&app, &owner, &site).await;
    let idle = app.visitor(&site).await;
    let export = app.ok(Some(&owner.token), "mutation($i: PersonInput!) { exportVisitor(input: $i) { id } }", json!({ "i": { "visitorId": idle.id } })).await;
    let export_id = export["exportVisitor"]["id"].as_str().unwrap().to_owned();
    let (export_url, _) = built_export(&app, &owner.token, &export_id).await;
    let base = app.url.trim_end_matches("/graphql").to_owned();
    let one = "query($c: ID!) { conversation(id: $c) { id } }";
    let (app_ref, token) = (&app, owner.token.clone());
    let gone = move |c: Value| {
        let token = token.clone();
        async move { app_ref.gql(Some(&token), one, json!({ "c": c })).await.get("errors").is_some() }
    };

    // 29 days on: nothing is due.
    clock.advance(Duration::from_secs(29 * 24 * 3600));
    app.app.jobs.wake();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!gone(json!(resolved)).await);
    // 31 days on: the resolved conversation and its file are gone, the open one stays; the
    // export's link expired after 7 days and its archive is deleted.
    clock.advance(Duration::from_secs(2 * 24 * 3600));
    app.app.jobs.wake();
    for _ in 0..100 {
        if gone(json!(resolved)).await {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(gone(json!(resolved)).await, "deleted 30 days after its resolution");
    assert!(!gone(json!(open)).await, "an open conversation is kept");
    assert_ne!(app.http.get(format!("{base}{file_url}")).send().await.unwrap().status(), 200);
    let e = app.ok(Some(&owner.token), EXPORT_STATE, json!({ "id": export_id })).await["export"].clone();
    assert_eq!((&e["expired"], &e["url"]), (&json!(true), &Value::Null), "{e}");
    assert_ne!(app.http.get(format!("{base}{export_url}")).send().await.unwrap().status(), 200);
    // The idle visitor goes after 90 days without a conversation (it has none).
    let find = "mutation($v: ID!) { exportVisitor(input: {visitorId: $v}) { id } }";
    app.ok(Some(&owner.token), find, json!({ "v": idle.id })).await;
    clock.advance(Duration::from_secs(60 * 24 * 3600));
    app.app.jobs.wake();
    for _ in 0..100 {
        if app.gql(Some(&owner.token), find, json!({ "v": idle.id })).await.get("errors").is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.err(Some(&owner.token), find, json!({ "v": idle.id })).await, "NOT_FOUND", "the idle visitor is deleted");
}

#[tokio::test]
async fn a_visitor_deletes_their_own_data_where_the_website_lets_them() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor_with(&site, json!({ "name": "Vi", "email": "vi@example.com" })).await;
    let conv = app.start_conversation(&v, Some("please forget me")).await;
    let delete = "mutation { deleteMyData }";
    assert_eq!(app.err(Some(&v.token), delete, json!({})).await, "FORBIDDEN", "off by default");
    assert_eq!(app.err(Some(&owner.token), delete, json!({})).await, "FORBIDDEN", "for visitors");

    let set = "mutation($id: ID!, $i: UpdateWebsiteInput!) { updateWebsite(id: $id, input: $i) { privacyPolicyUrl visitorDeletion } }";
    for bad in ["javascript:alert(1)", "https://shop.example/privacy policy", &format!("https://shop.example/{}", "p".repeat(500))] {
        assert_eq!(app.err(Some(&owner.token), set, json!({ "id": site.id, "i": { "privacyPolicyUrl": bad } })).await, "BAD_USER_INPUT", "{bad}");
    }
    let d =
        app.ok(Some(&owner.token), set, json!({ "id": site.id, "i": { "privacyPolicyUrl": "https://shop.example/privacy", "visitorDeletion": true } })).await;
    assert_eq!(d["updateWebsite"], json!({ "privacyPolicyUrl": "https://shop.example/privacy", "visitorDeletion": true }));
    let cfg = app.ok(None, "query($k: String!) { widgetConfig(websiteKey: $k) { privacyPolicyUrl visitorDeletion } }", json!({ "k": site.key })).await;
    assert_eq!(cfg["widgetConfig"], json!({ "privacyPolicyUrl": "https://shop.example/privacy", "visitorDeletion": true }));

    assert_eq!(app.ok(Some(&v.token), delete, json!({})).await["deleteMyData"], true);
    assert_eq!(app.err(Some(&v.token), "query { currentVisitor { id } }", json!({})).await, "UNAUTHENTICATED", "the session ends");
    let mut receipt_of = Value::Null;
    for _ in 0..100 {
        receipt_of =
            app.ok(Some(&owner.token), "query { erasures { done requestedByKind requestedBy receipt { messages } } }", json!({})).await["erasures"][0].clone();
        if receipt_of["done"] == true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(receipt_of, json!({ "done": true, "requestedByKind": "visitor", "requestedBy": v.id, "receipt": { "messages": 1 } }));
    let c = app
        .ok(Some(&owner.token), "query($c: ID!) { conversation(id: $c) { visitor { name email } messages { nodes { body } } } }", json!({ "c": conv }))
        .await;
    assert_eq!(c["conversation"], json!({ "visitor": { "name": null, "email": null }, "messages": { "nodes": [] } }), "the message left the thread");
    // Clearing the link.
    let d = app.ok(Some(&owner.token), set, json!({ "id": site.id, "i": { "privacyPolicyUrl": "" } })).await;
    assert_eq!(d["updateWebsite"]["privacyPolicyUrl"], Value::Null);
}

/// A key that may change something does not read through what the change returns: a
/// conversation's messages, a visitor's personal data.
#[tokio::test]
async fn write_scopes_return_no_data_the_key_may_not_read() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor_with(&site, json!({ "name": "Vi", "email": "vi@example.com" })).await;
    let conv = app.start_conversation(&v, Some("my address is 1 Main St")).await;
    let writer = key_with(&app, &owner, "CONVERSATIONS_WRITE").await;
    let status = "mutation($c: ID!) { setConversationStatus(conversationId: $c, status: PENDING) { id SELECTION } }";
    for selection in ["messages { nodes { body } }", "lastMessagePreview", "visitor { name }", "visitor { email }", "readReceipts { seq }"] {
        let r = app.gql(Some(&writer), &status.replace("SELECTION", selection), json!({ "c": conv })).await;
        assert_eq!(code_of(&r), "FORBIDDEN", "{selection}: {r}");
        assert!(!r.to_string().contains("Main St") && !r.to_string().contains("vi@example.com"), "{r}");
    }
    app.ok(Some(&writer), &status.replace("SELECTION", "status"), json!({ "c": conv })).await;
    let attrs = "mutation($w: ID!) { setVisitorAttributes(input: {websiteId: $w, externalId: \"1001\", attributes: [{key: \"plan\", value: \"pro\"}]}) { id SELECTION } }";
    let plugin = key_with(&app, &owner, "VISITORS_WRITE").await;
    for selection in ["name", "email", "attributes { key }", "currentUrl", "pageViews { url }", "externalId"] {
        let r = app.gql(Some(&plugin), &attrs.replace("SELECTION", selection), json!({ "w": site.id })).await;
        assert_eq!(code_of(&r), "FORBIDDEN", "{selection}: {r}");
    }
    app.ok(Some(&plugin), &attrs.replace("SELECTION", ""), json!({ "w": site.id })).await;
    // With a read scope, the same fields answer.
    let reader = key_with(&app, &owner, "VISITORS_WRITE, VISITORS_READ").await;
    let d = app.ok(Some(&reader), &attrs.replace("SELECTION", "externalId attributes { key fromServer }"), json!({ "w": site.id })).await;
    assert_eq!(d["setVisitorAttributes"]["attributes"], json!([{ "key": "plan", "fromServer": true }]));
}

/// Erasing a person ends their exports: a built archive is deleted, its link dead.
#[tokio::test]
async fn erasure_ends_the_persons_exports() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let (v, _, _, _) = seed(&app, &owner, &site).await;
    let e = app.ok(Some(&owner.token), "mutation($v: ID!) { exportVisitor(input: {visitorId: $v}) { id } }", json!({ "v": v.id })).await;
    let id = e["exportVisitor"]["id"].as_str().unwrap().to_owned();
    let (url, _) = built_export(&app, &owner.token, &id).await;
    let erasure = app.ok(Some(&owner.token), ERASE, json!({ "i": { "visitorId": v.id } })).await["eraseVisitor"]["id"].as_str().unwrap().to_owned();
    receipt(&app, &owner.token, &erasure).await;
    let x = app.ok(Some(&owner.token), EXPORT_STATE, json!({ "id": id })).await["export"].clone();
    assert_eq!((&x["expired"], &x["url"]), (&json!(true), &Value::Null), "{x}");
    let base = app.url.trim_end_matches("/graphql").to_owned();
    assert_ne!(app.http.get(format!("{base}{url}")).send().await.unwrap().status(), 200);
}

/// `deleteMyData` once per visitor: aliases in one request do not make more erasures.
#[tokio::test]
async fn a_visitor_deletes_their_data_once_even_with_aliases() {
    let app = spawn_app_with(|s| s.limits.rate_limits = "on".into()).await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let set = "mutation($id: ID!) { updateWebsite(id: $id, input: {visitorDeletion: true}) { id } }";
    app.ok(Some(&owner.token), set, json!({ "id": site.id })).await;
    let v = app.visitor(&site).await;
    app.start_conversation(&v, Some("forget me")).await;
    let r = app.gql(Some(&v.token), "mutation { a: deleteMyData b: deleteMyData c: deleteMyData }", json!({})).await;
    assert_eq!(r["data"]["a"], true, "{r}");
    assert_eq!(code_of(&r), "RATE_LIMITED", "{r}");
    let erasures = app.ok(Some(&owner.token), "query { erasures { requestedBy } }", json!({})).await;
    assert_eq!(erasures["erasures"], json!([{ "requestedBy": v.id }]), "one erasure");
}

/// Every file stored under the data directory's `files` (attachments).
fn stored_files(app: &TestApp) -> usize {
    fn count(p: &std::path::Path) -> usize {
        std::fs::read_dir(p).map_or(0, |d| d.flatten().map(|e| if e.path().is_dir() { count(&e.path()) } else { 1 }).sum())
    }
    count(&app.app.settings.data_dir.join("files"))
}

const DELETE_WEBSITE: &str = "mutation($id: ID!) { deleteWebsite(id: $id) }";

/// A plugin's key deletes the website it was given (Shopify's `shop/redact`): at once
/// the widget's key, the identity secret and every visitor token stop working, and the
/// job then leaves nothing of its visitors, conversations or files; the organization's
/// other website is untouched.
#[tokio::test]
async fn deleting_a_website_removes_it_and_everything_of_its_visitors() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let kept = app.create_website(&owner, &[]).await;
    let (v, conv, other_conv, file_url) = seed(&app, &owner, &site).await;
    let survivor = app.visitor(&kept).await;
    let kept_conv = app.start_conversation(&survivor, Some("a zebracorn question too")).await;
    let (status, _) = upload(&app, &survivor.token, &kept_conv, "kept.png", PNG.to_vec()).await;
    assert_eq!(status, 201);
    assert_eq!(stored_files(&app), 2);
    let mut ws = app.ws(&v.token).await;
    ws.subscribe("c", "subscription($c: ID!) { conversationEvents(conversationId: $c) { __typename } }", json!({ "c": conv })).await;
    let public_key = app.ok(None, "query($k: String!) { widgetConfig(websiteKey: $k) { websiteName } }", json!({ "k": site.key })).await;
    assert!(public_key["widgetConfig"].is_object());

    // Who may not: an agent, a key without the scope, a key limited to the other website,
    // another tenant; nothing changes.
    let agent = app.add_agent(&owner, "Bo", "AGENT").await;
    assert_eq!(app.err(Some(&agent.token), DELETE_WEBSITE, json!({ "id": site.id })).await, "FORBIDDEN");
    let reader = key_with(&app, &owner, "CONVERSATIONS_READ").await;
    assert_eq!(app.err(Some(&reader), DELETE_WEBSITE, json!({ "id": site.id })).await, "FORBIDDEN");
    let doc = "mutation($w: [ID!]) { createApiKey(name: \"other\", scopes: [WEBSITES_MANAGE], websiteIds: $w) { secret } }";
    let other_key = app.ok(Some(&owner.token), doc, json!({ "w": [kept.id] })).await["createApiKey"]["secret"].as_str().unwrap().to_owned();
    assert_eq!(app.err(Some(&other_key), DELETE_WEBSITE, json!({ "id": site.id })).await, "NOT_FOUND");
    let rival = app.sign_up("Rex").await;
    assert_eq!(app.err(Some(&rival.token), DELETE_WEBSITE, json!({ "id": site.id })).await, "NOT_FOUND");
    assert_eq!(app.err(Some(&owner.token), DELETE_WEBSITE, json!({ "id": "web_nope" })).await, "NOT_FOUND");
    assert_eq!(app.ok(Some(&v.token), "query { currentVisitor { id } }", json!({})).await["currentVisitor"]["id"], json!(v.id));

    let key = key_with(&app, &owner, "WEBSITES_MANAGE").await;
    assert_eq!(app.ok(Some(&key), DELETE_WEBSITE, json!({ "id": site.id })).await["deleteWebsite"], true);
    // At once: the socket closes, the token and the widget key are dead, it is in no list.
    let code = tokio::time::timeout(Duration::from_secs(5), ws.closed()).await.expect("the visitor's socket is closed at once");
    assert_eq!(code, 4403);
    assert_eq!(app.err(Some(&v.token), "query { currentVisitor { id } }", json!({})).await, "UNAUTHENTICATED");
    assert_eq!(app.err(None, "query($k: String!) { widgetConfig(websiteKey: $k) { websiteName } }", json!({ "k": site.key })).await, "NOT_FOUND");
    let start = "mutation($k: String!) { startVisitorSession(input: {websiteKey: $k}) { token } }";
    assert_eq!(app.err(None, start, json!({ "k": site.key })).await, "NOT_FOUND");
    assert_eq!(app.err(Some(&owner.token), "query($id: ID!) { website(id: $id) { id } }", json!({ "id": site.id })).await, "NOT_FOUND");
    let sites = app.ok(Some(&owner.token), "query { websites { id } }", json!({})).await;
    assert_eq!(sites["websites"], json!([{ "id": kept.id }]));
    let update = "mutation($id: ID!) { updateWebsite(id: $id, input: {name: \"Back\"}) { id } }";
    assert_eq!(app.err(Some(&owner.token), update, json!({ "id": site.id })).await, "NOT_FOUND");
    assert_eq!(app.err(Some(&key), DELETE_WEBSITE, json!({ "id": site.id })).await, "NOT_FOUND", "deleted once");

    // The job: nothing of its visitors is left, the other website's chat and file stay.
    let all = "query { conversations { edges { node { id } } } }";
    for _ in 0..100 {
        if app.ok(Some(&owner.token), all, json!({})).await["conversations"]["edges"].as_array().unwrap().len() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.ok(Some(&owner.token), all, json!({})).await["conversations"]["edges"], json!([{ "node": { "id": kept_conv } }]));
    for c in [&conv, &other_conv] {
        assert_eq!(app.err(Some(&owner.token), "query($c: ID!) { conversation(id: $c) { id } }", json!({ "c": c })).await, "NOT_FOUND");
    }
    let found = app.ok(Some(&owner.token), SEARCH, json!({ "q": "zebracorn" })).await;
    assert_eq!(found["conversations"]["edges"], json!([{ "node": { "id": kept_conv } }]), "{found}");
    let base = app.url.trim_end_matches("/graphql").to_owned();
    assert_ne!(app.http.get(format!("{base}{file_url}")).send().await.unwrap().status(), 200);
    assert_eq!(stored_files(&app), 1, "the deleted website's file is gone from storage, the other stays");
    // Recorded in the audit log, by the key.
    let log = app.ok(Some(&owner.token), "query { auditLog(filter: {action: \"website.delete\"}) { edges { node { actorKind targetId } } } }", json!({})).await;
    assert_eq!(log["auditLog"]["edges"], json!([{ "node": { "actorKind": "api_key", "targetId": site.id } }]));
}
