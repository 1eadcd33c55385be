/**
 * Encryption at rest: what the app stores about a shop (its Admin API access token, its
 * Chinwag website) is sealed with AES-256-GCM under `ENCRYPTION_KEY`, with the row's own
 * key as associated data, so a sealed value copied into another shop's row does not open.
 * A leading version byte leaves room for a key rotation.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 1;

/** `seal(value, context)` and `open(bytes, context)` under the base64 `key`. */
export function createSealer(key) {
  const secret = Buffer.from(key, 'base64');
  return {
    seal(value, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', secret, iv);
      cipher.setAAD(Buffer.from(context));
      const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
    },
    open(bytes, context) {
      if (bytes[0] !== VERSION) throw new Error('Unknown sealed value version');
      const decipher = createDecipheriv('aes-256-gcm', secret, bytes.subarray(1, 13));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(bytes.subarray(13, 29));
      return JSON.parse(Buffer.concat([decipher.update(bytes.subarray(29)), decipher.final()]).toString('utf8'));
    },
  };
}
