/**
 * Personal API tokens: bearer tokens that act as one staff account, with its role. Only the
 * SHA-256 of a token is stored; the token itself is shown once, when it is created.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { StaffRole } from '../http/context.ts';
import { randomToken, sha256Hex } from './signing.ts';

/** Tokens start with this, so a leaked one is easy to recognise (and to scan for). */
export const TOKEN_PREFIX = 'gzp_';

export interface ApiToken {
  id: string;
  userId: string;
  userEmail: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export interface TokenOwner {
  tokenId: string;
  userId: string;
  email: string;
  role: StaffRole;
  tokenName: string;
}

/** Creates a token for a user and returns it in full (this is the only time it is readable). */
export async function createApiToken(
  db: Kysely<Database>,
  input: { userId: string; name: string; expiresAt?: Date | null },
): Promise<{ token: string; id: string }> {
  const name = input.name.trim();
  if (!name) {
    throw new ValidationError('Give the token a name that says where it is used, such as "website sign-up form".', [
      { path: 'name', message: 'required' },
    ]);
  }
  const token = `${TOKEN_PREFIX}${randomToken(32)}`;
  const row = await db
    .insertInto('api_tokens')
    .values({
      user_id: input.userId,
      name: name.slice(0, 100),
      token_hash: await sha256Hex(token),
      prefix: token.slice(0, TOKEN_PREFIX.length + 6),
      expires_at: input.expiresAt ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { token, id: row.id };
}

/** Every token, newest first, revoked ones included (they stay listed as revoked). */
export async function listApiTokens(db: Kysely<Database>, userId?: string): Promise<ApiToken[]> {
  let query = db
    .selectFrom('api_tokens')
    .innerJoin('staff_users', 'staff_users.id', 'api_tokens.user_id')
    .select([
      'api_tokens.id',
      'api_tokens.user_id as userId',
      'staff_users.email as userEmail',
      'api_tokens.name',
      'api_tokens.prefix',
      'api_tokens.created_at as createdAt',
      'api_tokens.last_used_at as lastUsedAt',
      'api_tokens.expires_at as expiresAt',
      'api_tokens.revoked_at as revokedAt',
    ])
    .orderBy('api_tokens.id', 'desc');
  if (userId) query = query.where('api_tokens.user_id', '=', userId);
  return query.execute();
}

/** Revokes a token; revoking one already revoked changes nothing. */
export async function revokeApiToken(db: Kysely<Database>, id: string, now: Date): Promise<void> {
  if (!/^\d+$/.test(id)) throw new NotFoundError(`No API token with id ${id}.`);
  const row = await db
    .updateTable('api_tokens')
    .set({ revoked_at: sql<Date>`coalesce(revoked_at, ${now})` })
    .where('id', '=', id)
    .returning('id')
    .executeTakeFirst();
  if (!row) throw new NotFoundError(`No API token with id ${id}.`);
}

/** Returns who a presented token belongs to, or undefined when it is unknown, revoked or expired. */
export async function findTokenOwner(db: Kysely<Database>, token: string, now: Date): Promise<TokenOwner | undefined> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
  const row = await db
    .selectFrom('api_tokens')
    .innerJoin('staff_users', 'staff_users.id', 'api_tokens.user_id')
    .select([
      'api_tokens.id as tokenId',
      'api_tokens.name as tokenName',
      'api_tokens.last_used_at as lastUsedAt',
      'staff_users.id as userId',
      'staff_users.email',
      'staff_users.role',
    ])
    .where('api_tokens.token_hash', '=', await sha256Hex(token))
    .where('api_tokens.revoked_at', 'is', null)
    .where((eb) => eb.or([eb('api_tokens.expires_at', 'is', null), eb('api_tokens.expires_at', '>', now)]))
    .where('staff_users.disabled_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  if (!row.lastUsedAt || now.getTime() - new Date(row.lastUsedAt).getTime() > 60_000) {
    await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.tokenId).execute();
  }
  return { tokenId: row.tokenId, userId: row.userId, email: row.email, role: row.role, tokenName: row.tokenName };
}
