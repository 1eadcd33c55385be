/**
 * A visitor's conversions as the website's staff read them back
 * (`conversation(id) { visitor { conversions } }`): for the SDK's `track` tests and the
 * widget's, which pass their own agent client.
 */

/** One conversion, with the fields the tests check. */
export interface Conversion {
  name: string;
  value: number | null;
  currency: string | null;
  verified: boolean;
  conversationId: string | null;
  agentId: string | null;
  properties: { key: string; value: string }[];
  occurredAt: string;
}

/** Anything that sends a GraphQL request as staff (an `AgentClient`). */
export interface Staff {
  request<R>(document: string, variables?: Record<string, unknown>): Promise<R>;
}

/**
 * The conversions of the conversation's visitor, oldest first, and by name for the same
 * time (events of one call may share a millisecond, and ids order them at random then).
 */
export async function conversions(staff: Staff, conversationId: string): Promise<Conversion[]> {
  const { conversation } = await staff.request<{ conversation: { visitor: { conversions: Conversion[] } } }>(
    `query($id: ID!) { conversation(id: $id) { visitor { conversions {
      name value currency verified conversationId agentId properties { key value } occurredAt } } } }`,
    { id: conversationId },
  );
  return conversation.visitor.conversions.sort(
    (a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.name.localeCompare(b.name),
  );
}
