/**
 * Console sessions: a random id in an HttpOnly cookie, stored as its SHA-256, with an absolute
 * expiry. The CSRF token of a session is an HMAC of its id, so it needs no storage and is
 * worthless without the cookie.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { StaffRole } from '../http/context.ts';
import { randomToken, sha256Hex, type Signer } from './signing.ts';

export const SESSION_COOKIE = 'gazette_session';
/** How long a session lasts after sign-in. */
export const SESSION_TTL_SECONDS = 12 * 60 * 60;

export interface SessionUser {
  sessionId: string;
  userId: string;
  email: string;
  name: string;
  role: StaffRole;
  timezone: string;
  expiresAt: Date;
}

/** Opens a session for a user and returns the cookie value (the only copy of the id). */
export async function createSession(
  db: Kysely<Database>,
  userId: string,
  meta: { ip?: string | null; userAgent?: string | null; now: Date },
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomToken(32);
  const expiresAt = new Date(meta.now.getTime() + SESSION_TTL_SECONDS * 1000);
  await db
    .insertInto('sessions')
    .values({
      token_hash: await sha256Hex(token),
      user_id: userId,
      ip: meta.ip ?? null,
      user_agent: meta.userAgent?.slice(0, 300) ?? null,
      created_at: meta.now,
      last_seen_at: meta.now,
      expires_at: expiresAt,
    })
    .execute();
  // Expired sessions are of no use to anyone; clearing them here keeps the table small.
  await db.deleteFrom('sessions').where('expires_at', '<', meta.now).execute();
  return { token, expiresAt };
}

/** Returns the signed-in user for a cookie value, or undefined when it is unknown or expired. */
export async function findSession(db: Kysely<Database>, token: string, now: Date): Promise<SessionUser | undefined> {
  if (!token || token.length > 100) return undefined;
  const row = await db
    .selectFrom('sessions')
    .innerJoin('staff_users', 'staff_users.id', 'sessions.user_id')
    .select([
      'sessions.id as sessionId',
      'sessions.expires_at as expiresAt',
      'sessions.last_seen_at as lastSeenAt',
      'staff_users.id as userId',
      'staff_users.email',
      'staff_users.name',
      'staff_users.role',
      'staff_users.timezone',
    ])
    .where('sessions.token_hash', '=', await sha256Hex(token))
    .where('sessions.expires_at', '>', now)
    .where('staff_users.disabled_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  // Record activity at most once a minute, not on every request.
  if (now.getTime() - new Date(row.lastSeenAt).getTime() > 60_000) {
    await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', row.sessionId).execute();
  }
  const { lastSeenAt: _ignored, ...user } = row;
  return user;
}

/** Ends a session (sign-out). */
export async function deleteSession(db: Kysely<Database>, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', await sha256Hex(token)).execute();
}

/** The CSRF token bound to a session: forms carry it, and the server recomputes it. */
export function csrfTokenFor(signer: Signer, sessionToken: string): Promise<string> {
  return signer.hash(`csrf:${sessionToken}`);
}

/** Counts live sessions per user, for the staff page. */
export async function liveSessionCounts(db: Kysely<Database>, now: Date): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('sessions')
    .select(['user_id', sql<string>`count(*)`.as('n')])
    .where('expires_at', '>', now)
    .groupBy('user_id')
    .execute();
  return new Map(rows.map((row) => [row.user_id, Number(row.n)]));
}
