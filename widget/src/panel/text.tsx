/**
 * Message text as the visitor sees it: plain text (never HTML: bodies are user input),
 * with web addresses made into links that open in a new tab without handing it the
 * page (`noopener`) or the referrer. Only `http:` and `https:` become links, so a
 * `javascript:` or `data:` address stays text.
 */
import type { ComponentChildren } from './dom.js';

/** An address: a scheme or `www.`, up to white space or an angle bracket. */
const ADDRESS = /\b(?:https?:\/\/|www\.)[^\s<>"]+/gi;
/** Punctuation that ends a sentence rather than the address. */
const TRAILING = /[.,;:!?'")\]}]+$/;

/** The `href` for an address, or null when it is not a web address. */
export function safeHref(text: string): string | null {
  try {
    const url = new URL(/^www\./i.test(text) ? `https://${text}` : text);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

/** `text` with its web addresses as links. */
export function linkify(text: string): ComponentChildren {
  const parts: ComponentChildren[] = [];
  let from = 0;
  for (const match of text.matchAll(ADDRESS)) {
    const address = match[0].replace(TRAILING, '');
    const href = safeHref(address);
    if (!href) continue;
    parts.push(
      text.slice(from, match.index),
      <a href={href} target="_blank" rel="noopener noreferrer nofollow ugc">
        {address}
      </a>,
    );
    from = match.index! + address.length;
  }
  parts.push(text.slice(from));
  return parts;
}
