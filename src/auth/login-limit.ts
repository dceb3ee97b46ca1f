/**
 * Sign-in rate limiting, kept in the database so every process (and the edge) counts the same
 * attempts: at most 5 failures per address and 30 per IP address in 15 minutes.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export const LOGIN_WINDOW_MINUTES = 15;
const maxFailuresPerEmail = 5;
const maxFailuresPerIp = 30;

/** Returns the minutes to wait before trying again, or 0 when an attempt is allowed. */
export async function loginWaitMinutes(db: Kysely<Database>, email: string, ip: string, now: Date): Promise<number> {
  const since = new Date(now.getTime() - LOGIN_WINDOW_MINUTES * 60_000);
  const key = email.trim().toLowerCase();
  const [byEmail, byIp] = await Promise.all([
    db
      .selectFrom('login_attempts')
      .select(['created_at'])
      .where('email', '=', key)
      .where('succeeded', '=', false)
      .where('created_at', '>', since)
      .orderBy('created_at', 'asc')
      .execute(),
    ip
      ? db
          .selectFrom('login_attempts')
          .select(['created_at'])
          .where('ip', '=', ip)
          .where('succeeded', '=', false)
          .where('created_at', '>', since)
          .orderBy('created_at', 'asc')
          .execute()
      : Promise.resolve([]),
  ]);
  const waits: number[] = [];
  for (const [rows, max] of [
    [byEmail, maxFailuresPerEmail],
    [byIp, maxFailuresPerIp],
  ] as const) {
    if (rows.length >= max) {
      // Allowed again once the oldest counted failure leaves the window.
      const oldest = new Date(rows[rows.length - max]!.created_at).getTime();
      waits.push(Math.max(1, Math.ceil((oldest + LOGIN_WINDOW_MINUTES * 60_000 - now.getTime()) / 60_000)));
    }
  }
  return waits.length ? Math.max(...waits) : 0;
}

/** Records an attempt; a success clears the address's earlier failures. */
export async function recordLoginAttempt(
  db: Kysely<Database>,
  attempt: { email: string; ip: string; succeeded: boolean; now: Date },
): Promise<void> {
  const email = attempt.email.trim().toLowerCase().slice(0, 320);
  if (attempt.succeeded) {
    await db.deleteFrom('login_attempts').where('email', '=', email).where('succeeded', '=', false).execute();
  }
  await db
    .insertInto('login_attempts')
    .values({ email, ip: attempt.ip, succeeded: attempt.succeeded, created_at: attempt.now })
    .execute();
  const old = new Date(attempt.now.getTime() - 24 * 60 * 60_000);
  await db.deleteFrom('login_attempts').where('created_at', '<', old).execute();
}
