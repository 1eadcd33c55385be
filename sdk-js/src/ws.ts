/** The `graphql-ws` client, imported by `live.ts` on first use. Internal. */
export { createClient } from 'graphql-ws/client';
