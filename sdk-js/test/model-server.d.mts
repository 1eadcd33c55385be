/** The types of `model-server.mjs`, the chat-completions double the JavaScript suites share. */

/** What the double was asked (a chat-completions request body). */
export interface CompletionRequest {
  model: string;
  messages: { role: string; content: string }[];
  stream?: boolean;
  [key: string]: unknown;
}

export interface ModelServer {
  /** The base URL to pass as `--model-url`: `http://127.0.0.1:PORT/v1`. */
  url: string;
  /** `http://127.0.0.1:PORT`, where `POST /script` scripts it from another process. */
  origin: string;
  /** Every request, oldest first. */
  requests: CompletionRequest[];
  /**
   * The next request's answer (`FAIL`: a 500), streamed a word every `wordMs` when asked
   * to stream.
   */
  say(answer: string, options?: { wordMs?: number }): void;
  close(): Promise<void>;
}

/**
 * Starts the double on a free port; `wordMs` is the pause before each streamed word.
 * @default wordMs 40 (as the server's own test double)
 */
export declare function startModelServer(options?: { wordMs?: number }): Promise<ModelServer>;
