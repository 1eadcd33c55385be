/**
 * Checks shared by the routes: Shopify's query signatures (the admin's `hmac`, the app
 * proxy's `signature`; the library compares in constant time and refuses a timestamp
 * more than 90 seconds off) on queries whose every value is a single string. A repeated
 * parameter (`?logged_in_customer_id=1&logged_in_customer_id=2`) is refused outright: the
 * proxy signs it joined with a comma, and whichever copy a route then read would be one
 * Shopify never vouched for.
 */
import { createHmac } from 'node:crypto';

export const singleValued = (query) => Object.values(query).every((v) => typeof v === 'string');

/** Whether `query` carries a good signature of `kind` (`admin` or `appProxy`). */
export async function signed(shopify, query, kind = 'admin') {
  if (!singleValued(query)) return false;
  try {
    return await shopify.utils.validateHmac(query, { signator: kind });
  } catch {
    // No signature, or a timestamp out of range.
    return false;
  }
}

/**
 * The query string Shopify would sign for `params` (its pairs sorted by key, URL-encoded, as
 * the library checks them), with its `hmac`: how the embedded page sends a shop that has no session yet to
 * `/auth` at the top level, through a URL only this app or Shopify could have made.
 */
export function signQuery(secret, params) {
  const query = new URLSearchParams({ ...params, timestamp: String(Math.floor(Date.now() / 1000)) });
  query.sort();
  query.set('hmac', createHmac('sha256', secret).update(query.toString()).digest('hex'));
  return query.toString();
}

export const escapeHtml = (s) =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
