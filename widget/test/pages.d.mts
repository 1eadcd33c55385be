/** The types of `pages.mjs`, the customer's site of the browser tests and the opening benchmark. */

export interface Pages {
  /** `http://localhost:PORT`: another origin than the chat server's. */
  url: string;
  close(): Promise<void>;
}

/** Rules that would wreck a widget living in the page's own DOM (`/shop?hostile=1`). */
export declare const HOSTILE_CSS: string;

/** Serves the shop page, installing the widget from `chinwag` (an origin). */
export declare function startPages(chinwag: string): Promise<Pages>;
