//! The visitor side: resume, identity verification, allowed origins, widget config.

use serde_json::json;

use crate::helpers::*;

async fn identity_secret(app: &TestApp, owner: &Agent, site: &Site) -> String {
    let d = app.ok(Some(&owner.token), "query($id: ID!) { website(id: $id) { identitySecret } }", json!({ "id": site.id })).await;
    d["website"]["identitySecret"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_returning_visitor_resumes_with_its_history() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor_with(&site, json!({ "name": "Vi", "email": "vi@example.com" })).await;
    let conv = app.start_conversation(&v, Some("first visit")).await;
    let back = app.visitor_with(&site, json!({ "resumeToken": v.resume })).await;
    assert_eq!(back.id, v.id);
    assert_eq!(back.resume, v.resume, "stable, so two tabs agree");
    assert_eq!(app.messages(&back.token, &conv).await.len(), 1);
    let me = app.ok(Some(&back.token), "{ currentVisitor { id name email } }", json!({})).await;
    assert_eq!(me["currentVisitor"]["name"], "Vi");
    // A forged resume token starts a fresh visitor.
    let fresh = app.visitor_with(&site, json!({ "resumeToken": format!("{}x", v.resume) })).await;
    assert_ne!(fresh.id, v.id);
    // Another website's key cannot resume this visitor.
    let other_site = app.create_website(&owner, &[]).await;
    let elsewhere = app.visitor_with(&other_site, json!({ "resumeToken": v.resume })).await;
    assert_ne!(elsewhere.id, v.id);
}

#[tokio::test]
async fn identity_verification_moves_anonymous_history_into_the_verified_visitor() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let secret = identity_secret(&app, &owner, &site).await;

    let bad = app
        .err(
            None,
            "mutation($k: String!) { startVisitorSession(input: {websiteKey: $k, externalId: \"u-1\", userHash: \"00ff\"}) { token } }",
            json!({ "k": site.key }),
        )
        .await;
    assert_eq!(bad, "FORBIDDEN");

    // Logged in on one device first.
    let verified = app.visitor_with(&site, json!({ "externalId": "u-1", "userHash": hmac_hex(&secret, "u-1") })).await;
    let c1 = app.start_conversation(&verified, Some("from my laptop")).await;
    // Anonymous on another device, then logs in there.
    let anon = app.visitor(&site).await;
    let c2 = app.start_conversation(&anon, Some("from my phone, before logging in")).await;
    let merged = app.visitor_with(&site, json!({ "resumeToken": anon.resume, "externalId": "u-1", "userHash": hmac_hex(&secret, "u-1") })).await;
    assert_eq!(merged.id, verified.id);
    let mine = app.ok(Some(&merged.token), "{ conversations { edges { node { id } } } }", json!({})).await;
    let ids: Vec<_> = mine["conversations"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["id"].as_str().unwrap().to_owned()).collect();
    assert!(ids.contains(&c1) && ids.contains(&c2), "{ids:?}");
    // Never the reverse: the verified history does not leak to the anonymous session.
    let anon_view = app.ok(Some(&anon.token), "{ conversations { edges { node { id } } } }", json!({})).await;
    assert_eq!(anon_view["conversations"]["edges"].as_array().unwrap().len(), 0);
    // Two external ids never merge.
    let u2 = app.visitor_with(&site, json!({ "resumeToken": merged.resume, "externalId": "u-2", "userHash": hmac_hex(&secret, "u-2") })).await;
    assert_ne!(u2.id, verified.id);
    let u2_view = app.ok(Some(&u2.token), "{ conversations { edges { node { id } } } }", json!({})).await;
    assert_eq!(u2_view["conversations"]["edges"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn visitor_sessions_respect_the_websites_allowed_origins() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &["https://shop.example"]).await;
    let q = json!({ "query": "mutation($k: String!) { startVisitorSession(input: {websiteKey: $k}) { token } }", "variables": { "k": site.key } });
    let from = |origin: &'static str| app.http.post(&app.url).header("origin", origin).json(&q).send();
    let ok: serde_json::Value = from("https://shop.example").await.unwrap().json().await.unwrap();
    assert!(ok["data"]["startVisitorSession"]["token"].is_string(), "{ok}");
    let no: serde_json::Value = from("https://evil.example").await.unwrap().json().await.unwrap();
    assert_eq!(code_of(&no), "FORBIDDEN");
    // Server-to-server calls carry no Origin and are allowed.
    let none: serde_json::Value = app.http.post(&app.url).json(&q).send().await.unwrap().json().await.unwrap();
    assert!(none["data"]["startVisitorSession"]["token"].is_string());
}

#[tokio::test]
async fn widget_config_reflects_website_settings() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    app.ok(
        Some(&owner.token),
        "mutation($id: ID!) { updateWebsite(id: $id, input: {color: \"#FF0000\", position: LEFT, launcherText: \"Ask us\", greeting: \"Hej!\"}) { id } }",
        json!({ "id": site.id }),
    )
    .await;
    let cfg = app
        .ok(None, "query($k: String!) { widgetConfig(websiteKey: $k) { appearance { color position launcherText greeting } } }", json!({ "k": site.key }))
        .await;
    assert_eq!(cfg["widgetConfig"]["appearance"], json!({ "color": "#ff0000", "position": "LEFT", "launcherText": "Ask us", "greeting": "Hej!" }));
    // Visitors never see the identity secret.
    let v = app.visitor(&site).await;
    assert_eq!(app.err(Some(&v.token), "{ websites { identitySecret } }", json!({})).await, "FORBIDDEN");
}

#[tokio::test]
async fn business_hours_pre_chat_fields_and_offline_messages() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let update = "mutation($id: ID!, $i: UpdateWebsiteInput!) { updateWebsite(id: $id, input: $i) { businessHours { timeZone intervals { day open close } } preChatFields { key kind required } } }";
    // Closed all week except an interval that has already ended today is hard to pin; use
    // a day-long window on every day but today's weekday, in UTC.
    let days = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"];
    let today = days[(((chinwag::time::now_ms() / 86_400_000) + 3) % 7) as usize]; // 1970-01-01 was a Thursday
    let intervals: Vec<_> = days.iter().filter(|d| **d != today).map(|d| json!({ "day": d, "open": "00:00", "close": "24:00" })).collect();
    let d = app
        .ok(
            Some(&owner.token),
            update,
            json!({ "id": site.id, "i": { "businessHours": { "timeZone": "UTC", "intervals": intervals }, "preChatFields": [
                { "key": "email", "label": "Your email", "kind": "EMAIL", "required": true },
                { "key": "order", "label": "Order number" } ] } }),
        )
        .await;
    assert_eq!(d["updateWebsite"]["businessHours"]["timeZone"], "UTC");
    assert_eq!(d["updateWebsite"]["preChatFields"][0]["kind"], "EMAIL");
    let cfg = "query($k: String!) { widgetConfig(websiteKey: $k) { businessHoursOpen nextOpeningAt offlineMessages businessHours { timeZone } preChatFields { key label required } } }";
    let c = app.ok(None, cfg, json!({ "k": site.key })).await["widgetConfig"].clone();
    assert_eq!(c["businessHoursOpen"], false, "today is outside the hours");
    let tomorrow = (chinwag::time::now_ms() / 86_400_000 + 1) * 86_400_000;
    assert_eq!(c["nextOpeningAt"], chinwag::time::rfc3339(tomorrow), "midnight UTC tomorrow");
    assert_eq!(c["offlineMessages"], true);
    assert_eq!(c["preChatFields"][1]["label"], "Order number");
    for bad in [
        json!({ "businessHours": { "timeZone": "Mars/Base", "intervals": [] } }),
        json!({ "businessHours": { "timeZone": "UTC", "intervals": [{ "day": "MONDAY", "open": "18:00", "close": "09:00" }] } }),
        json!({ "preChatFields": [{ "key": "a b", "label": "x" }] }),
    ] {
        assert_eq!(app.err(Some(&owner.token), update, json!({ "id": site.id, "i": bad })).await, "BAD_USER_INPUT");
    }
    // An offline message needs an email; with one it becomes a conversation marked offline.
    let anon = app.visitor(&site).await;
    let off = "mutation { startConversation(input: {body: \"Call me back\", offline: true}) { id isOffline } }";
    assert_eq!(app.err(Some(&anon.token), off, json!({})).await, "BAD_USER_INPUT");
    let v = app.visitor_with(&site, json!({ "email": "vi@example.com", "attributes": [{ "key": "order", "value": "A-1001" }] })).await;
    let d = app.ok(Some(&v.token), off, json!({})).await;
    assert_eq!(d["startConversation"]["isOffline"], true);
    let seen = app
        .ok(
            Some(&owner.token),
            "query($c: ID!) { conversation(id: $c) { isOffline visitor { email attributes { key value } } } }",
            json!({ "c": d["startConversation"]["id"] }),
        )
        .await;
    assert_eq!(seen["conversation"]["visitor"]["attributes"], json!([{ "key": "order", "value": "A-1001" }]));
    // A website that takes no offline messages refuses them.
    app.ok(Some(&owner.token), update, json!({ "id": site.id, "i": { "offlineMessages": false } })).await;
    assert_eq!(app.err(Some(&v.token), off, json!({})).await, "FORBIDDEN");
    // Clearing the hours means always open again.
    app.ok(Some(&owner.token), update, json!({ "id": site.id, "i": { "clearBusinessHours": true } })).await;
    assert_eq!(app.ok(None, cfg, json!({ "k": site.key })).await["widgetConfig"]["businessHoursOpen"], true);
}

#[tokio::test]
async fn the_sites_server_sets_a_customers_attributes_by_external_id_and_the_visitor_never_sees_them() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let key = app.ok(Some(&owner.token), "mutation { createApiKey(name: \"shop\") { secret } }", json!({})).await["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let set = "mutation($i: SetVisitorAttributesInput!) { setVisitorAttributes(input: $i) { id externalId attributes { key value fromServer } } }";
    let input = |attrs: serde_json::Value, remove: serde_json::Value| json!({ "i": { "websiteId": site.id, "externalId": "cust-1", "attributes": attrs, "remove": remove } });
    // Before the customer ever chats: the visitor is made with their id.
    let d = app.ok(Some(&key), set, input(json!([{ "key": "orders", "value": "3" }, { "key": "plan", "value": "gold" }]), json!([]))).await;
    let made = d["setVisitorAttributes"]["id"].as_str().unwrap().to_owned();
    assert_eq!(d["setVisitorAttributes"]["externalId"], "cust-1");
    let d = app.ok(Some(&key), set, input(json!([{ "key": "orders", "value": "4" }]), json!(["plan"]))).await;
    assert_eq!(d["setVisitorAttributes"]["id"], made.as_str(), "the same customer");
    assert_eq!(d["setVisitorAttributes"]["attributes"], json!([{ "key": "orders", "value": "4", "fromServer": true }]));

    // The customer signs in on the site and claims a plan in the browser.
    let secret = identity_secret(&app, &owner, &site).await;
    let v = app
        .visitor_with(&site, json!({ "externalId": "cust-1", "userHash": hmac_hex(&secret, "cust-1"), "attributes": [{ "key": "orders", "value": "999" }, { "key": "lang", "value": "nb" }] }))
        .await;
    assert_eq!(v.id, made);
    let mine = app.ok(Some(&v.token), "{ currentVisitor { attributes { key value fromServer } } }", json!({})).await;
    assert_eq!(
        mine["currentVisitor"]["attributes"],
        json!([{ "key": "lang", "value": "nb", "fromServer": false }, { "key": "orders", "value": "999", "fromServer": false }]),
        "the visitor sees only what its browser set"
    );
    let conv = app.start_conversation(&v, Some("hi")).await;
    let staff =
        app.ok(Some(&owner.token), "query($c: ID!) { conversation(id: $c) { visitor { attributes { key value fromServer } } } }", json!({ "c": conv })).await;
    assert_eq!(
        staff["conversation"]["visitor"]["attributes"],
        json!([{ "key": "lang", "value": "nb", "fromServer": false }, { "key": "orders", "value": "4", "fromServer": true }]),
        "agents see the server's value where both set one"
    );

    // Who may, and bad input.
    assert_eq!(app.err(Some(&v.token), set, input(json!([]), json!([]))).await, "FORBIDDEN");
    let rival = app.sign_up("Rita").await;
    assert_eq!(app.err(Some(&rival.token), set, input(json!([]), json!([]))).await, "NOT_FOUND", "another organization's website");
    assert_eq!(app.err(Some(&key), set, input(json!([{ "key": "bad key!", "value": "x" }]), json!([]))).await, "BAD_USER_INPUT");
    let many: Vec<serde_json::Value> = (0..20).map(|i| json!({ "key": format!("k{i}"), "value": "v" })).collect();
    app.ok(Some(&key), set, input(json!(many), json!([]))).await;
    let more: Vec<serde_json::Value> = (20..40).map(|i| json!({ "key": format!("k{i}"), "value": "v" })).collect();
    app.ok(Some(&key), set, input(json!(more), json!([]))).await;
    let over: Vec<serde_json::Value> = (40..55).map(|i| json!({ "key": format!("k{i}"), "value": "v" })).collect();
    assert_eq!(app.err(Some(&key), set, input(json!(over), json!([]))).await, "BAD_USER_INPUT", "at most 50");
}

#[tokio::test]
async fn a_customer_met_by_several_requests_at_once_is_one_verified_visitor() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let secret = identity_secret(&app, &owner, &site).await;
    let session = "mutation($i: StartVisitorSessionInput!) { startVisitorSession(input: $i) { visitor { id } } }";
    let attrs = "mutation($i: SetVisitorAttributesInput!) { setVisitorAttributes(input: $i) { id } }";
    for round in 0..8 {
        let ext = format!("cust-{round}");
        let hash = hmac_hex(&secret, &ext);
        // An anonymous visitor of this browser, about to become verified, too.
        let anon = app.visitor(&site).await;
        let calls = (0..6).map(|i| {
            let (app, site, ext, hash, anon) = (&app, &site, ext.clone(), hash.clone(), anon.clone());
            let owner = &owner;
            async move {
                let r = match i % 3 {
                    0 => app.gql(None, session, json!({ "i": { "websiteKey": site.key, "externalId": ext, "userHash": hash } })).await,
                    1 => {
                        let i = json!({ "websiteKey": site.key, "externalId": ext, "userHash": hash, "resumeToken": anon.resume });
                        app.gql(None, session, json!({ "i": i })).await
                    }
                    _ => {
                        let i = json!({ "websiteId": site.id, "externalId": ext, "attributes": [{ "key": "plan", "value": "pro" }] });
                        app.gql(Some(&owner.token), attrs, json!({ "i": i })).await
                    }
                };
                assert!(r.get("errors").is_none(), "{r}");
                r["data"]["startVisitorSession"]["visitor"]["id"].as_str().or(r["data"]["setVisitorAttributes"]["id"].as_str()).unwrap().to_owned()
            }
        });
        let ids = futures_util::future::join_all(calls).await;
        assert!(ids.iter().all(|id| *id == ids[0]), "one visitor for {ext}: {ids:?}");
    }
}

/// The widget's `set`: a visitor's browser sets and removes its own attributes (a cart),
/// which agents see as the browser's and the server's win over; bounded in count, size
/// and rate, and for visitors only.
#[tokio::test]
async fn a_visitor_sets_its_own_attributes_within_bounds() {
    let app = spawn_app_with(|s| {
        s.limits.rate_limits = "on".into();
        s.limits.send_burst = 8;
        s.limits.send_per_second = 1;
    })
    .await;
    let owner = app.sign_up("Ann").await;
    let site = app.create_website(&owner, &[]).await;
    let v = app.visitor_with(&site, json!({ "attributes": [{ "key": "lang", "value": "nb" }] })).await;
    let set =
        "mutation($a: [VisitorAttributeInput!], $r: [String!]) { setMyAttributes(attributes: $a, remove: $r) { id attributes { key value fromServer } } }";
    let d = app.ok(Some(&v.token), set, json!({ "a": [{ "key": "cart_total", "value": " 42.50 EUR " }, { "key": "cart_items", "value": "2" }] })).await;
    assert_eq!(d["setMyAttributes"]["id"], json!(v.id));
    assert_eq!(
        d["setMyAttributes"]["attributes"],
        json!([
            { "key": "cart_items", "value": "2", "fromServer": false },
            { "key": "cart_total", "value": "42.50 EUR", "fromServer": false },
            { "key": "lang", "value": "nb", "fromServer": false }
        ])
    );
    let d = app.ok(Some(&v.token), set, json!({ "a": [{ "key": "cart_items", "value": "3" }], "r": ["lang", "never-set"] })).await;
    let expected = json!([{ "key": "cart_items", "value": "3", "fromServer": false }, { "key": "cart_total", "value": "42.50 EUR", "fromServer": false }]);
    assert_eq!(d["setMyAttributes"]["attributes"], expected);
    let conv = app.start_conversation(&v, Some("what about my cart?")).await;
    let staff =
        app.ok(Some(&owner.token), "query($c: ID!) { conversation(id: $c) { visitor { attributes { key value fromServer } } } }", json!({ "c": conv })).await;
    assert_eq!(staff["conversation"]["visitor"]["attributes"], expected, "agents see what the browser set");

    // Bad input changes nothing.
    let bad = [
        json!({ "a": [{ "key": "bad key!", "value": "x" }] }),
        json!({ "a": [{ "key": "long", "value": "x".repeat(501) }] }),
        json!({ "a": (0..21).map(|i| json!({ "key": format!("k{i}"), "value": "v" })).collect::<Vec<_>>() }),
        json!({ "r": (0..51).map(|i| format!("k{i}")).collect::<Vec<_>>() }),
    ];
    for b in &bad {
        assert_eq!(app.err(Some(&v.token), set, b.clone()).await, "BAD_USER_INPUT", "{b}");
    }
    let mine = app.ok(Some(&v.token), "{ currentVisitor { attributes { key value fromServer } } }", json!({})).await;
    assert_eq!(mine["currentVisitor"]["attributes"], expected);
    // Staff have their own operation (by the site's customer id); no token is no visitor.
    assert_eq!(app.err(Some(&owner.token), set, json!({ "a": [] })).await, "FORBIDDEN");
    assert_eq!(app.err(None, set, json!({ "a": [] })).await, "UNAUTHENTICATED");
    // At most 50 in all, then the rate limit (the same as for sending).
    let v2 = app.visitor(&site).await;
    for round in 0..2 {
        let batch: Vec<_> = (round * 20..round * 20 + 20).map(|i| json!({ "key": format!("k{i}"), "value": "v" })).collect();
        app.ok(Some(&v2.token), set, json!({ "a": batch })).await;
    }
    let over: Vec<_> = (40..51).map(|i| json!({ "key": format!("k{i}"), "value": "v" })).collect();
    assert_eq!(app.err(Some(&v2.token), set, json!({ "a": over })).await, "BAD_USER_INPUT", "at most 50");
    let mut limited = false;
    for _ in 0..10 {
        if app.gql(Some(&v2.token), set, json!({ "a": [{ "key": "k0", "value": "w" }] })).await["errors"][0]["extensions"]["code"] == "RATE_LIMITED" {
            limited = true;
            break;
        }
    }
    assert!(limited, "a browser cannot write attributes without bound");
}

/// The organization's holidays close its websites all day: the widget reads closed, and
/// the next opening skips them; bad schedules change nothing; only owners and admins set it.
#[tokio::test]
async fn holidays_close_the_websites_all_day() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let bob = app.add_agent(&owner, "Bob", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    let days = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"];
    let all_day: Vec<_> = days.iter().map(|d| json!({ "day": d, "open": "00:00", "close": "24:00" })).collect();
    let update = "mutation($id: ID!, $h: BusinessHoursInput!) { updateWebsite(id: $id, input: {businessHours: $h}) { id } }";
    app.ok(Some(&owner.token), update, json!({ "id": site.id, "h": { "timeZone": "UTC", "intervals": all_day } })).await;
    let cfg = "query($k: String!) { widgetConfig(websiteKey: $k) { businessHoursOpen nextOpeningAt } }";
    assert_eq!(app.ok(None, cfg, json!({ "k": site.key })).await["widgetConfig"], json!({ "businessHoursOpen": true, "nextOpeningAt": null }));

    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let tomorrow = today.tomorrow().unwrap();
    let set = "mutation($tz: String!, $h: [HolidayInput!]!) { updateOrganizationSchedule(timeZone: $tz, holidays: $h) { timeZone holidays { date name } } }";
    assert_eq!(app.err(Some(&bob.token), set, json!({ "tz": "UTC", "h": [] })).await, "FORBIDDEN");
    let too_many: Vec<_> = (0..101).map(|i| json!({ "date": today.checked_add(jiff::Span::new().days(i)).unwrap().to_string(), "name": "x" })).collect();
    for (tz, h) in [
        ("Mars/Olympus", json!([])),
        ("UTC", json!([{ "date": "2026-02-30", "name": "No such day" }])),
        ("UTC", json!([{ "date": "tomorrow", "name": "Nope" }])),
        ("UTC", json!([{ "date": today.to_string(), "name": " " }])),
        ("UTC", json!(too_many)),
    ] {
        assert_eq!(app.err(Some(&owner.token), set, json!({ "tz": tz, "h": h })).await, "BAD_USER_INPUT", "{tz} {h}");
    }
    let s = app.ok(Some(&bob.token), "{ organizationSchedule { timeZone holidays { date } } }", json!({})).await;
    assert_eq!(s["organizationSchedule"], json!({ "timeZone": "UTC", "holidays": [] }), "nothing changed");

    let h = json!([{ "date": tomorrow.to_string(), "name": "Later" }, { "date": today.to_string(), "name": "Closing day" }, { "date": today.to_string(), "name": "Staff day" }]);
    let d = app.ok(Some(&owner.token), set, json!({ "tz": "Europe/Oslo", "h": h })).await;
    assert_eq!(
        d["updateOrganizationSchedule"],
        json!({ "timeZone": "Europe/Oslo", "holidays": [{ "date": today.to_string(), "name": "Staff day" }, { "date": tomorrow.to_string(), "name": "Later" }] }),
        "sorted, one per date"
    );
    let closed = app.ok(None, cfg, json!({ "k": site.key })).await["widgetConfig"].clone();
    let after = tomorrow.tomorrow().unwrap().to_zoned(jiff::tz::TimeZone::UTC).unwrap().timestamp();
    assert_eq!(closed["businessHoursOpen"], false, "{closed}");
    assert_eq!(closed["nextOpeningAt"].as_str().unwrap().parse::<jiff::Timestamp>().unwrap(), after, "the day after the holidays");
}
