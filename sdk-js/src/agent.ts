/**
 * `createAgentClient`: what a member of the support team does, for a dashboard, a
 * mobile app or a script: sessions with refresh, the inbox, conversations, replies,
 * the managers' settings and reports, and the knowledge base (`knowledge-base.ts`).
 */
import { createBase, type BaseClient, type CommonOptions } from './base.js';
import {
  conversationEvents,
  liveConversation,
  type ConversationEventsOptions,
  type ConversationHandlers,
  type LiveConversation,
  type SendOptions,
} from './conversation.js';
import { isChinwagError, type ChinwagError } from './errors.js';
import { getText, rootField, type TokenSource } from './http.js';
import { articleMethods, type ArticleMethods } from './knowledge-base.js';
import {
  AcceptOfferDocument,
  AgentConversationDocument,
  AgentConversationEventsDocument,
  AgentsDocument,
  AnalyticsDocument,
  AssignConversationDocument,
  AutomationDryRunDocument,
  AutomationsDocument,
  CannedResponsesDocument,
  ConversationsDocument,
  CreateAutomationDocument,
  CreateCannedResponseDocument,
  DeclineOfferDocument,
  CreateRoutingRuleDocument,
  CreateSlaPolicyDocument,
  CreateTriggerDocument,
  CreateWebhookEndpointDocument,
  DeleteAutomationDocument,
  DeleteCannedResponseDocument,
  DeleteRoutingRuleDocument,
  DeleteSlaPolicyDocument,
  DeleteTriggerDocument,
  DeleteWebhookEndpointDocument,
  DeleteWebsiteDocument,
  DepartmentsDocument,
  InboxEventsDocument,
  LiveVisitorsDocument,
  LogInDocument,
  MeDocument,
  MessageLiveVisitorDocument,
  OperationsNowDocument,
  OrderAutomationsDocument,
  OrderRoutingRulesDocument,
  OrderTriggersDocument,
  OrganizationScheduleDocument,
  RecoverWebhookEndpointDocument,
  RefreshSessionDocument,
  ReplayWebhookAttemptDocument,
  RotateWebhookSecretDocument,
  RoutingRuleDryRunDocument,
  RoutingRulesDocument,
  RoutingSettingsDocument,
  SetAgentCapacityDocument,
  SetAgentStatusDocument,
  SetConversationPriorityDocument,
  SetConversationStatusDocument,
  SetConversationTagsDocument,
  SetDepartmentAssignmentDocument,
  SignUpDocument,
  SlaPoliciesDocument,
  TestWebhookEndpointDocument,
  TriggerDryRunDocument,
  TriggersDocument,
  UpdateAutomationDocument,
  UpdateCannedResponseDocument,
  UpdateOrganizationScheduleDocument,
  UpdateRoutingRuleDocument,
  UpdateRoutingSettingsDocument,
  UpdateSlaPolicyDocument,
  UpdateTriggerDocument,
  UpdateWebhookEndpointDocument,
  WebhookEndpointDocument,
  WebhookEndpointsDocument,
  WebhookEventTypesDocument,
} from './generated/documents.js';
import type {
  AgentStatus,
  AnalyticsInput,
  Assignment,
  AutomationInput,
  CannedResponseInput,
  ConversationFilter,
  ConversationOrder,
  ConversationStatus,
  CreateWebhookEndpointInput,
  HolidayInput,
  Priority,
  RoutingRuleInput,
  RoutingSettingsInput,
  SignUpInput,
  SlaPolicyInput,
  TriggerConditionInput,
  TriggerInput,
  UpdateCannedResponseInput,
  UpdateWebhookEndpointInput,
  WebhookEventType,
} from './generated/types.js';
import type {
  Agent,
  AgentCapacity,
  AgentConversation,
  AnalyticsReport,
  Automation,
  CannedResponse,
  Department,
  DryRun,
  InboxEvent,
  LiveVisitor,
  Message,
  OperationsNow,
  OrganizationSchedule,
  Page,
  RoutingRule,
  RoutingSettings,
  SlaPolicy,
  Trigger,
  TriggerDryRun,
  WebhookAttempt,
  WebhookEndpoint,
  WebhookEndpointDetails,
} from './types.js';
import type { History, HistoryOptions } from './visitor.js';
import { load, save, type TokenStorage } from './util.js';

/** An agent's tokens. */
export interface AgentSession {
  /** Short-lived (minutes); the client refreshes it before it expires. */
  accessToken: string;
  /** Works once: each refresh returns a new one. */
  refreshToken: string;
}

/** Options of {@link createAgentClient}. */
export interface AgentClientOptions extends CommonOptions {
  /**
   * Where the session is kept across page loads (`localStorage` for a dashboard).
   * Tabs sharing it also share refreshes.
   * @default undefined (the session lives in memory only)
   */
  storage?: TokenStorage;
  /** Start signed in with these tokens (from your own storage). */
  session?: AgentSession;
  /**
   * Act with an API key instead (a bot): no log-in, no refresh, messages are `BOT`.
   */
  apiKey?: string;
  /**
   * Called whenever the session changes: log-in, each refresh, log-out, and with `null`
   * when the server ended it (revoked, expired, agent removed): show the log-in screen.
   */
  onSessionChange?(session: AgentSession | null): void;
}

/**
 * A report's question (see {@link AgentClient.analytics}): the schema's `AnalyticsInput`,
 * with `from` and `to` as a `Date` or an RFC 3339 time.
 */
export type ReportInput = Omit<AnalyticsInput, 'from' | 'to'> & {
  /** The range's start (inclusive). */
  from: Date | string;
  /** The range's end (exclusive): at most 400 days after `from`, 31 when grouped by `HOUR`. */
  to: Date | string;
};

/** Callbacks of {@link AgentClient.inboxEvents}. */
export interface InboxHandlers {
  /** One inbox event (live only). */
  event(event: InboxEvent): void;
  /** The connection came back after a drop: events meanwhile were not replayed, refetch your lists. */
  resync?(): void;
  /** The stream failed for good. */
  error?(error: ChinwagError): void;
}

/**
 * An agent's client: see {@link createAgentClient}. The knowledge base's methods
 * (`articles`, `createArticle`, `publishArticle`, `searchArticles`, ...) are
 * {@link ArticleMethods}.
 */
export interface AgentClient extends BaseClient, ArticleMethods {
  /** The current tokens, or `null` when signed out. */
  readonly session: AgentSession | null;
  /** Signs in; the session is kept (and refreshed) by the client. */
  logIn(email: string, password: string): Promise<Agent>;
  /** Creates an organization and its owner, and signs the owner in. */
  signUp(input: SignUpInput): Promise<Agent>;
  /** Forgets the session here (tokens, storage) and stops live subscriptions. */
  logOut(): void;
  /** The signed-in agent. */
  me(): Promise<Agent>;
  /** The organization's agents. */
  agents(): Promise<Agent[]>;
  /** The organization's departments, each with how its waiting conversations get an assignee. */
  departments(): Promise<Department[]>;
  /** Sets the signed-in agent's availability. */
  setAgentStatus(status: AgentStatus): Promise<Agent>;
  /**
   * The queue, newest activity first, a page at a time: pass `pageInfo.endCursor` as
   * `after` for the next. `filter.tag` keeps the conversations with that tag. `order:
   * 'DUE_FIRST'` sorts by the soonest SLA due time instead (first response, next
   * response or resolution, whichever is still open); those with nothing due come last.
   *
   * @example
   * ```ts
   * const sales = await agent.conversations({ filter: { status: ['OPEN'], tag: 'sales' } })
   * const urgent = await agent.conversations({ order: 'DUE_FIRST', first: 10 })
   * ```
   */
  conversations(options?: {
    filter?: ConversationFilter;
    first?: number;
    after?: string;
    order?: ConversationOrder;
  }): Promise<Page<AgentConversation>>;
  /** A page of a conversation's history (notes included). */
  messages(conversationId: string, options?: HistoryOptions): Promise<History>;
  /** The conversation kept live for a UI (see `LiveConversation`); `close()` it when done. */
  openConversation(conversationId: string): LiveConversation<AgentConversation>;
  /** The raw event stream: each message once, in order, across reconnects. Returns the unsubscribe. */
  conversationEvents(
    conversationId: string,
    handlers: ConversationHandlers<AgentConversation>,
    options?: ConversationEventsOptions,
  ): () => void;
  /** The organization's inbox, live. Returns the unsubscribe. */
  inboxEvents(handlers: InboxHandlers): () => void;
  /** Sends a reply (or a note with `isPrivate`), retried like the visitor's. */
  sendMessage(conversationId: string, body: string, options?: SendOptions): Promise<Message>;
  /** Sends a private note: only agents see it. */
  sendNote(conversationId: string, body: string): Promise<Message>;
  /** Assigns to an agent and/or a department (transfer); `null` clears either. */
  assignConversation(
    conversationId: string,
    to: { agentId?: string | null; departmentId?: string | null },
  ): Promise<AgentConversation>;
  /** Opens, sets pending or resolves a conversation. */
  setConversationStatus(conversationId: string, status: ConversationStatus): Promise<AgentConversation>;
  /** The organization's saved replies. */
  cannedResponses(): Promise<CannedResponse[]>;
  createCannedResponse(input: CannedResponseInput): Promise<CannedResponse>;
  updateCannedResponse(id: string, input: UpdateCannedResponseInput): Promise<CannedResponse>;
  deleteCannedResponse(id: string): Promise<boolean>;
  /**
   * How the organization's waiting conversations get an assignee (docs/routing.md): the
   * mode for conversations without a department, the default capacity, whether pending
   * chats count against it, and how long an agent stays online after their last
   * connection closed. Any agent may read it.
   */
  routingSettings(): Promise<RoutingSettings>;
  /**
   * Changes the routing settings (owners and admins; others get `FORBIDDEN`). Fields
   * left out stay as they are; `defaultCapacity` is 1 to 100 and `offlineGraceSeconds`
   * 0 to 3600, anything else is refused with `BAD_USER_INPUT` and changes nothing.
   *
   * @example
   * ```ts
   * await agent.updateRoutingSettings({ assignment: 'ROUND_ROBIN', defaultCapacity: 3 })
   * ```
   */
  updateRoutingSettings(input: RoutingSettingsInput): Promise<RoutingSettings>;
  /** Sets how a department's waiting conversations get an assignee (owners and admins). */
  setDepartmentAssignment(departmentId: string, assignment: Assignment): Promise<Department>;
  /**
   * Sets the most chats the router gives an agent at once, 0 to 100; `0` means the
   * organization's `defaultCapacity` (owners and admins).
   */
  setAgentCapacity(agentId: string, capacity: number): Promise<AgentCapacity>;
  /** Ranks a conversation in the queue: higher priorities are served first. */
  setConversationPriority(conversationId: string, priority: Priority): Promise<AgentConversation>;
  /**
   * Replaces a conversation's tags (staff only; a visitor never sees them): at most 10,
   * each 1 to 40 letters, digits, spaces, `-` or `_`, stored lowercased. Anything else is
   * refused with `BAD_USER_INPUT` and changes nothing. Pass the whole new list: to add a
   * tag, send the current ones with it.
   *
   * @example
   * ```ts
   * await agent.setConversationTags(c.id, [...c.tags, 'refund'])
   * ```
   */
  setConversationTags(conversationId: string, tags: string[]): Promise<AgentConversation>;
  /**
   * The organization's routing rules in the order they are tried (`position` 1 first).
   * Any agent may read them.
   */
  routingRules(): Promise<RoutingRule[]>;
  /**
   * Adds a rule at the end of the list (owners and admins; others get `FORBIDDEN`). At
   * most 50 rules (`PLAN_LIMIT`) of at most 10 conditions, with at least one action;
   * keyed fields (`PRE_CHAT`, `VISITOR_ATTRIBUTE`, `SERVER_ATTRIBUTE`) need `key`,
   * `IS_TRUE` / `IS_FALSE` go only with `IDENTIFIED` and `BUSINESS_HOURS`: anything
   * else is `BAD_USER_INPUT` and changes nothing.
   *
   * @example
   * ```ts
   * await agent.createRoutingRule({
   *   name: 'Sales questions',
   *   conditions: [{ field: 'PRE_CHAT', operator: 'EQUALS', key: 'topic', value: 'Sales' }],
   *   actions: { departmentId: sales.id, priority: 'HIGH', tags: ['sales'] },
   * })
   * ```
   */
  createRoutingRule(input: RoutingRuleInput): Promise<RoutingRule>;
  /** Replaces a rule's name, switch, conditions and actions; its place stays (owners and admins). */
  updateRoutingRule(id: string, input: RoutingRuleInput): Promise<RoutingRule>;
  /** Deletes a rule; the others keep their order (owners and admins). */
  deleteRoutingRule(id: string): Promise<boolean>;
  /**
   * Puts the rules in this order: `ids` must name every rule once (owners and admins).
   * Returns them in their new order.
   */
  orderRoutingRules(ids: string[]): Promise<RoutingRule[]>;
  /**
   * The organization's SLA policies (docs/routing.md, "SLA policies"), oldest first. Any
   * agent may read them. A conversation's `firstResponseDueAt`, `nextResponseDueAt`,
   * `resolutionDueAt` and `slaStatus` come from the most specific policy that fits it.
   */
  slaPolicies(): Promise<SlaPolicy[]>;
  /**
   * Adds an SLA policy (owners and admins; others get `FORBIDDEN`). `departmentId` and
   * `priority` left out mean every department and every priority; each target (first
   * response, next response, resolution) is 60 seconds to 30 days, at least one of them;
   * `businessHours` defaults to `true`. An organization has at most 20 policies. Anything
   * else is `BAD_USER_INPUT` and changes nothing. It applies to conversations that start
   * waiting from now on (and to those whose priority or department changes).
   *
   * @example
   * ```ts
   * await agent.createSlaPolicy({ name: 'Sales', departmentId: sales.id, firstResponseSeconds: 15 * 60 })
   * ```
   */
  createSlaPolicy(input: SlaPolicyInput): Promise<SlaPolicy>;
  /**
   * Replaces a policy's name, scope and targets (owners and admins). Conversations keep
   * the due times they were given.
   */
  updateSlaPolicy(id: string, input: SlaPolicyInput): Promise<SlaPolicy>;
  /** Deletes a policy (owners and admins); conversations keep the due times they were given. */
  deleteSlaPolicy(id: string): Promise<boolean>;
  /**
   * Deletes a website for good (owners, admins, and API keys with `WEBSITES_MANAGE` that
   * see it; docs/privacy.md, "Deleting a website"). At once its widget key and identity
   * secret stop working and its visitors' tokens are refused; a job then deletes its
   * visitors with their conversations and files. It cannot be undone. An unknown id, or
   * one already deleted, is `NOT_FOUND`.
   *
   * @example
   * ```ts
   * await agent.deleteWebsite(website.id)
   * ```
   */
  deleteWebsite(id: string): Promise<void>;
  /**
   * Takes the chat the router offered you (docs/routing.md, "Offers: accept or decline"):
   * it becomes yours. Only while it is on offer to you (`offeredTo` is you and
   * `offerExpiresAt` has not passed); otherwise the server refuses it and nothing changes.
   */
  acceptOffer(conversationId: string): Promise<AgentConversation>;
  /**
   * Turns down the chat the router offered you: you are passed over and it is offered to
   * the next free agent (or waits). Only while it is on offer to you.
   */
  declineOffer(conversationId: string): Promise<AgentConversation>;
  /**
   * The organization's time zone (IANA, `Europe/Oslo`) and holidays, sorted by date
   * (docs/routing.md, "The organization's schedule"). Any agent may read it.
   */
  organizationSchedule(): Promise<OrganizationSchedule>;
  /**
   * Replaces the time zone and the whole holiday list (owners and admins; others get
   * `FORBIDDEN`): at most 100 holidays, `date` as `YYYY-MM-DD`, one per date (the last
   * name given wins). An unknown time zone or a bad date is `BAD_USER_INPUT` and changes
   * nothing. To add a holiday, send the current ones with it.
   *
   * @example
   * ```ts
   * const { holidays } = await agent.organizationSchedule()
   * await agent.updateOrganizationSchedule('Europe/Oslo', [...holidays, { date: '2026-12-25', name: 'Christmas Day' }])
   * ```
   */
  updateOrganizationSchedule(timeZone: string, holidays: HolidayInput[]): Promise<OrganizationSchedule>;
  /**
   * The organization's triggers (docs/routing.md, "Triggers"), or one website's with
   * `websiteId`, in the order its widget checks them (`position` 1 first). Any agent may
   * read them.
   */
  triggers(websiteId?: string): Promise<Trigger[]>;
  /**
   * Adds a trigger after the website's others (owners and admins; others get
   * `FORBIDDEN`). At most 20 per website (`PLAN_LIMIT`), at most 10 conditions, a
   * message of 1 to 1,000 characters; anything else is `BAD_USER_INPUT` and changes
   * nothing. `agentId` left out: it speaks as the team, in the website's name.
   *
   * @example
   * ```ts
   * await agent.createTrigger(website.id, {
   *   name: 'Pricing help',
   *   conditions: [
   *     { field: 'PAGE_URL', operator: 'CONTAINS', value: '/pricing' },
   *     { field: 'TIME_ON_PAGE', operator: 'AT_LEAST', value: '20' },
   *   ],
   *   message: 'Questions about our plans? I am here.',
   * })
   * ```
   */
  createTrigger(websiteId: string, input: TriggerInput): Promise<Trigger>;
  /** Replaces a trigger's name, switch, conditions, message and sender; its place stays (owners and admins). */
  updateTrigger(id: string, input: TriggerInput): Promise<Trigger>;
  /** Deletes a trigger; the website's others keep their order (owners and admins). */
  deleteTrigger(id: string): Promise<boolean>;
  /**
   * Puts a website's triggers in this order: `ids` must name each of them once (owners
   * and admins). Returns them in their new order.
   */
  orderTriggers(websiteId: string, ids: string[]): Promise<Trigger[]>;
  /**
   * The organization's automations (docs/routing.md, "Automations") in the order they
   * run (`position` 1 first). Any agent may read them.
   */
  automations(): Promise<Automation[]>;
  /**
   * Adds an automation after the others (owners and admins; others get `FORBIDDEN`). At
   * most 50 (`PLAN_LIMIT`); `keywords` go only with `MESSAGE_RECEIVED`, `minutes` (1 to
   * 10,080) only with `NO_REPLY` and is required there, `ratingAtMost` (1 to 5) only
   * with `RATING_RECEIVED`; at least one action, and `resolve` not with an assignment or
   * a department. Anything else is `BAD_USER_INPUT` and changes nothing.
   *
   * @example
   * ```ts
   * await agent.createAutomation({
   *   name: 'Refunds',
   *   event: 'MESSAGE_RECEIVED',
   *   keywords: ['refund', 'money back'],
   *   actions: { message: 'A refund? We are on it.', tags: ['refund'], priority: 'HIGH' },
   * })
   * ```
   */
  createAutomation(input: AutomationInput): Promise<Automation>;
  /** Replaces an automation's name, switch, event, conditions and actions; its place stays (owners and admins). */
  updateAutomation(id: string, input: AutomationInput): Promise<Automation>;
  /** Deletes an automation; the others keep their order (owners and admins). */
  deleteAutomation(id: string): Promise<boolean>;
  /**
   * Puts the automations in this order: `ids` must name every automation once (owners
   * and admins). Only the first that sends a message answers a visitor's message.
   * Returns them in their new order.
   */
  orderAutomations(ids: string[]): Promise<Automation[]>;
  /**
   * What a routing rule would do if it came first (docs/routing.md, "Dry runs"): of the
   * organization's last 100 conversations that reached the queue, those it matches.
   * Owners and admins (others get `FORBIDDEN`). Nothing is saved or changed; the input is
   * checked as `createRoutingRule` checks it.
   *
   * @example
   * ```ts
   * const { checked, matched } = await agent.routingRuleDryRun({ name: 'Sales', conditions, actions })
   * ```
   */
  routingRuleDryRun(input: RoutingRuleInput): Promise<DryRun>;
  /**
   * What an automation would have done to the organization's last 100 conversations:
   * those it would have acted on (owners and admins). Nothing is saved or changed.
   */
  automationDryRun(input: AutomationInput): Promise<DryRun>;
  /**
   * What a trigger's conditions would have matched on the website's last 100 page views
   * (of visitors who chatted; others leave none), for owners and admins. Time on page,
   * pages viewed and returning cannot be known afterwards and count as holding.
   */
  triggerDryRun(websiteId: string, conditions: TriggerConditionInput[]): Promise<TriggerDryRun>;
  /**
   * Who is on the organization's websites now (one website's with `websiteId`), newest
   * first (docs/routing.md, "Live visitors"): only websites with live presence on send
   * beacons, so others have none. Any agent; not an API key (`FORBIDDEN`).
   */
  liveVisitors(websiteId?: string): Promise<LiveVisitor[]>;
  /**
   * Writes to a live visitor who has not chatted: their widget shows it with its next
   * beacon (within about 30 s); it becomes a conversation only if they reply within the
   * hour. Any agent; not an API key. A presence not seen in the last minute or so is
   * `NOT_FOUND`; at most 60 a minute per agent. Returns the message's id.
   */
  messageLiveVisitor(websiteId: string, presenceId: string, body: string): Promise<string>;
  /**
   * The organization's webhook endpoints (docs/webhooks.md), oldest first, each with its
   * signing secret. Owners, admins and API keys with `WEBHOOKS_MANAGE`; others get
   * `FORBIDDEN`, as for every webhook method below.
   */
  webhookEndpoints(): Promise<WebhookEndpoint[]>;
  /**
   * One endpoint with a page of its delivery log (kept 30 days), newest first: `first`
   * attempts (25 by default, at most 100), after `after` (a previous page's
   * `pageInfo.endCursor`). An unknown id is `NOT_FOUND`.
   *
   * @example
   * ```ts
   * const { attempts } = await agent.webhookEndpoint(id, { first: 10 })
   * const failed = attempts.nodes.filter((a) => a.outcome !== 'SUCCEEDED')
   * ```
   */
  webhookEndpoint(id: string, options?: { first?: number; after?: string }): Promise<WebhookEndpointDetails>;
  /**
   * Adds an endpoint with a new signing secret (at most 20 per organization,
   * `PLAN_LIMIT`). `url` must be http(s) at a public address (a private one is
   * `BAD_USER_INPUT` unless the server allows them); `eventTypes` left out or empty means
   * every event; `rateLimit` caps deliveries per second (1 to 10,000). This is how
   * Zapier, Make or n8n subscribe, with an API key that has `WEBHOOKS_MANAGE`.
   *
   * @example
   * ```ts
   * const endpoint = await agent.createWebhookEndpoint({
   *   url: 'https://example.com/chinwag-events',
   *   eventTypes: ['MESSAGE_CREATED', 'CONVERSATION_CREATED'],
   * })
   * saveSecret(endpoint.secret) // verifyWebhook(endpoint.secret, ...) in the receiver
   * ```
   */
  createWebhookEndpoint(input: CreateWebhookEndpointInput): Promise<WebhookEndpoint>;
  /**
   * Changes an endpoint; fields left out keep their value. `clearRateLimit: true` removes
   * the rate limit; `enabled: true` turns a disabled endpoint back on (forgetting its
   * past failures: send what it missed with {@link AgentClient.recoverWebhookEndpoint}),
   * `enabled: false` turns it off by hand.
   */
  updateWebhookEndpoint(id: string, input: UpdateWebhookEndpointInput): Promise<WebhookEndpoint>;
  /** Removes an endpoint with its delivery log and waiting deliveries (how an integration unsubscribes). */
  deleteWebhookEndpoint(id: string): Promise<boolean>;
  /**
   * Gives the endpoint a new signing secret (returned in `secret`). The previous one
   * signs too, as a second signature in `webhook-signature`, for `overlapHours` (the
   * server's default, 24, when left out; at most 168), so a receiver can switch without
   * refusing an event: `verifyWebhook` accepts either.
   */
  rotateWebhookSecret(id: string, overlapHours?: number): Promise<WebhookEndpoint>;
  /**
   * Sends a `webhook.test` event to the endpoint now, whatever its event filter (and even
   * when it is disabled). Returns the event's id: the `webhook-id` header the receiver
   * gets, and `eventId` in the endpoint's `attempts`.
   */
  testWebhookEndpoint(id: string): Promise<string>;
  /**
   * Sends an attempt's event to its endpoint again, now: one manual attempt (no retries),
   * logged with `manual: true`. Returns the attempt that was replayed. A disabled
   * endpoint is `BAD_USER_INPUT`: enable it first.
   */
  replayWebhookAttempt(attemptId: string): Promise<WebhookAttempt>;
  /**
   * Sends again every event since `since` (a `Date` or an RFC 3339 time, within the last
   * 30 days) that the endpoint wants and never received; returns how many (at most 10,000
   * per call). For after an outage: enable the endpoint, then recover.
   *
   * @example
   * ```ts
   * await agent.updateWebhookEndpoint(id, { enabled: true })
   * const sent = await agent.recoverWebhookEndpoint(id, new Date(Date.now() - 86_400_000))
   * ```
   */
  recoverWebhookEndpoint(id: string, since: Date | string): Promise<number>;
  /** Every event type an endpoint can receive (docs/webhooks.md#events). */
  webhookEventTypes(): Promise<WebhookEventType[]>;
  /**
   * A report (docs/analytics.md): the episodes (a conversation's start and each
   * reopening) that started in `[from, to)`, in `totals` and grouped by `groupBy` (`DAY`
   * when left out; by `AGENT`, each group's `key` is the agent's id), read in `timeZone`
   * (the organization's when left out), narrowed by the filters (each list matches any of
   * its values). Owners, admins and API keys with `ANALYTICS_READ`; others get
   * `FORBIDDEN`, as for the two methods below. A range that is empty, reversed or too
   * long, an unknown time zone or more than 50 values in a filter is `BAD_USER_INPUT`;
   * more than 60 reports a minute per organization (these three methods together) is
   * `RATE_LIMITED`.
   *
   * @example
   * ```ts
   * const week = await agent.analytics({ from: new Date(Date.now() - 7 * 86_400_000), to: new Date(), groupBy: 'AGENT' })
   * for (const g of week.groups) console.log(g.label, g.figures.conversations, g.figures.firstResponseTime.p50Seconds)
   * ```
   */
  analytics(input: ReportInput): Promise<AnalyticsReport>;
  /**
   * The queue and the team now (docs/analytics.md#operations-now): how many
   * conversations wait and since when the longest has, every agent with whether they are
   * online, their open and pending chats and their capacity, and `today` so far (from
   * midnight in the organization's time zone, by hour of day). It counts as a report for
   * the rate limit: refresh it every 10 to 30 seconds, not faster.
   */
  operationsNow(): Promise<OperationsNow>;
  /**
   * The same question as {@link AgentClient.analytics} as CSV text, from
   * `GET /analytics/report.csv` (`'report'`: a `total` row, then a row per group, every
   * figure, durations in seconds) or `GET /analytics/conversations.csv`
   * (`'conversations'`: a row per episode, at most 1,000,000, 30 exports an hour per
   * organization; `groupBy` does not apply). The routes sit beside the GraphQL endpoint
   * (`https://chat.example.com/graphql` gives `https://chat.example.com/analytics/...`).
   * Refusals are `ChinwagError`s with the server's code, as for the query. Cells that
   * would start a spreadsheet formula come prefixed with `'`.
   *
   * @example
   * ```ts
   * const csv = await agent.analyticsCsv('report', { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z', groupBy: 'AGENT' })
   * await writeFile('november-by-agent.csv', csv)
   * ```
   */
  analyticsCsv(kind: 'report' | 'conversations', input: ReportInput): Promise<string>;
}

/** The claims the client reads from an access token (a JWT). */
function claims(token: string): { sub?: string; iat?: number; exp?: number } {
  try {
    const part = token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part));
  } catch {
    return {};
  }
}

const PAGE = 50;

/** A time as the API takes it: RFC 3339. */
const rfc3339 = (time: Date | string) => (time instanceof Date ? time.toISOString() : time);

/** A report's question as the CSV routes take it: a query string, lists comma-separated. */
function csvQuery(input: ReportInput): URLSearchParams {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(input)) {
    if (value == null) continue;
    query.set(name, Array.isArray(value) ? value.join(',') : value instanceof Date ? value.toISOString() : String(value));
  }
  return query;
}

/**
 * Creates an agent's client. Sign in with `logIn` (or pass `session` / `storage` to
 * resume); access tokens are refreshed shortly before they expire, and again when the
 * server refuses one (HTTP `UNAUTHENTICATED`, socket close 4403).
 *
 * @example
 * ```ts
 * const agent = createAgentClient({ url: '/graphql', storage: localStorage })
 * if (!agent.session) await agent.logIn(email, password)
 * const { nodes } = await agent.conversations({ filter: { status: ['OPEN'] } })
 * agent.inboxEvents({ event: (e) => update(e), resync: () => reload() })
 * ```
 */
export function createAgentClient(options: AgentClientOptions): AgentClient {
  const { storage, apiKey, onSessionChange } = options;
  const key = `chinwag:agent:${options.url}`;
  let session: AgentSession | null = options.session ?? (storage ? load<AgentSession>(storage, key) : null);
  // When the access token stops being good, by the local clock: its lifetime from
  // its claims, counted from when it arrived (so a skewed clock does not matter).
  let expiresAt = 0;
  let refreshing: Promise<string> | undefined;

  function adopt(next: AgentSession | null, arrived: boolean) {
    session = next;
    const c = next ? claims(next.accessToken) : {};
    expiresAt = c.exp ? (arrived && c.iat ? Date.now() + (c.exp - c.iat) * 1000 : c.exp * 1000) : Infinity;
    if (storage) save(storage, key, next);
    onSessionChange?.(next);
  }
  adopt(session, false);

  /** Refresh a little before expiry: a quarter of the lifetime, at most a minute. */
  const stale = () => {
    const c = session ? claims(session.accessToken) : {};
    const margin = Math.min(60_000, ((c.exp ?? 0) - (c.iat ?? 0)) * 250);
    return Date.now() > expiresAt - margin;
  };

  async function refresh(): Promise<string> {
    const spent = session!.refreshToken;
    // Another tab sharing the storage may have refreshed already: its tokens are ours.
    const shared = storage && load<AgentSession>(storage, key);
    if (shared && shared.refreshToken !== spent) {
      adopt(shared, false);
      if (!stale()) return shared.accessToken;
    }
    try {
      const { refreshSession: s } = await base.http(RefreshSessionDocument, { refreshToken: session!.refreshToken }, false);
      adopt({ accessToken: s.accessToken, refreshToken: s.refreshToken }, true);
      return s.accessToken;
    } catch (e) {
      // Revoked or expired for good (a network error keeps the session for a retry).
      // Open sockets are closed by the server (4403) and find no session to go on with.
      if (isChinwagError(e, 'UNAUTHENTICATED')) adopt(null, false);
      throw e;
    }
  }

  const token: TokenSource = async (renew) => {
    if (apiKey) return apiKey;
    if (!session) return undefined;
    if (!renew && !stale()) return session.accessToken;
    return (refreshing ??= refresh().finally(() => (refreshing = undefined)));
  };
  const base = createBase(options, token, () => !!(session || apiKey));
  const { http, live } = base;
  // The endpoint and `fetch` as `createBase` resolves them, again here for the CSV
  // routes: taking them from `Base` added 11 B gzipped to the visitor client, which
  // never GETs and had 4 B of its budget left.
  const endpoint = new URL(options.url, (globalThis as { location?: { href: string } }).location?.href);
  const fetchImpl = options.fetch ?? ((...args) => globalThis.fetch(...args));

  async function signIn(payload: { accessToken: string; refreshToken: string; agent: Agent }) {
    adopt({ accessToken: payload.accessToken, refreshToken: payload.refreshToken }, true);
    return payload.agent;
  }

  const history = async (id: string, { last = PAGE, before }: HistoryOptions = {}) => {
    const { messages, readReceipts, ...conversation } = await rootField(http(AgentConversationDocument, { id, last, before }));
    return { conversation, readReceipts, messages: messages.nodes, hasOlder: messages.pageInfo.hasPreviousPage };
  };

  return {
    ...base.api,
    ...articleMethods(http),
    get session() {
      return session;
    },
    logIn: async (email, password) => signIn((await http(LogInDocument, { input: { email, password } }, false)).logIn),
    signUp: async (input) => signIn((await http(SignUpDocument, { input }, false)).signUp),
    logOut() {
      adopt(null, false);
      live.restart();
    },
    me: () => rootField(http(MeDocument)),
    agents: () => rootField(http(AgentsDocument)),
    departments: () => rootField(http(DepartmentsDocument)),
    setAgentStatus: (status) => rootField(http(SetAgentStatusDocument, { status })),
    conversations: ({ filter, first, after, order } = {}) =>
      rootField(http(ConversationsDocument, { filter, first, after, order })),
    messages: async (id, opts) => {
      const { messages, hasOlder } = await history(id, opts);
      return { messages, hasOlder };
    },
    openConversation: (id) =>
      liveConversation(
        {
          live,
          events: AgentConversationEventsDocument,
          load: (conversationId, before) => history(conversationId, { before }),
          send: base.send,
          setTyping: base.typingFlag,
          markRead: base.markRead,
          self: () => ({ kind: apiKey ? 'BOT' : 'AGENT', id: session ? (claims(session.accessToken).sub ?? null) : null }),
        },
        id,
      ),
    conversationEvents: (id, handlers, opts) => conversationEvents(live, AgentConversationEventsDocument, id, handlers, opts),
    inboxEvents(handlers) {
      const offReconnect = live.onReconnect(() => handlers.resync?.());
      const stop = live.subscribe(
        InboxEventsDocument,
        {},
        {
          next: (d) => handlers.event(d.inboxEvents),
          error: (e) => handlers.error?.(e),
        },
      );
      return () => {
        offReconnect();
        stop();
      };
    },
    sendMessage: (conversationId, body, opts) => base.send(conversationId, body, opts),
    sendNote: (conversationId, body) => base.send(conversationId, body, { isPrivate: true }),
    assignConversation: (conversationId, { agentId, departmentId }) =>
      rootField(http(AssignConversationDocument, { input: { conversationId, agentId, departmentId } })),
    setConversationStatus: (conversationId, status) => rootField(http(SetConversationStatusDocument, { conversationId, status })),
    cannedResponses: () => rootField(http(CannedResponsesDocument)),
    createCannedResponse: (input) => rootField(http(CreateCannedResponseDocument, { input })),
    updateCannedResponse: (id, input) => rootField(http(UpdateCannedResponseDocument, { id, input })),
    deleteCannedResponse: (id) => rootField(http(DeleteCannedResponseDocument, { id })),
    routingSettings: () => rootField(http(RoutingSettingsDocument)),
    updateRoutingSettings: (input) => rootField(http(UpdateRoutingSettingsDocument, { input })),
    setDepartmentAssignment: (id, assignment) => rootField(http(SetDepartmentAssignmentDocument, { id, assignment })),
    setAgentCapacity: (agentId, capacity) => rootField(http(SetAgentCapacityDocument, { agentId, capacity })),
    setConversationPriority: (conversationId, priority) =>
      rootField(http(SetConversationPriorityDocument, { conversationId, priority })),
    setConversationTags: (conversationId, tags) => rootField(http(SetConversationTagsDocument, { conversationId, tags })),
    routingRules: () => rootField(http(RoutingRulesDocument)),
    createRoutingRule: (input) => rootField(http(CreateRoutingRuleDocument, { input })),
    updateRoutingRule: (id, input) => rootField(http(UpdateRoutingRuleDocument, { id, input })),
    deleteRoutingRule: (id) => rootField(http(DeleteRoutingRuleDocument, { id })),
    orderRoutingRules: (ids) => rootField(http(OrderRoutingRulesDocument, { ids })),
    slaPolicies: () => rootField(http(SlaPoliciesDocument)),
    createSlaPolicy: (input) => rootField(http(CreateSlaPolicyDocument, { input })),
    updateSlaPolicy: (id, input) => rootField(http(UpdateSlaPolicyDocument, { id, input })),
    deleteSlaPolicy: (id) => rootField(http(DeleteSlaPolicyDocument, { id })),
    deleteWebsite: async (id) => {
      await http(DeleteWebsiteDocument, { id });
    },
    acceptOffer: (conversationId) => rootField(http(AcceptOfferDocument, { conversationId })),
    declineOffer: (conversationId) => rootField(http(DeclineOfferDocument, { conversationId })),
    organizationSchedule: () => rootField(http(OrganizationScheduleDocument)),
    updateOrganizationSchedule: (timeZone, holidays) =>
      rootField(http(UpdateOrganizationScheduleDocument, { timeZone, holidays })),
    triggers: (websiteId) => rootField(http(TriggersDocument, { websiteId })),
    createTrigger: (websiteId, input) => rootField(http(CreateTriggerDocument, { websiteId, input })),
    updateTrigger: (id, input) => rootField(http(UpdateTriggerDocument, { id, input })),
    deleteTrigger: (id) => rootField(http(DeleteTriggerDocument, { id })),
    orderTriggers: (websiteId, ids) => rootField(http(OrderTriggersDocument, { websiteId, ids })),
    automations: () => rootField(http(AutomationsDocument)),
    createAutomation: (input) => rootField(http(CreateAutomationDocument, { input })),
    updateAutomation: (id, input) => rootField(http(UpdateAutomationDocument, { id, input })),
    deleteAutomation: (id) => rootField(http(DeleteAutomationDocument, { id })),
    orderAutomations: (ids) => rootField(http(OrderAutomationsDocument, { ids })),
    routingRuleDryRun: (input) => rootField(http(RoutingRuleDryRunDocument, { input })),
    automationDryRun: (input) => rootField(http(AutomationDryRunDocument, { input })),
    triggerDryRun: (websiteId, conditions) => rootField(http(TriggerDryRunDocument, { websiteId, conditions })),
    liveVisitors: (websiteId) => rootField(http(LiveVisitorsDocument, { websiteId })),
    messageLiveVisitor: (websiteId, presenceId, body) =>
      rootField(http(MessageLiveVisitorDocument, { websiteId, presenceId, body })),
    webhookEndpoints: () => rootField(http(WebhookEndpointsDocument)),
    webhookEndpoint: async (id, { first, after } = {}) => {
      const { attempts, ...endpoint } = await rootField(http(WebhookEndpointDocument, { id, first, after }));
      return { ...endpoint, attempts: { nodes: attempts.edges.map((e) => e.node), pageInfo: attempts.pageInfo } };
    },
    createWebhookEndpoint: (input) => rootField(http(CreateWebhookEndpointDocument, { input })),
    updateWebhookEndpoint: (id, input) => rootField(http(UpdateWebhookEndpointDocument, { id, input })),
    deleteWebhookEndpoint: (id) => rootField(http(DeleteWebhookEndpointDocument, { id })),
    rotateWebhookSecret: (id, overlapHours) => rootField(http(RotateWebhookSecretDocument, { id, overlapHours })),
    testWebhookEndpoint: (id) => rootField(http(TestWebhookEndpointDocument, { id })),
    replayWebhookAttempt: (id) => rootField(http(ReplayWebhookAttemptDocument, { id })),
    recoverWebhookEndpoint: (id, since) => rootField(http(RecoverWebhookEndpointDocument, { id, since: rfc3339(since) })),
    webhookEventTypes: () => rootField(http(WebhookEventTypesDocument)),
    analytics: (input) =>
      rootField(http(AnalyticsDocument, { input: { ...input, from: rfc3339(input.from), to: rfc3339(input.to) } })),
    operationsNow: () => rootField(http(OperationsNowDocument)),
    analyticsCsv: (kind, input) => getText(new URL(`analytics/${kind}.csv?${csvQuery(input)}`, endpoint).href, fetchImpl, token),
  };
}
