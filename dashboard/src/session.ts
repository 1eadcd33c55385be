/**
 * The signed-in agent: one `AgentClient` for the whole app (its session kept in
 * `localStorage` and refreshed by the SDK), who "me" is, and why we were signed out.
 * React reads it through `useSession()`.
 *
 * When the server ends the session (the agent was removed, its role or password
 * changed), the SDK's refresh is refused and `onSessionChange(null)` fires: the app
 * drops to the log-in screen at once, saying why.
 */
import { createAgentClient, isChinwagError, type Agent, type AgentClient, type SignUpInput } from '@chinwag/sdk';
import { useSyncExternalStore } from 'react';
import { AcceptInviteDocument, LogOutDocument, ResetPasswordDocument, type AuthTokens } from './api';

/** The GraphQL endpoint: the server that serves the dashboard. */
export const API_URL = '/graphql';

export type SessionState =
  { status: 'loading' } | { status: 'signedOut'; reason: string | null } | { status: 'signedIn'; me: Agent };

export interface SessionStore {
  get(): SessionState;
  subscribe(listener: () => void): () => void;
  /** The current client (a new one after a password change or an accepted invite). */
  client(): AgentClient;
  logIn(email: string, password: string): Promise<void>;
  signUp(input: SignUpInput): Promise<void>;
  acceptInvite(input: { token: string; name: string; password: string }): Promise<void>;
  /** Sets a new password with the token from the reset email and signs in (other sessions end). */
  resetPassword(token: string, password: string): Promise<void>;
  /** Continue with tokens the server just issued (after `changePassword`). */
  adopt(tokens: AuthTokens): void;
  /** Updates "me" after a change (status). */
  setMe(me: Agent): void;
  logOut(): Promise<void>;
}

export function createSessionStore(options: { storage?: Storage; url?: string } = {}): SessionStore {
  const { storage = localStorage, url = API_URL } = options;
  const listeners = new Set<() => void>();
  let state: SessionState = { status: 'loading' };
  let client: AgentClient;
  let leaving = false;

  const set = (next: SessionState) => {
    state = next;
    listeners.forEach((l) => l());
  };

  function makeClient(session?: { accessToken: string; refreshToken: string }): AgentClient {
    let made: AgentClient | undefined;
    // Assigned apart from its `let`: the callback below runs during the call, when a
    // `const` would still be in its temporal dead zone and throw.
    // eslint-disable-next-line prefer-const
    made = createAgentClient({
      url,
      storage,
      ...(session ? { session } : {}),
      onSessionChange(s) {
        // Called once while the client is being made (`made` is unset then), and by
        // clients we have replaced: only the current one speaks for the app.
        if (!made || made !== client || s) return;
        if (!leaving && state.status === 'signedIn') {
          set({ status: 'signedOut', reason: 'Your session has ended: you were signed out by the server. Sign in again.' });
        }
      },
    });
    return made;
  }

  async function loadMe() {
    try {
      set({ status: 'signedIn', me: await client.me() });
    } catch (e) {
      if (isChinwagError(e, 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND')) {
        client.logOut();
        set({ status: 'signedOut', reason: null });
      } else {
        // The server is unreachable: keep the session and try again shortly.
        setTimeout(loadMe, 3_000);
      }
    }
  }

  client = makeClient();
  if (client.session) void loadMe();
  else state = { status: 'signedOut', reason: null };

  function replace(tokens: { accessToken: string; refreshToken: string }) {
    const old = client;
    client = makeClient(tokens);
    old.dispose();
  }

  return {
    get: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    client: () => client,
    async logIn(email, password) {
      leaving = false;
      set({ status: 'signedIn', me: await client.logIn(email, password) });
    },
    async signUp(input) {
      leaving = false;
      set({ status: 'signedIn', me: await client.signUp(input) });
    },
    async acceptInvite(input) {
      leaving = false;
      const { acceptInvite } = await client.request(AcceptInviteDocument, { input });
      replace(acceptInvite);
      set({ status: 'signedIn', me: acceptInvite.agent });
    },
    async resetPassword(token, password) {
      leaving = false;
      const { resetPassword } = await client.request(ResetPasswordDocument, { token, password });
      replace(resetPassword);
      set({ status: 'signedIn', me: resetPassword.agent });
    },
    adopt(tokens) {
      replace(tokens);
      set({ status: 'signedIn', me: tokens.agent });
    },
    setMe(me) {
      if (state.status === 'signedIn') set({ status: 'signedIn', me });
    },
    async logOut() {
      leaving = true;
      const refreshToken = client.session?.refreshToken;
      client.logOut();
      set({ status: 'signedOut', reason: null });
      // Ends the session family on the server too (its refresh tokens stop working; access
      // tokens already out expire within minutes). Sent after forgetting the session here,
      // so it goes without a token (none is needed) and never waits on a refresh.
      if (refreshToken) await client.request(LogOutDocument, { refreshToken }).catch(() => {});
    },
  };
}

export const session = createSessionStore();

export function useSession(): SessionState {
  return useSyncExternalStore(session.subscribe, session.get);
}

/** The signed-in agent (only under the signed-in part of the app). */
export function useMe(): Agent {
  const s = useSession();
  if (s.status !== 'signedIn') throw new Error('useMe outside a session');
  return s.me;
}

export const isAdmin = (me: Agent) => me.role === 'OWNER' || me.role === 'ADMIN';
