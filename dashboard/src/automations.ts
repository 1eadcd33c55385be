/**
 * The GraphQL documents of Settings › Automations and Settings › Triggers, and the dry
 * runs of rules, automations and triggers (docs/routing.md): typed by hand against
 * `schema/schema.graphql` like `api.ts` (test/documents.test.mjs checks them), and kept
 * apart from it so that they load with the settings, not with the inbox.
 */
import type { Priority, RoutingRuleInput, RuleField, RuleOperator, TypedDocument } from '@chinwag/sdk';

const doc = <R, V = Record<string, never>>(text: string) => text as TypedDocument<R, V>;

/** A routing rule's condition, as automations reuse it. */
export interface RuleCondition {
  field: RuleField;
  operator: RuleOperator;
  key: string | null;
  value: string | null;
  values: string[];
}

export type AutomationEvent = 'CONVERSATION_CREATED' | 'MESSAGE_RECEIVED' | 'NO_REPLY' | 'RATING_RECEIVED';

export interface AutomationActions {
  /** Sent to the visitor as the bot. */
  message: string | null;
  /** Or a saved reply's body. */
  cannedResponseId: string | null;
  assignTo: string | null;
  departmentId: string | null;
  priority: Priority | null;
  tags: string[];
  resolve: boolean;
}

export interface Automation {
  id: string;
  name: string;
  enabled: boolean;
  position: number;
  event: AutomationEvent;
  conditions: RuleCondition[];
  /** `MESSAGE_RECEIVED` only. */
  keywords: string[];
  /** `NO_REPLY` only. */
  minutes: number | null;
  /** `RATING_RECEIVED` only. */
  ratingAtMost: number | null;
  actions: AutomationActions;
  updatedAt: string;
}

export type AutomationInput = Omit<Automation, 'id' | 'position' | 'updatedAt'>;

/** What a rule or an automation would have done to the last 100 conversations. */
export interface DryRun {
  checked: number;
  matched: number;
  conversations: { id: string; visitor: { name: string | null }; lastMessagePreview: string | null; createdAt: string }[];
}

const AUTOMATION = `id name enabled position event conditions { field operator key value values } keywords minutes ratingAtMost
actions { message cannedResponseId assignTo departmentId priority tags resolve } updatedAt`;
const DRY_RUN = 'checked matched conversations { id visitor { name } lastMessagePreview createdAt }';

export const AutomationsDocument = doc<{ automations: Automation[] }>(`query Automations { automations { ${AUTOMATION} } }`);
export const CreateAutomationDocument = doc<{ createAutomation: Automation }, { input: AutomationInput }>(
  `mutation CreateAutomation($input: AutomationInput!) { createAutomation(input: $input) { ${AUTOMATION} } }`,
);
export const UpdateAutomationDocument = doc<{ updateAutomation: Automation }, { id: string; input: AutomationInput }>(
  `mutation UpdateAutomation($id: ID!, $input: AutomationInput!) { updateAutomation(id: $id, input: $input) { ${AUTOMATION} } }`,
);
export const DeleteAutomationDocument = doc<{ deleteAutomation: boolean }, { id: string }>(
  'mutation DeleteAutomation($id: ID!) { deleteAutomation(id: $id) }',
);
export const AutomationDryRunDocument = doc<{ automationDryRun: DryRun }, { input: AutomationInput }>(
  `query AutomationDryRun($input: AutomationInput!) { automationDryRun(input: $input) { ${DRY_RUN} } }`,
);
export const RoutingRuleDryRunDocument = doc<{ routingRuleDryRun: DryRun }, { input: RoutingRuleInput }>(
  `query RoutingRuleDryRun($input: RoutingRuleInput!) { routingRuleDryRun(input: $input) { ${DRY_RUN} } }`,
);

export type TriggerField =
  'PAGE_URL' | 'REFERRER' | 'TIME_ON_PAGE' | 'PAGES_VIEWED' | 'RETURNING' | 'BUSINESS_HOURS' | 'AGENTS_ONLINE';

export interface TriggerCondition {
  field: TriggerField;
  operator: RuleOperator;
  value: string | null;
  values: string[];
}

/** A website's proactive message. */
export interface Trigger {
  id: string;
  websiteId: string;
  name: string;
  enabled: boolean;
  position: number;
  conditions: TriggerCondition[];
  message: string;
  /** The agent it speaks as; null: the team (the website's name). */
  agentId: string | null;
  openPanel: boolean;
  updatedAt: string;
}

export type TriggerInput = Pick<Trigger, 'name' | 'enabled' | 'conditions' | 'message' | 'agentId' | 'openPanel'>;

export interface TriggerDryRun {
  checked: number;
  matched: number;
  pages: { url: string; viewedAt: string }[];
}

const TRIGGER =
  'id websiteId name enabled position conditions { field operator value values } message agentId openPanel updatedAt';

export const TriggersDocument = doc<{ triggers: Trigger[] }, { websiteId: string }>(
  `query Triggers($websiteId: ID) { triggers(websiteId: $websiteId) { ${TRIGGER} } }`,
);
export const CreateTriggerDocument = doc<{ createTrigger: Trigger }, { websiteId: string; input: TriggerInput }>(
  `mutation CreateTrigger($websiteId: ID!, $input: TriggerInput!) { createTrigger(websiteId: $websiteId, input: $input) { ${TRIGGER} } }`,
);
export const UpdateTriggerDocument = doc<{ updateTrigger: Trigger }, { id: string; input: TriggerInput }>(
  `mutation UpdateTrigger($id: ID!, $input: TriggerInput!) { updateTrigger(id: $id, input: $input) { ${TRIGGER} } }`,
);
export const DeleteTriggerDocument = doc<{ deleteTrigger: boolean }, { id: string }>(
  'mutation DeleteTrigger($id: ID!) { deleteTrigger(id: $id) }',
);
export const TriggerDryRunDocument = doc<{ triggerDryRun: TriggerDryRun }, { websiteId: string; conditions: TriggerCondition[] }>(
  `query TriggerDryRun($websiteId: ID!, $conditions: [TriggerConditionInput!]!) { triggerDryRun(websiteId: $websiteId, conditions: $conditions) {
  checked matched pages { url viewedAt } } }`,
);

/** Every automation's id once, first to last; answers the list in its new order. */
export const OrderAutomationsDocument = doc<{ orderAutomations: Automation[] }, { ids: string[] }>(
  `mutation OrderAutomations($ids: [ID!]!) { orderAutomations(ids: $ids) { ${AUTOMATION} } }`,
);
/** Every trigger of the website once, first to last; answers the list in its new order. */
export const OrderTriggersDocument = doc<{ orderTriggers: Trigger[] }, { websiteId: string; ids: string[] }>(
  `mutation OrderTriggers($websiteId: ID!, $ids: [ID!]!) { orderTriggers(websiteId: $websiteId, ids: $ids) { ${TRIGGER} } }`,
);
