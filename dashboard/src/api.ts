/**
 * The GraphQL documents the dashboard needs beyond the SDK's helpers, typed by hand
 * against `schema/schema.graphql` and run through the SDK's `request` / `subscribe`
 * (the public API only). Each is a plain string branded with its result and variables.
 */
import type {
  AgentConversation,
  AgentStatus,
  Assignment,
  ConversationFilter,
  Message,
  Role,
  TypedDocument,
  WidgetPosition,
} from '@chinwag/sdk';

const doc = <R, V = Record<string, never>>(text: string) => text as TypedDocument<R, V>;

const AUTH = 'accessToken refreshToken agent { id name email role status isOnline }';
const WEBSITE = `id name publicKey allowedOrigins identitySecret createdAt appearance { color position launcherText greeting }
businessHours { timeZone intervals { day open close } } preChatFields { key label kind required options } offlineMessages poweredBy livePresence pageAnalytics visitorDeletion
goals conversionWindowDays browserRevenue`;

export interface Appearance {
  color: string;
  position: WidgetPosition;
  launcherText: string;
  greeting: string;
}

export type Weekday = 'MONDAY' | 'TUESDAY' | 'WEDNESDAY' | 'THURSDAY' | 'FRIDAY' | 'SATURDAY' | 'SUNDAY';

/** Local time `HH:MM` in the website's time zone; `close` may be `24:00` (midnight). */
export interface OpeningInterval {
  day: Weekday;
  open: string;
  close: string;
}

export interface BusinessHours {
  /** An IANA time zone, like `Europe/Oslo`. */
  timeZone: string;
  intervals: OpeningInterval[];
}

/**
 * Whether the widget tells the server who is on the site before they use the chat
 * (the Visitors page): not at all, with a beacon per page load, or with a first-party id
 * kept in the visitor's browser (returning visitors, pages per visit).
 */
export type LivePresence = 'OFF' | 'PAGE_LOAD' | 'FIRST_PARTY_ID';

export type PreChatFieldKind = 'TEXT' | 'EMAIL' | 'PHONE' | 'TEXTAREA' | 'SELECT';

/** A field of the widget's pre-chat form; the keys `name` and `email` fill the visitor's own fields. */
export interface PreChatField {
  key: string;
  label: string;
  kind: PreChatFieldKind;
  required: boolean;
  /** A `SELECT` field's choices (2 to 20); empty for the other kinds. */
  options: string[];
}

/** A website with everything its settings page shows. */
export interface WebsiteDetails {
  id: string;
  name: string;
  publicKey: string;
  allowedOrigins: string[];
  /** Owners and admins only. */
  identitySecret: string | null;
  createdAt: string;
  appearance: Appearance;
  /** Null: always open. */
  businessHours: BusinessHours | null;
  preChatFields: PreChatField[];
  /** Take messages with an email when nobody is available. */
  offlineMessages: boolean;
  /** "Powered by Chinwag" in the widget. */
  poweredBy: boolean;
  livePresence: LivePresence;
  /** The widget pushes its events to the page's `dataLayer` (Google Tag Manager, GA4). */
  pageAnalytics: boolean;
  /** Visitors may delete their own data from the widget (`deleteMyData`). */
  visitorDeletion: boolean;
  /** Event names counted as conversions besides `purchase`, which always counts (docs/analytics.md). */
  goals: string[];
  /** Days before a conversion in which a conversation started by the visitor earns it (1 to 90). */
  conversionWindowDays: number;
  /** Purchases tracked by the browser (unverified) count in revenue. */
  browserRevenue: boolean;
}

export interface UpdateWebsiteInput {
  name?: string;
  allowedOrigins?: string[];
  color?: string;
  position?: WidgetPosition;
  launcherText?: string;
  greeting?: string;
  rotateIdentitySecret?: boolean;
  businessHours?: BusinessHours;
  /** Always open again. */
  clearBusinessHours?: boolean;
  /** An empty list removes the form. */
  preChatFields?: PreChatField[];
  offlineMessages?: boolean;
  poweredBy?: boolean;
  livePresence?: LivePresence;
  pageAnalytics?: boolean;
  visitorDeletion?: boolean;
  /** Replaces the list; `purchase` is dropped from it (it always counts). */
  goals?: string[];
  conversionWindowDays?: number;
  browserRevenue?: boolean;
}

export interface AuthTokens {
  accessToken: string;
  refreshToken: string;
  agent: { id: string; name: string; email: string; role: Role; status: AgentStatus; isOnline: boolean };
}

export interface Invite {
  id: string;
  email: string;
  role: Role;
  token: string;
  expiresAt: string;
}

export interface Department {
  id: string;
  name: string;
  /** How its waiting conversations get an assignee (docs/routing.md). */
  assignment: Assignment;
  members: { id: string; name: string }[];
}

export interface PageView {
  url: string;
  title: string | null;
  referrer: string | null;
  viewedAt: string;
}

/** A purchase or goal of a visitor (docs/analytics.md#conversions). */
export interface Conversion {
  id: string;
  /** `purchase` or one of the website's goals. */
  name: string;
  /** In major units (19.99), with `currency` (ISO 4217); both null for a goal without a value. */
  value: number | null;
  currency: string | null;
  /** Posted by the website's server; false: tracked by the browser. */
  verified: boolean;
  /** The conversation it is attributed to, if any. */
  conversationId: string | null;
  occurredAt: string;
}

/** What the visitor sidebar shows. */
export interface VisitorDetails {
  id: string;
  name: string | null;
  email: string | null;
  /** Signed by the site's server or confirmed by its owner (docs/api.md). */
  emailVerified: boolean;
  externalId: string | null;
  userAgent: string | null;
  isOnline: boolean;
  /** The page the visitor is on now. */
  currentUrl: string | null;
  /** Newest first. */
  pageViews: PageView[];
  /** Pre-chat answers and attributes the browser set, and (`fromServer`) those the site's server set. */
  attributes: { key: string; value: string; fromServer: boolean }[];
  /** Newest first. */
  conversions: Conversion[];
  createdAt: string;
  lastSeenAt: string;
}

/** A team member with what the team list shows beyond the SDK's fields. */
export interface AgentDetails {
  id: string;
  name: string;
  email: string;
  role: Role;
  status: AgentStatus;
  isOnline: boolean;
  avatarUrl: string | null;
  /** The most chats the router gives them at once; 0: the organization's default. */
  capacity: number;
}

export const WebsitesDetailsDocument = doc<{ websites: WebsiteDetails[] }>(`query WebsitesDetails { websites { ${WEBSITE} } }`);

export const CreateWebsiteDetailsDocument = doc<
  { createWebsite: WebsiteDetails },
  { input: { name: string; allowedOrigins?: string[] } }
>(`mutation CreateWebsiteDetails($input: CreateWebsiteInput!) { createWebsite(input: $input) { ${WEBSITE} } }`);

export const UpdateWebsiteDocument = doc<{ updateWebsite: WebsiteDetails }, { id: string; input: UpdateWebsiteInput }>(
  `mutation UpdateWebsite($id: ID!, $input: UpdateWebsiteInput!) { updateWebsite(id: $id, input: $input) { ${WEBSITE} } }`,
);

export const LogOutDocument = doc<{ logOut: boolean }, { refreshToken: string }>(
  'mutation LogOut($refreshToken: String!) { logOut(refreshToken: $refreshToken) }',
);

export const ChangePasswordDocument = doc<{ changePassword: AuthTokens }, { currentPassword: string; newPassword: string }>(
  `mutation ChangePassword($currentPassword: String!, $newPassword: String!) { changePassword(currentPassword: $currentPassword, newPassword: $newPassword) { ${AUTH} } }`,
);

export const AcceptInviteDocument = doc<
  { acceptInvite: AuthTokens },
  { input: { token: string; name: string; password: string } }
>(`mutation AcceptInvite($input: AcceptInviteInput!) { acceptInvite(input: $input) { ${AUTH} } }`);

export const InviteAgentDocument = doc<{ inviteAgent: Invite }, { input: { email: string; role: Role } }>(
  'mutation InviteAgent($input: InviteAgentInput!) { inviteAgent(input: $input) { id email role token expiresAt } }',
);

export const RemoveAgentDocument = doc<{ removeAgent: { id: string } }, { agentId: string }>(
  'mutation RemoveAgent($agentId: ID!) { removeAgent(agentId: $agentId) { id } }',
);

export const SetAgentRoleDocument = doc<{ setAgentRole: { id: string; role: Role } }, { agentId: string; role: Role }>(
  'mutation SetAgentRole($agentId: ID!, $role: Role!) { setAgentRole(agentId: $agentId, role: $role) { id role } }',
);

const DEPARTMENT = 'id name assignment members { id name }';
export const DepartmentsDetailsDocument = doc<{ departments: Department[] }>(
  `query DepartmentsDetails { departments { ${DEPARTMENT} } }`,
);
export const CreateDepartmentDocument = doc<{ createDepartment: Department }, { name: string }>(
  `mutation CreateDepartment($name: String!) { createDepartment(name: $name) { ${DEPARTMENT} } }`,
);
export const DeleteDepartmentDocument = doc<{ deleteDepartment: boolean }, { id: string }>(
  'mutation DeleteDepartment($id: ID!) { deleteDepartment(id: $id) }',
);
export const AddDepartmentMemberDocument = doc<{ addDepartmentMember: Department }, { departmentId: string; agentId: string }>(
  `mutation AddDepartmentMember($departmentId: ID!, $agentId: ID!) { addDepartmentMember(departmentId: $departmentId, agentId: $agentId) { ${DEPARTMENT} } }`,
);
export const RemoveDepartmentMemberDocument = doc<
  { removeDepartmentMember: Department },
  { departmentId: string; agentId: string }
>(
  `mutation RemoveDepartmentMember($departmentId: ID!, $agentId: ID!) { removeDepartmentMember(departmentId: $departmentId, agentId: $agentId) { ${DEPARTMENT} } }`,
);

export const VisitorDetailsDocument = doc<
  {
    conversation: { id: string; visitor: VisitorDetails };
    website: { id: string; name: string; preChatFields: { key: string; label: string }[] };
  },
  { id: string; websiteId: string }
>(
  `query VisitorDetails($id: ID!, $websiteId: ID!) { conversation(id: $id) { id visitor { id name email emailVerified externalId userAgent isOnline
  currentUrl pageViews(first: 10) { url title referrer viewedAt } attributes { key value fromServer }
  conversions(first: 20) { id name value currency verified conversationId occurredAt } createdAt lastSeenAt } }
  website(id: $websiteId) { id name preChatFields { key label } } }`,
);

/** A page of a paginated list: `first` nodes, and the cursor to pass as `after` for more. */
export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** A block in force: the visitor's sessions are refused (and, with `coversNetwork`, its network's). */
export interface VisitorBlock {
  id: string;
  /** Null if the visitor was deleted since. */
  visitor: { id: string; name: string | null } | null;
  /** The verified external id the block also covers. */
  externalId: string | null;
  coversNetwork: boolean;
  reason: string | null;
  /** The agent (`agt_…`) or API key (`key_…`) that made it. */
  createdBy: string;
  createdAt: string;
}

const BLOCK = 'id visitor { id name } externalId coversNetwork reason createdBy createdAt';

/** The blocks in force, newest first; of one visitor with `visitorId`. */
export const VisitorBlocksDocument = doc<
  { visitorBlocks: Connection<VisitorBlock> },
  { visitorId?: string; first: number; after?: string }
>(
  `query VisitorBlocks($visitorId: ID, $first: Int, $after: String) { visitorBlocks(visitorId: $visitorId, first: $first, after: $after) {
  edges { cursor node { ${BLOCK} } } pageInfo { hasNextPage endCursor } } }`,
);
export const BlockVisitorDocument = doc<
  { blockVisitor: VisitorBlock },
  { input: { visitorId: string; reason?: string; network: boolean } }
>(`mutation BlockVisitor($input: BlockVisitorInput!) { blockVisitor(input: $input) { ${BLOCK} } }`);
export const UnblockVisitorDocument = doc<{ unblockVisitor: boolean }, { id: string }>(
  'mutation UnblockVisitor($id: ID!) { unblockVisitor(id: $id) }',
);

/** What the conversation header needs beyond the SDK's fields (it never changes). */
export const ConversationExtrasDocument = doc<{ conversation: { id: string; isOffline: boolean } }, { id: string }>(
  'query ConversationExtras($id: ID!) { conversation(id: $id) { id isOffline } }',
);

/** Where a reply suggestion comes from: a saved reply, a published article, or the team's reply to a similar past question. */
export type ReplySuggestionKind = 'CANNED' | 'ARTICLE' | 'PAST_REPLY';

/** A reply an agent could send to the visitor's latest message (docs/assistant.md, "Reply suggestions"). */
export interface ReplySuggestion {
  kind: ReplySuggestionKind;
  /** The saved reply's or article's title, or the similar past question. */
  title: string;
  /** What goes into the composer. */
  text: string;
  sourceId: string;
}

/** Best first; empty when the latest visitor message has nothing to go on. Staff, 120 a minute. */
export const ReplySuggestionsDocument = doc<{ replySuggestions: ReplySuggestion[] }, { conversationId: string; first: number }>(
  'query ReplySuggestions($conversationId: ID!, $first: Int!) { replySuggestions(conversationId: $conversationId, first: $first) { kind title text sourceId } }',
);

/** What the visitor made of a bot answer; null until they say. */
export type BotAnswerOutcome = 'HELPED' | 'HANDOVER';

/** The answer bot's answers in a conversation, oldest first: which message answered, and how it went. */
export const BotAnswersDocument = doc<
  { botAnswers: { id: string; answerMessageId: string; outcome: BotAnswerOutcome | null }[] },
  { conversationId: string }
>('query BotAnswers($conversationId: ID!) { botAnswers(conversationId: $conversationId) { id answerMessageId outcome } }');

/** How a visitor's message feels (docs/assistant.md, "Sentiment and language"). */
export interface MessageSentiment {
  /** From -1 (very negative) to 1 (very positive). */
  score: number;
  label: 'NEGATIVE' | 'NEUTRAL' | 'POSITIVE';
  /** Strongly negative, or negative and shouting. */
  angry: boolean;
}

/**
 * The language and sentiment of a conversation's latest `last` messages (staff only; null
 * for the team's own messages and for a message too short to tell). Worked out by the
 * server when read, so asked for apart from the SDK's messages, which the widget shares.
 */
export const MessageSignalsDocument = doc<
  { conversation: { messages: { nodes: { id: string; language: string | null; sentiment: MessageSentiment | null }[] } } },
  { id: string; last: number }
>(
  'query MessageSignals($id: ID!, $last: Int) { conversation(id: $id) { messages(last: $last) { nodes { id language sentiment { score label angry } } } } }',
);

/** A few lines for the agent taking a conversation over; `generated`: a model server wrote it. Staff, 30 a minute. */
export const ConversationSummaryDocument = doc<
  { conversationSummary: { text: string; generated: boolean } },
  { conversationId: string }
>('query ConversationSummary($conversationId: ID!) { conversationSummary(conversationId: $conversationId) { text generated } }');

/** Why an email reply was held: `From` is not the visitor's address, or it failed DMARC (docs/email.md). */
export type HeldEmailReason = 'SENDER_MISMATCH' | 'DMARC_FAIL';

/** An email reply that waits for an agent to post it as the visitor's message, or discard it. */
export interface HeldEmail {
  id: string;
  /** As the email claims it. */
  fromAddress: string;
  subject: string;
  /** The text above the quoted conversation: plain text, never HTML. */
  body: string;
  reason: HeldEmailReason;
  receivedAt: string;
}

/** The conversation's held email replies, oldest first. */
export const HeldEmailsDocument = doc<{ heldEmails: HeldEmail[] }, { conversationId: string }>(
  'query HeldEmails($conversationId: ID!) { heldEmails(conversationId: $conversationId) { id fromAddress subject body reason receivedAt } }',
);

/** Posts a held email as the visitor's message (with its attachments). */
export const ReleaseHeldEmailDocument = doc<{ releaseHeldEmail: { id: string; body: string } }, { id: string }>(
  'mutation ReleaseHeldEmail($id: ID!) { releaseHeldEmail(id: $id) { id body } }',
);

/** Deletes a held email without posting it; `true` either way. */
export const DiscardHeldEmailDocument = doc<{ discardHeldEmail: boolean }, { id: string }>(
  'mutation DiscardHeldEmail($id: ID!) { discardHeldEmail(id: $id) }',
);

export const RequestPasswordResetDocument = doc<{ requestPasswordReset: boolean }, { email: string }>(
  'mutation RequestPasswordReset($email: String!) { requestPasswordReset(email: $email) }',
);

export const ResetPasswordDocument = doc<{ resetPassword: AuthTokens }, { token: string; password: string }>(
  `mutation ResetPassword($token: String!, $password: String!) { resetPassword(token: $token, password: $password) { ${AUTH} } }`,
);

const AGENT = 'id name email role status isOnline avatarUrl capacity';
export const AgentsDetailsDocument = doc<{ agents: AgentDetails[] }>(`query AgentsDetails { agents { ${AGENT} } }`);
export const MeDetailsDocument = doc<{ me: AgentDetails }>(`query MeDetails { me { ${AGENT} } }`);
export const UpdateProfileDocument = doc<
  { updateProfile: AgentDetails },
  { input: { name?: string; avatarUrl?: string; email?: string; currentPassword?: string } }
>(`mutation UpdateProfile($input: UpdateProfileInput!) { updateProfile(input: $input) { ${AGENT} } }`);

const CONVERSATION = `id status websiteId visitor { id name email externalId isOnline lastSeenAt } assignee { id name } assigneeName
department { id name } priority queuePosition estimatedWaitSeconds routedBy tags offeredTo { id name } offerExpiresAt waitingSince firstResponseDueAt nextResponseDueAt resolutionDueAt slaStatus lastSeq lastMessagePreview unreadCount rating ratingComment createdAt updatedAt lastActivityAt
firstResponseAt resolvedAt isOffline`;

/**
 * A conversation as the queue shows it: the SDK's fields, whether it was left offline and
 * since when it waits in line (null when it does not).
 */
export type QueueConversation = AgentConversation & { isOffline: boolean; waitingSince: string | null };

/** How `conversations` sorts: latest activity first, or the soonest open SLA due time first (nothing due last). */
export type ConversationOrder = 'RECENT' | 'DUE_FIRST';

/** The queue's pages (the SDK's `conversations` leaves `isOffline` and `waitingSince` out). */
export const QueueConversationsDocument = doc<
  {
    conversations: { nodes: QueueConversation[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  },
  { filter: ConversationFilter; first: number; after?: string; order?: ConversationOrder }
>(
  `query QueueConversations($filter: ConversationFilter, $first: Int, $after: String, $order: ConversationOrder) {
  conversations(filter: $filter, first: $first, after: $after, order: $order) { nodes { ${CONVERSATION} } pageInfo { hasNextPage endCursor } } }`,
);

/**
 * The inbox stream with the conversation on every message (the SDK's `InboxEvents`
 * leaves it out), so the queue can place a conversation it has not loaded yet.
 */
export type InboxEvent =
  | { __typename: 'ConversationCreated'; conversation: QueueConversation }
  | { __typename: 'ConversationUpdated'; conversation: QueueConversation }
  | {
      __typename: 'InboxMessageAdded';
      conversationId: string;
      preview: string;
      message: Message;
      conversation: QueueConversation;
    }
  | { __typename: 'VisitorPresenceChanged'; visitorId: string; online: boolean };

export const DashboardInboxDocument = doc<{ inboxEvents: InboxEvent }>(
  `subscription DashboardInbox { inboxEvents { __typename
  ... on ConversationCreated { conversation { ${CONVERSATION} } }
  ... on ConversationUpdated { conversation { ${CONVERSATION} } }
  ... on InboxMessageAdded { conversationId preview message { id conversationId seq body senderKind senderId isPrivate clientMessageId createdAt } conversation { ${CONVERSATION} } }
  ... on VisitorPresenceChanged { visitorId online } } }`,
);

/** A file sent with a message (`Message.attachments`). */
export interface Attachment {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  /** A server-relative signed link, valid for an hour. */
  url: string;
  /** Safe to show inline (PNG, JPEG, GIF, WebP). */
  isImage: boolean;
}

/** What `POST /uploads` answers (201). */
export interface UploadedFile {
  id: string;
  filename: string;
  contentType: string;
  size: number;
}

const MESSAGE = 'id conversationId seq body senderKind senderId isPrivate clientMessageId createdAt';

/** `sendMessage` with files (the SDK's `send` takes none); the message then arrives on the live stream. */
export const SendMessageWithFilesDocument = doc<
  { sendMessage: Message },
  {
    input: { conversationId: string; body: string; clientMessageId?: string; isPrivate?: boolean; attachmentIds: string[] };
  }
>(`mutation SendMessageWithFiles($input: SendMessageInput!) { sendMessage(input: $input) { ${MESSAGE} } }`);

/** The attachments of a run of messages (the SDK's messages leave them out). */
export const MessageAttachmentsDocument = doc<
  { conversation: { id: string; messages: { nodes: { id: string; attachments: Attachment[] }[] } } },
  { id: string; first?: number; after?: string; last?: number; before?: string }
>(
  `query MessageAttachments($id: ID!, $first: Int, $after: ID, $last: Int, $before: ID) { conversation(id: $id) { id
  messages(first: $first, after: $after, last: $last, before: $before) { nodes { id attachments { id filename contentType size url isImage } } } } }`,
);

/** One audited action: who (`actorKind` and `actorId`, with the agent's name) did what to what. */
export interface AuditEntry {
  id: string;
  /** `agent.invite`, `visitor.block`, ...: see settings/AuditLog.tsx for the known ones. */
  action: string;
  actorKind: 'agent' | 'api_key' | 'visitor' | (string & {});
  actorId: string;
  /** The agent's name, when the actor is an agent of the organization. */
  actorName: string | null;
  targetId: string | null;
  /** The client address the server saw. */
  ip: string | null;
  createdAt: string;
}

export interface AuditLogFilter {
  action?: string;
  actorId?: string;
  since?: string;
  until?: string;
}

/** The organization's audit log, newest first (owners and admins). */
export const AuditLogDocument = doc<
  { auditLog: Connection<AuditEntry> },
  { filter?: AuditLogFilter; first: number; after?: string }
>(
  `query AuditLog($filter: AuditLogFilter, $first: Int, $after: String) { auditLog(filter: $filter, first: $first, after: $after) {
  edges { cursor node { id action actorKind actorId actorName targetId ip createdAt } } pageInfo { hasNextPage endCursor } } }`,
);

/** A server-to-server key of the organization; its secret is only ever in `CreatedApiKey`. */
export interface ApiKey {
  id: string;
  name: string;
  createdAt: string;
  revokedAt: string | null;
  /** Kept to within a minute by the server. */
  lastUsedAt: string | null;
  /** None: the key never expires. */
  expiresAt: string | null;
  /** What the key may do (docs/api.md, "API key scopes"). */
  scopes: ApiKeyScope[];
  /** The websites the key is limited to; null: all of the organization's, present and future. */
  websiteIds: string[] | null;
}

export type ApiKeyScope =
  | 'CONVERSATIONS_READ'
  | 'CONVERSATIONS_WRITE'
  | 'MESSAGES_WRITE'
  | 'VISITORS_READ'
  | 'VISITORS_WRITE'
  | 'VISITORS_ERASE'
  | 'VISITORS_EXPORT'
  | 'WEBSITES_READ'
  | 'WEBSITES_MANAGE';

const API_KEY = 'id name createdAt revokedAt lastUsedAt expiresAt scopes websiteIds';

/** The organization's API keys, revoked ones too (owners and admins). */
export const ApiKeysDocument = doc<{ apiKeys: ApiKey[] }>(`query ApiKeys { apiKeys { ${API_KEY} } }`);

/**
 * A new key; `secret` is returned this once and never again. `expiresAt`: RFC 3339, in
 * the future; `scopes` omitted: the server's default set; `websiteIds` omitted: every website.
 */
export const CreateApiKeyDocument = doc<
  { createApiKey: { secret: string; apiKey: ApiKey } },
  { name: string; expiresAt?: string | null; scopes?: ApiKeyScope[]; websiteIds?: string[] | null }
>(
  `mutation CreateApiKey($name: String!, $expiresAt: DateTime, $scopes: [ApiKeyScope!], $websiteIds: [ID!]) {
  createApiKey(name: $name, expiresAt: $expiresAt, scopes: $scopes, websiteIds: $websiteIds) { secret apiKey { ${API_KEY} } } }`,
);

/** The organization's websites by name (what a key may be limited to). */
export const WebsiteNamesDocument = doc<{ websites: { id: string; name: string }[] }>(
  'query WebsiteNames { websites { id name } }',
);

export const RevokeApiKeyDocument = doc<{ revokeApiKey: boolean }, { id: string }>(
  `mutation RevokeApiKey($id: ID!) { revokeApiKey(id: $id) }`,
);

/** The server's VAPID key (base64url): the `applicationServerKey` of this browser's push subscription. */
export const WebPushPublicKeyDocument = doc<{ webPushPublicKey: string }>('query WebPushPublicKey { webPushPublicKey }');

/** Saves this browser's push subscription (`PushSubscription.toJSON()`) for the signed-in agent. */
export const SubscribeWebPushDocument = doc<{ subscribeWebPush: boolean }, { endpoint: string; p256dh: string; auth: string }>(
  `mutation SubscribeWebPush($endpoint: String!, $p256dh: String!, $auth: String!) {
  subscribeWebPush(endpoint: $endpoint, p256dh: $p256dh, auth: $auth) }`,
);

export const UnsubscribeWebPushDocument = doc<{ unsubscribeWebPush: boolean }, { endpoint: string }>(
  'mutation UnsubscribeWebPush($endpoint: String!) { unsubscribeWebPush(endpoint: $endpoint) }',
);

/** A test notification to each of the agent's subscriptions; how many. */
export const TestWebPushDocument = doc<{ testWebPush: number }>('mutation TestWebPush { testWebPush }');
