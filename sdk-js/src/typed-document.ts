/**
 * The type of a GraphQL document the SDK sends: a plain string, branded at the type
 * level with its result and variables so `request` infers both.
 */

/**
 * A GraphQL document as a string, carrying its result type `TResult` and variables
 * type `TVariables` for inference only (nothing exists at run time).
 *
 * Structurally compatible with GraphQL Code Generator's `TypedDocumentString` (client
 * preset with `documentMode: 'string'`), so documents generated for your own operations
 * work with `request` too.
 */
// `String` too: codegen's TypedDocumentString is a class extending String.
// eslint-disable-next-line @typescript-eslint/no-wrapper-object-types
export type TypedDocument<TResult = Record<string, unknown>, TVariables = Record<string, unknown>> = (string | String) & {
  /** Type-level only: never set. */
  readonly __apiType?: (variables: TVariables) => TResult;
};

/** The result type of a {@link TypedDocument}. */
export type ResultOf<D> = D extends TypedDocument<infer R, never> ? R : never;

/** The variables type of a {@link TypedDocument}. */
export type VariablesOf<D> = D extends TypedDocument<unknown, infer V> ? V : never;
