/**
 * Password hashing with scrypt, a memory-hard function, in a self-describing format:
 * `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>` (salt and hash base64url), so parameters can be
 * raised later without invalidating stored hashes.
 *
 * `node:crypto` is imported when a password is hashed or checked, never at module load, so the
 * app stays importable at the edge (where Workers' `nodejs_compat` provides scrypt).
 */

/** Cost: N = 2^15, r = 8 needs 32 MiB per hash (128 * N * r bytes). */
const defaults = { logN: 15, r: 8, p: 1, keyLength: 32 };

type ScryptModule = typeof import('node:crypto');

let cryptoModule: Promise<ScryptModule> | undefined;
function nodeCrypto(): Promise<ScryptModule> {
  cryptoModule ??= import('node:crypto');
  return cryptoModule;
}

async function derive(password: string, salt: Buffer, logN: number, r: number, p: number, keyLength: number): Promise<Buffer> {
  const { scrypt } = await nodeCrypto();
  const N = 2 ** logN;
  return new Promise((resolve, reject) => {
    // maxmem must exceed 128 * N * r, or Node refuses the parameters.
    scrypt(password.normalize('NFC'), salt, keyLength, { N, r, p, maxmem: 256 * N * r }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** Hashes a password for storage. */
export async function hashPassword(password: string): Promise<string> {
  const { randomBytes } = await nodeCrypto();
  const salt = randomBytes(16);
  const { logN, r, p, keyLength } = defaults;
  const key = await derive(password, salt, logN, r, p, keyLength);
  return ['scrypt', logN, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Checks a password against a stored hash in constant time; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [logN, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![logN, r, p].every((value) => Number.isInteger(value) && value > 0) || logN > 20) return false;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  const { timingSafeEqual } = await nodeCrypto();
  const key = await derive(password, salt, logN, r, p, expected.length);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** The rule a new password must meet, in words for forms and the CLI. */
export const passwordRule = 'at least 12 characters';

/** Returns why a new password is not accepted, or undefined when it is. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < 12) return `The password is too short: use ${passwordRule}.`;
  if (password.length > 200) return 'The password is too long: use at most 200 characters.';
  return undefined;
}
