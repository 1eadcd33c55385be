#[test]
fn the_committed_schema_equals_what_the_server_exports() {
    let committed = include_str!("../../../schema/schema.graphql");
    let exported = chinwag::graphql::sdl();
    assert!(committed == exported, "schema/schema.graphql is stale: run `cargo run --bin chinwag -- schema > schema/schema.graphql`");
}

#[test]
fn the_fixed_core_path_of_the_contract_is_present() {
    let sdl = chinwag::graphql::sdl();
    for line in [
        "signUp(input: SignUpInput!): AuthPayload!",
        "logIn(input: LogInInput!): AuthPayload!",
        "createWebsite(input: CreateWebsiteInput!): Website!",
        "startVisitorSession(input: StartVisitorSessionInput!): VisitorSession!",
        "startConversation(input: StartConversationInput!): Conversation!",
        "sendMessage(input: SendMessageInput!): Message!",
        "setTyping(conversationId: ID!, isTyping: Boolean!, isPrivate: Boolean): Boolean!",
        "markRead(conversationId: ID!, messageId: ID!): Boolean!",
        "widgetConfig(websiteKey: String!): WidgetConfig!",
        // DESIGN.md's `(conversationId: ID!, after: ID)`, then the optional arguments added
        // since (at the end, so the fixed part reads the same).
        "conversationEvents(conversationId: ID!, after: ID, afterSeq: Int, current: Boolean): ConversationEvent!",
        "inboxEvents: InboxEvent!",
        "union ConversationEvent = MessageAdded | TypingChanged | ReadReceipt | ConversationUpdated",
        "enum SenderKind {",
    ] {
        assert!(sdl.contains(line), "missing from the schema: {line}");
    }
}
