/** Small helpers shared by the clients: timing, ids, storage. Internal. */

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Adds `listener` to `listeners`; returns what removes it. */
export const listen = <T>(listeners: Set<T>, listener: T): (() => void) => (
  listeners.add(listener),
  () => void listeners.delete(listener)
);

/**
 * Randomised exponential backoff: about 0.25-0.5 s after the first failure, doubling to
 * at most 7.5-15 s. The jitter spreads a reconnect storm after a server restart.
 */
export const backoff = (attempt: number): number => Math.min(500 * 2 ** attempt, 15_000) * (0.5 + Math.random() / 2);

/**
 * A random idempotency key: 32 hex characters. `getRandomValues` rather than
 * `randomUUID`, which browsers only offer on secure origins.
 */
export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let id = '';
  for (const b of bytes) id += (b + 256).toString(16).slice(1);
  return id;
}

/**
 * Where a client keeps its tokens between page loads: `localStorage`, `sessionStorage`,
 * or anything with the same three methods (React Native's storage wrapped, a cookie
 * jar, a file in a Node script).
 */
export interface TokenStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** A {@link TokenStorage} that forgets everything when the page or process ends. */
export function memoryStorage(): TokenStorage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

/** `localStorage` when the page may use it (it throws in some private modes), else memory. */
export function defaultStorage(): TokenStorage {
  try {
    const s = globalThis.localStorage;
    s.getItem('chinwag');
    return s;
  } catch {
    return memoryStorage();
  }
}

/** Reads a JSON value from storage; `null` when absent, unreadable or malformed. */
export function load<T>(storage: TokenStorage, key: string): T | null {
  try {
    return JSON.parse(storage.getItem(key) ?? 'null') as T | null;
  } catch {
    return null;
  }
}

/** Writes (or, with `null`, removes) a JSON value; storage failures (quota, private mode) are not fatal. */
export function save(storage: TokenStorage, key: string, value: unknown): void {
  try {
    if (value == null) storage.removeItem(key);
    else storage.setItem(key, JSON.stringify(value));
  } catch {
    // The session then lasts as long as the page: better than failing the chat.
  }
}
