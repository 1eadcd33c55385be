//! The permission matrix: every operation that needs a principal, called by each kind
//! of caller. A caller outside the operation's audience gets `FORBIDDEN` (anonymous:
//! `UNAUTHENTICATED`) and changes nothing; one inside gets past the check (its result
//! may still be `NOT_FOUND` or `BAD_USER_INPUT` for the made-up ids used here).
//! docs/api.md has the same table for people.

use serde_json::json;

use crate::helpers::*;

/// Who may call: `v` visitor, `a` agent (role AGENT), `o` owner or admin, `k` API key.
const MATRIX: &[(&str, &str)] = &[
    ("query { me { id } }", "ao"),
    ("query { agents { id } }", "aok"),
    ("query { departments { id } }", "aok"),
    ("query { invites { id } }", "o"),
    ("query { apiKeys { id } }", "o"),
    ("query { jobs { edges { cursor } } }", "o"),
    ("query { auditLog { edges { cursor } } }", "o"),
    ("query { websites { id } }", "aok"),
    ("query { website(id: \"web_x\") { id } }", "aok"),
    ("query { currentVisitor { id } }", "v"),
    ("query { conversations { edges { cursor } } }", "vaok"),
    ("query { conversation(id: \"conv_x\") { id } }", "vaok"),
    ("query { cannedResponses { id } }", "aok"),
    ("query { visitorBlocks { edges { cursor } } }", "aok"),
    ("mutation { updateProfile(input: {name: \"N\"}) { id } }", "ao"),
    ("mutation { changePassword(currentPassword: \"wrong password\", newPassword: \"another password\") { accessToken } }", "ao"),
    ("mutation { inviteAgent(input: {email: \"new@x.test\", role: AGENT}) { id } }", "o"),
    ("mutation { resendInvite(id: \"inv_x\") { id } }", "o"),
    ("mutation { revokeInvite(id: \"inv_x\") }", "o"),
    ("mutation { removeAgent(agentId: \"agt_x\") { id } }", "o"),
    ("mutation { setAgentRole(agentId: \"agt_x\", role: AGENT) { id } }", "o"),
    ("mutation { setAgentStatus(status: AWAY) { id } }", "ao"),
    ("mutation { createApiKey(name: \"k\") { secret } }", "o"),
    ("mutation { revokeApiKey(id: \"key_x\") }", "o"),
    ("mutation { retryJob(id: \"job_x\") { id } }", "o"),
    ("mutation { createDepartment(name: \"Sales\") { id } }", "o"),
    ("mutation { updateDepartment(id: \"dep_x\", name: \"S\") { id } }", "o"),
    ("mutation { deleteDepartment(id: \"dep_x\") }", "o"),
    ("mutation { addDepartmentMember(departmentId: \"dep_x\", agentId: \"agt_x\") { id } }", "o"),
    ("mutation { removeDepartmentMember(departmentId: \"dep_x\", agentId: \"agt_x\") { id } }", "o"),
    ("mutation { createWebsite(input: {name: \"Shop\"}) { id } }", "o"),
    ("mutation { updateWebsite(id: \"web_x\", input: {name: \"Shop\"}) { id } }", "o"),
    ("mutation { setVisitorAttributes(input: {websiteId: \"web_x\", externalId: \"u\"}) { id } }", "aok"),
    ("mutation { trackPageView(input: {url: \"https://shop.test/\"}) }", "v"),
    ("mutation { startConversation(input: {}) { id } }", "v"),
    ("mutation { assignConversation(input: {conversationId: \"conv_x\"}) { id } }", "aok"),
    ("mutation { setConversationStatus(conversationId: \"conv_x\", status: RESOLVED) { id } }", "aok"),
    ("mutation { rateConversation(conversationId: \"conv_x\", rating: 5) { id } }", "v"),
    ("mutation { createCannedResponse(input: {shortcut: \"hi\", title: \"Hi\", body: \"Hello\"}) { id } }", "aok"),
    ("mutation { updateCannedResponse(id: \"can_x\", input: {title: \"T\"}) { id } }", "aok"),
    ("mutation { deleteCannedResponse(id: \"can_x\") }", "aok"),
    ("mutation { sendMessage(input: {conversationId: \"conv_x\", body: \"hi\"}) { id } }", "vaok"),
    ("mutation { setTyping(conversationId: \"conv_x\", isTyping: true) }", "vaok"),
    ("mutation { sendTranscript(conversationId: \"conv_x\") }", "v"),
    ("mutation { markRead(conversationId: \"conv_x\", messageId: \"msg_x\") }", "vaok"),
    ("mutation { blockVisitor(input: {visitorId: \"vis_x\"}) { id } }", "aok"),
    ("mutation { unblockVisitor(id: \"blk_x\") }", "aok"),
];

#[tokio::test]
async fn each_operation_admits_exactly_its_audience() {
    let app = spawn_app().await;
    let owner = app.sign_up("Ann").await;
    let agent = app.add_agent(&owner, "Bo", "AGENT").await;
    let site = app.create_website(&owner, &[]).await;
    let visitor = app.visitor(&site).await;
    let key = app.ok(Some(&owner.token), "mutation { createApiKey(name: \"bot\") { secret } }", json!({})).await["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let callers = [('v', visitor.token.as_str()), ('a', agent.token.as_str()), ('o', owner.token.as_str()), ('k', key.as_str())];
    for (doc, audience) in MATRIX {
        let anonymous = app.gql(None, doc, json!({})).await;
        assert_eq!(code_of(&anonymous), "UNAUTHENTICATED", "anonymous {doc}: {anonymous}");
        for (kind, token) in callers {
            let r = app.gql(Some(token), doc, json!({})).await;
            let code = r.get("errors").map(|_| code_of(&r)).unwrap_or_default();
            if audience.contains(kind) {
                // Past the audience check (a wrong current password is FORBIDDEN too, but not this).
                let message = r["errors"][0]["message"].as_str().unwrap_or("");
                let refused = code == "UNAUTHENTICATED" || (code == "FORBIDDEN" && message.starts_with("this operation"));
                assert!(!refused, "{kind} may call {doc}: {r}");
            } else {
                assert_eq!(code, "FORBIDDEN", "{kind} may not call {doc}: {r}");
            }
        }
    }
}
