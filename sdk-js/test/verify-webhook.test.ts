/**
 * `verifyWebhook` without a server: deliveries signed by `standardwebhooks` (the Standard
 * Webhooks reference library), then changed one way or another.
 */
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { verifyWebhook, WebhookVerificationError, type WebhookVerificationErrorCode } from '../src/webhooks.js';

const secret = 'whsec_' + Buffer.from('a secret of twenty-four!').toString('base64');
const other = 'whsec_' + Buffer.from('another secret, not ours').toString('base64');
const body = JSON.stringify({ type: 'message.created', timestamp: '2026-12-06T10:00:00Z', data: { message: { body: 'Hi ✓' } } });

/** Headers as Chinwag sends them, signed with `secrets` at `at`. */
function signed(secrets: string[], { at = new Date(), id = 'evt_01JEXAMPLE', payload = body } = {}) {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((s) => new Webhook(s).sign(id, at, payload)).join(' '),
  };
}

/** The code `verifyWebhook` refused with (undefined when it accepted). */
async function refusal(...args: Parameters<typeof verifyWebhook>): Promise<WebhookVerificationErrorCode | undefined> {
  try {
    await verifyWebhook(...args);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(WebhookVerificationError);
    return (e as WebhookVerificationError).code;
  }
}

describe('verifyWebhook', () => {
  it('returns the event of a delivery signed with the secret, from a string, bytes, Node headers or Fetch Headers', async () => {
    const headers = signed([secret]);
    const event = await verifyWebhook(secret, headers, body);
    expect(event).toEqual(JSON.parse(body));
    expect(await verifyWebhook(secret, headers, Buffer.from(body))).toEqual(event);
    expect(await verifyWebhook(secret, headers, new TextEncoder().encode(body).buffer)).toEqual(event);
    expect(await verifyWebhook(secret, new Headers(headers), body)).toEqual(event);
  });

  it('matches the specification’s test vector', async () => {
    const headers = {
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    };
    const event = await verifyWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', headers, '{"test": 2432232314}', {
      toleranceSeconds: Infinity,
    });
    expect(event).toEqual({ test: 2432232314 });
  });

  it('refuses a tampered body, a changed id and a wrong secret', async () => {
    const headers = signed([secret]);
    expect(await refusal(secret, headers, body.replace('Hi', 'Ho'))).toBe('BAD_SIGNATURE');
    expect(await refusal(secret, headers, body + ' ')).toBe('BAD_SIGNATURE');
    expect(await refusal(secret, { ...headers, 'webhook-id': 'evt_other' }, body)).toBe('BAD_SIGNATURE');
    expect(await refusal(other, headers, body)).toBe('BAD_SIGNATURE');
    // The timestamp is signed too: a fresher one breaks the signature.
    const later = String(Number(headers['webhook-timestamp']) + 1);
    expect(await refusal(secret, { ...headers, 'webhook-timestamp': later }, body)).toBe('BAD_SIGNATURE');
  });

  it('refuses a timestamp older or newer than the tolerance, or not a number', async () => {
    const tenMinutes = 10 * 60 * 1000;
    expect(await refusal(secret, signed([secret], { at: new Date(Date.now() - tenMinutes) }), body)).toBe('STALE_TIMESTAMP');
    expect(await refusal(secret, signed([secret], { at: new Date(Date.now() + tenMinutes) }), body)).toBe('STALE_TIMESTAMP');
    const fourMinutesAgo = signed([secret], { at: new Date(Date.now() - 4 * 60 * 1000) });
    expect(await refusal(secret, fourMinutesAgo, body)).toBeUndefined();
    expect(await refusal(secret, fourMinutesAgo, body, { toleranceSeconds: 60 })).toBe('STALE_TIMESTAMP');
    expect(await refusal(secret, { ...signed([secret]), 'webhook-timestamp': 'yesterday' }, body)).toBe('STALE_TIMESTAMP');
  });

  it('accepts any of several signatures (a rotation), and only v1 ones', async () => {
    const both = signed([other, secret]);
    expect(both['webhook-signature'].split(' ')).toHaveLength(2);
    expect(await refusal(secret, both, body)).toBeUndefined();
    expect(await refusal(other, both, body)).toBeUndefined();
    const ours = signed([secret])['webhook-signature'];
    const garbage = `v1,not-base64!! v1,${Buffer.alloc(32).toString('base64')} v1a,${ours.slice(3)}`;
    expect(await refusal(secret, { ...both, 'webhook-signature': `${garbage} ${ours}` }, body)).toBeUndefined();
    expect(await refusal(secret, { ...both, 'webhook-signature': garbage }, body)).toBe('BAD_SIGNATURE');
    expect(await refusal(secret, { ...both, 'webhook-signature': ours.replace('v1,', 'v2,') }, body)).toBe('BAD_SIGNATURE');
  });

  it('refuses a delivery without its headers, and a signed body that is not JSON', async () => {
    const headers = signed([secret]);
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const) {
      const without = Object.fromEntries(Object.entries(headers).filter(([k]) => k !== name));
      expect(await refusal(secret, without, body)).toBe('MISSING_HEADER');
    }
    expect(await refusal(secret, {}, body)).toBe('MISSING_HEADER');
    expect(await refusal(secret, signed([secret], { payload: 'not json' }), 'not json')).toBe('BAD_PAYLOAD');
  });

  it('takes a secret without its whsec_ prefix, and calls a secret that is not base64 a TypeError', async () => {
    expect(await verifyWebhook(secret.slice('whsec_'.length), signed([secret]), body)).toEqual(JSON.parse(body));
    await expect(verifyWebhook('whsec_***', signed([secret]), body)).rejects.toBeInstanceOf(TypeError);
  });
});
