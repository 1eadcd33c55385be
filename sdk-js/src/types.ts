/**
 * Friendly names for the objects the clients return, all derived from the generated
 * operation types (so they follow the schema).
 */
import type {
  AgentConversationFieldsFragment,
  AnalyticsDurationFieldsFragment,
  AnswerDraftsSubscription,
  AnalyticsFiguresFieldsFragment,
  AnalyticsReportFieldsFragment,
  AgentFieldsFragment,
  ArticleFieldsFragment,
  ArticleSearchQuery,
  ArticlesQuery,
  AutomationFieldsFragment,
  CannedResponseFieldsFragment,
  DepartmentsQuery,
  DryRunFieldsFragment,
  InboxEventsSubscription,
  LiveVisitorsQuery,
  MessageFieldsFragment,
  OperationsNowQuery,
  OrganizationScheduleQuery,
  ReadReceiptFieldsFragment,
  RoutingRuleFieldsFragment,
  RoutingSettingsFieldsFragment,
  SetAgentCapacityMutation,
  SlaPolicyFieldsFragment,
  TriggerDryRunQuery,
  TriggerFieldsFragment,
  TypingFieldsFragment,
  VisitorConversationFieldsFragment,
  VisitorFieldsFragment,
  WebhookAttemptFieldsFragment,
  WebhookEndpointFieldsFragment,
  WebsiteFieldsFragment,
  WidgetConfigQuery,
} from './generated/types.js';

/** A stored message. `seq` numbers a conversation's messages in commit order. */
export type Message = MessageFieldsFragment;
/** Where a participant has read up to. */
export type ReadReceipt = ReadReceiptFieldsFragment;
/** A participant started or stopped typing. */
export type TypingEvent = TypingFieldsFragment;
/**
 * The answer bot's answer while the model server writes it: `text` is the whole answer so
 * far (not what was added), cleaned as the final message is; `done` (with empty `text`)
 * ends the draft.
 */
export type AnswerDraft = AnswerDraftsSubscription['answerDrafts'];
/**
 * A conversation as its visitor sees it. `queuePosition` is its place among the
 * conversations waiting for an agent (1 is next), `null` once assigned (or when not
 * waiting); a waiting conversation's `ConversationUpdated` events carry the new place.
 */
export type VisitorConversation = VisitorConversationFieldsFragment;
/**
 * A conversation as an agent sees it: visitor details, assignee, department, and the
 * router's view: `priority`, `queuePosition` (while it waits) and `routedBy` (why the
 * router assigned it, `null` when a person did), and its `tags` (staff only).
 */
export type AgentConversation = AgentConversationFieldsFragment;
/** The visitor of a visitor session. */
export type Visitor = VisitorFieldsFragment;
/** A member of the support team. */
export type Agent = AgentFieldsFragment;
/** A department, with how its waiting conversations get an assignee. */
export type Department = DepartmentsQuery['departments'][number];
/** An agent's capacity: the most chats the router gives them at once (0: the organization's default). */
export type AgentCapacity = SetAgentCapacityMutation['setAgentCapacity'];
/** The organization's time zone and holidays (see `AgentClient.organizationSchedule`). */
export type OrganizationSchedule = OrganizationScheduleQuery['organizationSchedule'];
/** How the organization's waiting conversations get an assignee (see `AgentClient.routingSettings`). */
export type RoutingSettings = RoutingSettingsFieldsFragment;
/**
 * A routing rule: when a conversation starts, the first enabled rule (lowest `position`)
 * whose `conditions` all hold applies its `actions` (department, priority, tags).
 */
export type RoutingRule = RoutingRuleFieldsFragment;
/**
 * A trigger: a website's proactive message, shown by its widget when all its
 * `conditions` hold on the visitor's page (the first enabled one, by `position`).
 */
export type Trigger = TriggerFieldsFragment;
/**
 * An automation: on its `event`, when its `conditions` hold, its `actions` run (as a
 * job, within seconds), in `position` order.
 */
export type Automation = AutomationFieldsFragment;
/**
 * What a routing rule or an automation would have done to the organization's last 100
 * conversations: how many were `checked`, how many it `matched`, and those, newest first.
 */
export type DryRun = DryRunFieldsFragment;
/** What a trigger would have done on the website's last 100 page views: the pages it matched. */
export type TriggerDryRun = TriggerDryRunQuery['triggerDryRun'];
/**
 * Someone on a website now, from the widget's beacon (websites with live presence on);
 * `visitor` is set once they have chatted.
 */
export type LiveVisitor = LiveVisitorsQuery['liveVisitors'][number];
/**
 * An SLA policy: first-response, next-response and resolution targets, in seconds, for
 * the conversations of a department and/or a priority (`null`: every one).
 */
export type SlaPolicy = SlaPolicyFieldsFragment;
/** A saved reply. */
export type CannedResponse = CannedResponseFieldsFragment;
/** A site the widget is installed on. */
export type Website = WebsiteFieldsFragment;
/** What a chat UI shows before a session exists: appearance, greeting, availability. */
export type WidgetConfig = WidgetConfigQuery['widgetConfig'];
/** One event of the organization's inbox. */
export type InboxEvent = InboxEventsSubscription['inboxEvents'];

/**
 * Where the organization's events are delivered (docs/webhooks.md), signed with `secret`
 * per the Standard Webhooks specification: check deliveries with `verifyWebhook` from
 * `@chinwag/sdk/webhooks`. `eventTypes` empty: every event. After a rotation the
 * previous secret also signs until `previousSecretExpiresAt`. A disabled endpoint
 * (`enabled: false`) says why in `disabledReason`.
 */
export type WebhookEndpoint = WebhookEndpointFieldsFragment;
/**
 * One delivery attempt of an event to an endpoint. `eventId` is the `webhook-id` header,
 * the same on every attempt of the event; `eventType` is its type (`MESSAGE_CREATED`);
 * `outcome` is `SUCCEEDED`, `FAILED` (tried again at `nextAttemptAt`), `EXHAUSTED` (the
 * schedule's last) or `GONE` (the receiver answered 410 and the endpoint was disabled);
 * `status` is `null` when no answer came.
 */
export type WebhookAttempt = WebhookAttemptFieldsFragment;
/** An endpoint with a page of its delivery log, newest first (see `AgentClient.webhookEndpoint`). */
export type WebhookEndpointDetails = WebhookEndpoint & { attempts: Page<WebhookAttempt> };

/**
 * A report (docs/analytics.md): the episodes that started in `[from, to)`, in `totals`
 * and per group (`groupBy`), as the server worked it out at `computedAt` (it counts
 * every change committed before then).
 */
export type AnalyticsReport = AnalyticsReportFieldsFragment;
/** One group of a report: `key` (an id, a tag, a period's start...), `label` to show, `figures`. */
export type AnalyticsGroup = AnalyticsReport['groups'][number];
/**
 * A report's figures, each defined in docs/analytics.md: counts (`conversations`,
 * `reopened`, `episodes`, `missed`, `resolved`, messages), durations, CSAT, conversions.
 */
export type AnalyticsFigures = AnalyticsFiguresFieldsFragment;
/**
 * Durations in seconds over `count` of them: the average is exact, p50 and p90
 * (nearest rank) are within 1%; `null` when `count` is 0.
 */
export type AnalyticsDuration = AnalyticsDurationFieldsFragment;
/**
 * The queue and the team now (see `AgentClient.operationsNow`): how many wait and since
 * when the longest has, each agent's chats and capacity, and `today` so far by hour.
 */
export type OperationsNow = OperationsNowQuery['operationsNow'];
/** An agent in {@link OperationsNow}: whether online, their open and pending chats, their capacity. */
export type AgentWork = OperationsNow['agents'][number];

/**
 * A help-center article (docs/assistant.md) with every language's text: `slug` is its
 * address (`/help/<website key>/<slug>`), `category` is empty for none, `publishedAt`
 * is when it was first published (`null` if never). Visitors see it only while `status`
 * is `PUBLISHED`.
 */
export type Article = ArticleFieldsFragment;
/** One language's text of an {@link Article}: `body` is the Markdown as written, `html` as the help center shows it. */
export type ArticleText = Article['texts'][number];
/**
 * An article as `AgentClient.articles` lists it: its languages' titles without
 * their bodies (read one with `AgentClient.article`).
 */
export type ArticleSummary = ArticlesQuery['articles']['edges'][number]['node'];
/**
 * A published article that answers a search: its `title` and an `excerpt` (plain text
 * around the first matching word) in `language`, the language of the text that matched;
 * `url` is its help-center page (absolute when the server knows its public URL, else a
 * path like `/help/<website key>/<slug>`); `score` ranks within one search only.
 */
export type ArticleHit = ArticleSearchQuery['articleSearch'][number];

/** A page of results with its cursor. */
export interface Page<T> {
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
