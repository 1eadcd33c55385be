//! The permission matrix: every operation that needs a principal, called by each kind
//! of caller. A caller outside the operation's audience gets `FORBIDDEN` (anonymous:
//! `UNAUTHENTICATED`) and changes nothing; one inside gets past the check (its result
//! may still be `NOT_FOUND` or `BAD_USER_INPUT` for the made-up ids used here).
//! docs/api.md has the same table for people.

use serde_json::json;

use crate::helpers::*;

/// Who may call: `v` visitor, `a` agent (role AGENT), `o` owner or admin; and the scope
/// an API key needs (none: no key may).
const MATRIX: &[(&str, &str, Option<&str>)] = &[
    ("query { me { id } }", "ao", None),
    ("query { agents { id } }", "ao", Some("CONVERSATIONS_READ")),
    ("query { departments { id } }", "ao", Some("CONVERSATIONS_READ")),
    ("query { invites { id } }", "o", None),
    ("query { apiKeys { id } }", "o", None),
    ("query { jobs { edges { cursor } } }", "o", None),
    ("query { auditLog { edges { cursor } } }", "o", None),
    ("query { websites { id } }", "ao", Some("WEBSITES_READ")),
    ("query { website(id: \"web_x\") { id } }", "ao", Some("WEBSITES_READ")),
    ("query { currentVisitor { id } }", "v", None),
    ("query { conversations { edges { cursor } } }", "vao", Some("CONVERSATIONS_READ")),
    ("query { conversation(id: \"conv_x\") { id } }", "vao", Some("CONVERSATIONS_READ")),
    ("query { cannedResponses { id } }", "ao", Some("CONVERSATIONS_READ")),
    ("query { visitorBlocks { edges { cursor } } }", "ao", Some("VISITORS_READ")),
    ("mutation { updateProfile(input: {name: \"N\"}) { id } }", "ao", None),
    ("mutation { changePassword(currentPassword: \"wrong password\", newPassword: \"another password\") { accessToken } }", "ao", None),
    ("mutation { inviteAgent(input: {email: \"new@x.test\", role: AGENT}) { id } }", "o", None),
    ("mutation { resendInvite(id: \"inv_x\") { id } }", "o", None),
    ("mutation { revokeInvite(id: \"inv_x\") }", "o", None),
    ("mutation { removeAgent(agentId: \"agt_x\") { id } }", "o", None),
    ("mutation { setAgentRole(agentId: \"agt_x\", role: AGENT) { id } }", "o", None),
    ("mutation { setAgentStatus(status: AWAY) { id } }", "ao", None),
    ("mutation { createApiKey(name: \"k\") { secret } }", "o", None),
    ("mutation { revokeApiKey(id: \"key_x\") }", "o", None),
    ("mutation { retryJob(id: \"job_x\") { id } }", "o", None),
    ("mutation { createDepartment(name: \"Sales\") { id } }", "o", None),
    ("query { routingSettings { assignment } }", "ao", None),
    ("query { queueSummary { waiting } }", "ao", None),
    ("mutation { updateRoutingSettings(input: {pendingCounts: true}) { assignment } }", "o", None),
    ("mutation { setDepartmentAssignment(id: \"dep_x\", assignment: ROUND_ROBIN) { id } }", "o", None),
    ("mutation { setAgentCapacity(agentId: \"agt_x\", capacity: 3) { id } }", "o", None),
    ("mutation { setConversationPriority(conversationId: \"conv_x\", priority: HIGH) { id } }", "ao", Some("CONVERSATIONS_WRITE")),
    ("mutation { setConversationTags(conversationId: \"conv_x\", tags: [\"vip\"]) { id } }", "ao", Some("CONVERSATIONS_WRITE")),
    ("query { routingRules { id } }", "ao", None),
    ("query { slaPolicies { id } }", "ao", None),
    ("mutation { acceptOffer(conversationId: \"conv_x\") { id } }", "ao", None),
    ("mutation { declineOffer(conversationId: \"conv_x\") { id } }", "ao", None),
    ("query { organizationSchedule { timeZone } }", "ao", None),
    ("mutation { updateOrganizationSchedule(timeZone: \"UTC\", holidays: []) { timeZone } }", "o", None),
    ("mutation { createSlaPolicy(input: {name: \"S\", firstResponseSeconds: 600}) { id } }", "o", None),
    ("mutation { updateSlaPolicy(id: \"sla_x\", input: {name: \"S\", firstResponseSeconds: 600}) { id } }", "o", None),
    ("mutation { deleteSlaPolicy(id: \"sla_x\") }", "o", None),
    ("mutation { createRoutingRule(input: {name: \"R\", conditions: [], actions: {tags: [\"x\"]}}) { id } }", "o", None),
    ("mutation { updateRoutingRule(id: \"rul_x\", input: {name: \"R\", conditions: [], actions: {tags: [\"x\"]}}) { id } }", "o", None),
    ("mutation { deleteRoutingRule(id: \"rul_x\") }", "o", None),
    ("mutation { orderRoutingRules(ids: []) { id } }", "o", None),
    ("query { triggers { id } }", "ao", None),
    ("query { automations { id } }", "ao", None),
    ("query { routingRuleDryRun(input: {name: \"R\", conditions: [], actions: {tags: [\"x\"]}}) { checked } }", "o", None),
    ("query { automationDryRun(input: {name: \"A\", event: CONVERSATION_CREATED, actions: {tags: [\"x\"]}}) { checked } }", "o", None),
    ("query { triggerDryRun(websiteId: \"web_x\", conditions: []) { checked } }", "o", None),
    ("mutation { createTrigger(websiteId: \"web_x\", input: {name: \"T\", conditions: [], message: \"Hi\"}) { id } }", "o", None),
    ("mutation { updateTrigger(id: \"trg_x\", input: {name: \"T\", conditions: [], message: \"Hi\"}) { id } }", "o", None),
    ("mutation { deleteTrigger(id: \"trg_x\") }", "o", None),
    ("mutation { createAutomation(input: {name: \"A\", event: CONVERSATION_CREATED, actions: {tags: [\"x\"]}}) { id } }", "o", None),
    ("mutation { updateAutomation(id: \"aut_x\", input: {name: \"A\", event: CONVERSATION_CREATED, actions: {tags: [\"x\"]}}) { id } }", "o", None),
    ("mutation { deleteAutomation(id: \"aut_x\") }", "o", None),
    ("mutation { followUpByEmail(conversationId: \"conv_x\") { id } }", "v", None),
    ("query { liveVisitors { presenceId } }", "ao", None),
    ("query { webPushPublicKey }", "ao", None),
    ("mutation { unsubscribeWebPush(endpoint: \"https://push.example/x\") }", "ao", None),
    ("mutation { testWebPush }", "ao", None),
    ("mutation { subscribeWebPush(endpoint: \"https://8.8.8.8/x\", p256dh: \"x\", auth: \"x\") }", "ao", None),
    ("mutation { orderTriggers(websiteId: \"web_x\", ids: []) { id } }", "o", None),
    ("mutation { orderAutomations(ids: []) { id } }", "o", None),
    ("mutation { messageLiveVisitor(websiteId: \"web_x\", presenceId: \"p_0123456789abcdef\", body: \"hi\") }", "ao", None),
    ("mutation { updateDepartment(id: \"dep_x\", name: \"S\") { id } }", "o", None),
    ("mutation { deleteDepartment(id: \"dep_x\") }", "o", None),
    ("mutation { addDepartmentMember(departmentId: \"dep_x\", agentId: \"agt_x\") { id } }", "o", None),
    ("mutation { removeDepartmentMember(departmentId: \"dep_x\", agentId: \"agt_x\") { id } }", "o", None),
    ("mutation { createWebsite(input: {name: \"Shop\"}) { id } }", "o", Some("WEBSITES_MANAGE")),
    ("mutation { updateWebsite(id: \"web_x\", input: {name: \"Shop\"}) { id } }", "o", Some("WEBSITES_MANAGE")),
    ("mutation { setVisitorAttributes(input: {websiteId: \"web_x\", externalId: \"u\"}) { id } }", "ao", Some("VISITORS_WRITE")),
    ("mutation { deleteWebsite(id: \"web_x\") }", "o", Some("WEBSITES_MANAGE")),
    ("mutation { setMyAttributes(attributes: [{key: \"k\", value: \"v\"}]) { id } }", "v", None),
    ("mutation { trackPageView(input: {url: \"https://shop.test/\"}) }", "v", None),
    ("mutation { trackEvents(input: {events: [{name: \"viewed\"}]}) }", "v", None),
    ("mutation { startConversation(input: {}) { id } }", "v", None),
    ("mutation { assignConversation(input: {conversationId: \"conv_x\"}) { id } }", "ao", Some("CONVERSATIONS_WRITE")),
    ("mutation { setConversationStatus(conversationId: \"conv_x\", status: RESOLVED) { id } }", "ao", Some("CONVERSATIONS_WRITE")),
    ("mutation { rateConversation(conversationId: \"conv_x\", rating: 5) { id } }", "v", None),
    ("mutation { createCannedResponse(input: {shortcut: \"hi\", title: \"Hi\", body: \"Hello\"}) { id } }", "ao", Some("CONVERSATIONS_WRITE")),
    ("mutation { updateCannedResponse(id: \"can_x\", input: {title: \"T\"}) { id } }", "ao", Some("CONVERSATIONS_WRITE")),
    ("mutation { deleteCannedResponse(id: \"can_x\") }", "ao", Some("CONVERSATIONS_WRITE")),
    ("mutation { sendMessage(input: {conversationId: \"conv_x\", body: \"hi\"}) { id } }", "vao", Some("MESSAGES_WRITE")),
    ("mutation { setTyping(conversationId: \"conv_x\", isTyping: true) }", "vao", Some("MESSAGES_WRITE")),
    ("mutation { sendTranscript(conversationId: \"conv_x\") }", "v", None),
    ("mutation { markRead(conversationId: \"conv_x\", messageId: \"msg_x\") }", "vao", Some("MESSAGES_WRITE")),
    ("mutation { blockVisitor(input: {visitorId: \"vis_x\"}) { id } }", "ao", Some("VISITORS_WRITE")),
    ("mutation { unblockVisitor(id: \"blk_x\") }", "ao", Some("VISITORS_WRITE")),
    ("query { erasures { id } }", "o", Some("VISITORS_ERASE")),
    ("query { erasure(id: \"era_x\") { id } }", "o", Some("VISITORS_ERASE")),
    ("query { erasureMode }", "o", Some("VISITORS_ERASE")),
    ("mutation { eraseVisitor(input: {visitorId: \"vis_x\"}) { id } }", "o", Some("VISITORS_ERASE")),
    ("mutation { setErasureMode(mode: TOMBSTONE) }", "o", None),
    ("query { exports { id } }", "o", Some("VISITORS_EXPORT")),
    ("query { export(id: \"exp_x\") { id } }", "o", Some("VISITORS_EXPORT")),
    ("mutation { exportVisitor(input: {visitorId: \"vis_x\"}) { id } }", "o", Some("VISITORS_EXPORT")),
    ("mutation { exportOrganization { id } }", "o", None),
    ("mutation { deleteMyData }", "v", None),
    ("query { webhookEndpoints { id } }", "o", Some("WEBHOOKS_MANAGE")),
    ("query { webhookEndpoint(id: \"whe_x\") { id } }", "o", Some("WEBHOOKS_MANAGE")),
    ("query { webhookEventTypes }", "o", Some("WEBHOOKS_MANAGE")),
    ("mutation { createWebhookEndpoint(input: {url: \"ftp://x\"}) { id } }", "o", Some("WEBHOOKS_MANAGE")),
    ("mutation { updateWebhookEndpoint(id: \"whe_x\", input: {description: \"d\"}) { id } }", "o", Some("WEBHOOKS_MANAGE")),
    ("mutation { deleteWebhookEndpoint(id: \"whe_x\") }", "o", Some("WEBHOOKS_MANAGE")),
    ("mutation { rotateWebhookSecret(id: \"whe_x\") { id } }", "o", Some("WEBHOOKS_MANAGE")),
    ("mutation { testWebhookEndpoint(id: \"whe_x\") }", "o", Some("WEBHOOKS_MANAGE")),
    ("mutation { replayWebhookAttempt(id: \"wha_x\") { id } }", "o", Some("WEBHOOKS_MANAGE")),
    ("mutation { recoverWebhookEndpoint(id: \"whe_x\", since: \"2026-12-01T00:00:00Z\") }", "o", Some("WEBHOOKS_MANAGE")),
    ("query { heldEmails(conversationId: \"conv_x\") { id } }", "ao", Some("CONVERSATIONS_READ")),
    ("mutation { releaseHeldEmail(id: \"hem_x\") { id } }", "ao", None),
    ("mutation { discardHeldEmail(id: \"hem_x\") }", "ao", None),
    ("query { slackIntegration { teamId } }", "o", None),
    ("query { slackAppManifest }", "o", None),
    ("mutation { connectSlack(input: {botToken: \"nope\"}) { teamId } }", "o", None),
    ("mutation { disconnectSlack }", "o", None),
    ("query { analytics(input: {from: \"2026-12-01T00:00:00Z\", to: \"2026-12-02T00:00:00Z\"}) { totals { episodes } } }", "o", Some("ANALYTICS_READ")),
    ("query { operationsNow { waiting } }", "o", Some("ANALYTICS_READ")),
    ("query { articles { edges { cursor } } }", "ao", Some("WEBSITES_READ")),
    ("query { article(id: \"art_x\") { id } }", "ao", Some("WEBSITES_READ")),
    ("mutation { createArticle(input: {websiteId: \"web_x\", title: \"T\", body: \"B\", language: \"en\"}) { id } }", "ao", Some("WEBSITES_MANAGE")),
    ("mutation { updateArticle(id: \"art_x\", input: {title: \"T\"}) { id } }", "ao", Some("WEBSITES_MANAGE")),
    ("mutation { deleteArticleText(id: \"art_x\", language: \"nb\") { id } }", "ao", Some("WEBSITES_MANAGE")),
    ("mutation { publishArticle(id: \"art_x\") { id } }", "o", Some("WEBSITES_MANAGE")),
    ("mutation { unpublishArticle(id: \"art_x\") { id } }", "o", Some("WEBSITES_MANAGE")),
    ("mutation { deleteArticle(id: \"art_x\") }", "o", Some("WEBSITES_MANAGE")),
    ("query { assistantSettings(websiteId: \"web_x\") { answerBot } }", "o", Some("WEBSITES_READ")),
    ("mutation { updateAssistantSettings(websiteId: \"web_x\", input: {answerBot: true}) { answerBot } }", "o", Some("WEBSITES_MANAGE")),
    ("query { answerBotPreview(websiteId: \"web_x\") { answers } }", "o", None),
    ("query { botAnswers(conversationId: \"conv_x\") { score } }", "ao", Some("CONVERSATIONS_READ")),
    ("query { replySuggestions(conversationId: \"conv_x\") { text } }", "ao", Some("CONVERSATIONS_READ")),
    ("query { conversationSummary(conversationId: \"conv_x\") { text } }", "ao", Some("CONVERSATIONS_READ")),
    ("mutation { setHelpCenterDomain(websiteId: \"web_x\", domain: \"help.example.com\") { id } }", "o", Some("WEBSITES_MANAGE")),
];

const SCOPES: [&str; 11] = [
    "CONVERSATIONS_READ",
    "CONVERSATIONS_WRITE",
    "MESSAGES_WRITE",
    "VISITORS_READ",
    "VISITORS_WRITE",
    "VISITORS_ERASE",
    "VISITORS_EXPORT",
    "WEBSITES_READ",
    "WEBSITES_MANAGE",
    "WEBHOOKS_MANAGE",
    "ANALYTICS_READ",
];

/// A refusal by the audience check (a wrong current password is `FORBIDDEN` too, but not
/// with these words), or `None` when the call got past it.
fn refusal(r: &serde_json::Value) -> Option<String> {
    let code = r.get("errors").map(|_| code_of(r)).unwrap_or_default();
    let message = r["errors"][0]["message"].as_str().unwrap_or("");
    let refused =
        code == "UNAUTHENTICATED" || (code == "FORBIDDEN" && (message.starts_with("this operation") || message.starts_with("this API key does not have")));
    refused.then(|| format!("{code}: {message}"))
}

#[tokio::test]
async fn each_operation_admits_exactly_its_audience_and_each_key_scope_exactly_its_operations() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let agent = app.add_agent(&owner, "Bo", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    let visitor = app.visitor(&site).await;
    let key_with = |scopes: &[&str]| {
        let doc = format!("mutation {{ createApiKey(name: \"bot\", scopes: [{}]) {{ secret }} }}", scopes.join(", "));
        let (app, owner) = (&app, &owner);
        async move { app.ok(Some(&owner.token), &doc, json!({})).await["createApiKey"]["secret"].as_str().unwrap().to_owned() }
    };
    let every_scope = key_with(&SCOPES).await;
    let mut one_scope = Vec::new();
    for scope in SCOPES {
        one_scope.push((scope, key_with(&[scope]).await));
    }
    let callers = [('v', visitor.token.as_str()), ('a', agent.token.as_str()), ('o', owner.token.as_str()), ('k', every_scope.as_str())];
    for (doc, audience, key_scope) in MATRIX {
        let anonymous = app.gql(None, doc, json!({})).await;
        assert_eq!(code_of(&anonymous), "UNAUTHENTICATED", "anonymous {doc}: {anonymous}");
        for (kind, token) in callers {
            let r = app.gql(Some(token), doc, json!({})).await;
            let admitted = if kind == 'k' { key_scope.is_some() } else { audience.contains(kind) };
            match refusal(&r) {
                Some(why) => assert!(!admitted, "{kind} may call {doc}: {why}"),
                None => assert!(admitted, "{kind} may not call {doc}: {r}"),
            }
            if !admitted {
                assert_eq!(code_of(&r), "FORBIDDEN", "{kind} may not call {doc}: {r}");
            }
        }
        // A key with one scope: exactly the operations of that scope.
        for (scope, token) in &one_scope {
            let r = app.gql(Some(token), doc, json!({})).await;
            // WEBSITES_MANAGE includes WEBSITES_READ.
            let admitted = key_scope == &Some(*scope) || (*scope == "WEBSITES_MANAGE" && key_scope == &Some("WEBSITES_READ"));
            match refusal(&r) {
                Some(why) => assert!(!admitted, "a {scope} key may call {doc}: {why}"),
                None => assert!(admitted, "a {scope} key may not call {doc}: {r}"),
            }
            if !admitted {
                assert_eq!(code_of(&r), "FORBIDDEN", "a {scope} key may not call {doc}: {r}");
            }
        }
    }
    // Every scope grants at least one operation (VISITORS_ERASE: eraseVisitor).
    for scope in SCOPES {
        assert!(MATRIX.iter().any(|(_, _, s)| *s == Some(scope)), "{scope} grants nothing");
    }
}
