/**
 * Sending what `Chinwag('track', name, properties)` kept (`Host.tracked`), an on-demand
 * piece: the core loads it only when a visitor with a session has events to send. Each
 * event becomes what `trackEvents` takes, without what the server would refuse (one bad
 * event refuses a whole call), and goes with the time it happened, 20 to a call.
 *
 * `purchase` carries its `value` and `currency` as GA4's does, among the properties; they
 * become the event's own fields. The server keeps purchases and the website's goals and
 * drops the rest (docs/analytics.md#conversions).
 */
// Types only: the returning visitor's core has its own copy of the SDK, so `instanceof
// ChinwagError` here would not know its errors (`code` does).
import type { ChinwagError, TrackEvent } from '@chinwag/sdk';
import type { TrackedEvent } from './api.js';
import type { Core } from './core.js';

/** Events per call and properties per event, as the server takes them (api/src/domain/conversions.rs). */
const MAX = 20;
/** The oldest event the server takes is a day old: a minute less, for the way there. */
const MAX_AGE_MS = 86_340_000;
/** Failures after which the events may yet be recorded: they wait for the next flush. */
const RETRY = ['NETWORK_ERROR', 'UNAVAILABLE', 'RATE_LIMITED'];

let queued = false;

/**
 * Sends the kept events soon: what `track` adds within the same task goes in the same
 * call. Called by the core whenever there may be something to send.
 */
export function send(core: Core): void {
  if (queued) return;
  queued = true;
  setTimeout(() => {
    queued = false;
    void flush(core);
  });
}

async function flush(core: Core): Promise<void> {
  const kept = core.host.tracked;
  // Taken out while on their way: a `track` meanwhile is sent by a flush of its own.
  const events = kept.splice(0);
  for (let i = 0; i < events.length; i += MAX) {
    const batch = events.slice(i, i + MAX);
    const inputs = batch.flatMap((e) => input(e, core) ?? []);
    try {
      if (inputs.length) await core.client.track(inputs);
    } catch (e) {
      if (RETRY.includes((e as ChinwagError).code)) {
        // Back in front, for the next flush, within the loader's 100.
        kept.unshift(...events.slice(i));
        kept.splice(0, kept.length - 100);
        return;
      }
      // Refused (BAD_USER_INPUT: an unknown currency, say): dropped, never tried again.
      core.report(e);
    }
  }
}

/** The event as the server takes it, or `undefined` (and an `error` event) when it would refuse it. */
function input({ name, properties, at }: TrackedEvent, core: Core): TrackEvent | undefined {
  if (!/^[\w.:-]{1,64}$/.test(name) || Date.now() - Date.parse(at) > MAX_AGE_MS) {
    core.host.emit('error', {
      code: 'BAD_USER_INPUT',
      message: `track: '${name}' is not 1 to 64 letters, digits, _ . : or -, or is over a day old`,
    });
    return;
  }
  const p = properties && typeof properties == 'object' ? properties : {};
  const event: TrackEvent = { name, occurredAt: at, properties: {} };
  const { value, currency } = p;
  const amount = typeof value == 'string' && value.trim() ? +value : value;
  // Both or neither, as the server has it; otherwise they stay properties.
  const money = typeof amount == 'number' && amount >= 0 && amount <= 1e6 && /^[a-z]{3}$/i.test(`${currency}`);
  if (money) Object.assign(event, { value: amount, currency: `${currency}` });
  let n = 0;
  for (const [key, v] of Object.entries(p)) {
    if (money && (key == 'value' || key == 'currency')) continue;
    const text = string(v);
    // Keys as the server takes them (ASCII `\w`), values of at most 200 characters.
    if (n < MAX && /^[\w-]{1,40}$/.test(key) && text != null && [...text].length <= 200 && !text.includes('\0')) {
      event.properties![key] = text;
      n++;
    }
  }
  return event;
}

/** A property's value as text (objects as JSON), or `undefined` for none or one that cannot be. */
function string(v: unknown): string | undefined {
  try {
    return v == null ? undefined : typeof v == 'object' ? JSON.stringify(v) : String(v);
  } catch {
    return undefined; // a cycle, a BigInt inside an object
  }
}
