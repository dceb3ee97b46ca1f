/**
 * Signed tokens for links in mail (confirm, unsubscribe, preferences) and keyed hashes.
 *
 * HMAC-SHA256 through Web Crypto, so the same code runs on Node and at the edge. Verification
 * goes through `crypto.subtle.verify`, which compares in constant time.
 */

const encoder = new TextEncoder();

/** What a token carries: its purpose, a small payload and an optional expiry (epoch seconds). */
interface TokenBody<T> {
  p: string;
  d: T;
  e?: number;
}

export interface Signer {
  /** Signs `data` for one purpose; `ttlSeconds` makes the token expire. */
  sign<T>(purpose: string, data: T, options?: { ttlSeconds?: number; now?: Date }): Promise<string>;
  /**
   * Verifies a token for `purpose` and returns its payload, or a reason it is not accepted.
   * A token signed for another purpose is `invalid`, never accepted.
   */
  verify<T>(purpose: string, token: string, now?: Date): Promise<VerifyResult<T>>;
  /** Returns a keyed hash (hex) of a value, for lookups that must not keep the value itself. */
  hash(value: string): Promise<string>;
}

export type VerifyResult<T> = { ok: true; data: T } | { ok: false; reason: 'invalid' | 'expired' };

/** Creates a signer from the secret key (`SECRET_KEY`, or the one embedded mode generates). */
export function createSigner(secretKey: string): Signer {
  const keyPromise = crypto.subtle.importKey(
    'raw',
    encoder.encode(secretKey),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );

  return {
    async sign(purpose, data, options = {}) {
      const body: TokenBody<typeof data> = { p: purpose, d: data };
      if (options.ttlSeconds !== undefined) {
        body.e = Math.floor((options.now ?? new Date()).getTime() / 1000 + options.ttlSeconds);
      }
      const encoded = toBase64Url(encoder.encode(JSON.stringify(body)));
      const signature = await crypto.subtle.sign('HMAC', await keyPromise, encoder.encode(encoded));
      return `${encoded}.${toBase64Url(new Uint8Array(signature))}`;
    },

    async verify<T>(purpose: string, token: string, now = new Date()): Promise<VerifyResult<T>> {
      const [encoded, signature, extra] = token.split('.');
      if (!encoded || !signature || extra !== undefined) return { ok: false, reason: 'invalid' };
      const signatureBytes = fromBase64Url(signature) as Uint8Array<ArrayBuffer> | undefined;
      if (!signatureBytes) return { ok: false, reason: 'invalid' };
      const valid = await crypto.subtle.verify('HMAC', await keyPromise, signatureBytes, encoder.encode(encoded));
      if (!valid) return { ok: false, reason: 'invalid' };

      const bytes = fromBase64Url(encoded);
      if (!bytes) return { ok: false, reason: 'invalid' };
      let body: TokenBody<T>;
      try {
        body = JSON.parse(new TextDecoder().decode(bytes)) as TokenBody<T>;
      } catch {
        return { ok: false, reason: 'invalid' };
      }
      if (body.p !== purpose) return { ok: false, reason: 'invalid' };
      if (body.e !== undefined && body.e * 1000 < now.getTime()) return { ok: false, reason: 'expired' };
      return { ok: true, data: body.d };
    },

    async hash(value) {
      const digest = await crypto.subtle.sign('HMAC', await keyPromise, encoder.encode(`hash:${value}`));
      return toHex(new Uint8Array(digest));
    },
  };
}

/** Compares two secrets in constant time (of their SHA-256 digests, so lengths may differ). */
export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const [left, right] = await Promise.all([
    crypto.subtle.digest('SHA-256', encoder.encode(a)),
    crypto.subtle.digest('SHA-256', encoder.encode(b)),
  ]);
  const x = new Uint8Array(left);
  const y = new Uint8Array(right);
  let difference = 0;
  for (let i = 0; i < x.length; i++) difference |= x[i]! ^ y[i]!;
  return difference === 0;
}

/** Returns the SHA-256 of a value as hex, for storing API tokens and session ids. */
export async function sha256Hex(value: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(value))));
}

/** Returns `bytes` random bytes as base64url, for tokens and secrets. */
export function randomToken(bytes = 32): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  try {
    return Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
  } catch {
    return undefined;
  }
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
