/**
 * The consent log: an append-only record of every change to what a subscriber agreed to.
 */
import type { Kysely, Transaction } from 'kysely';
import type { ConsentAction, ConsentSource, Database } from '../db/schema.ts';

export interface ConsentEntry {
  subscriberId: string | null;
  action: ConsentAction;
  source: ConsentSource;
  /** List slugs concerned. */
  lists?: string[];
  ip?: string | null;
  userAgent?: string | null;
  details?: Record<string, unknown>;
  at?: Date;
}

/** Appends one or more consent entries. */
export async function recordConsent(
  db: Kysely<Database> | Transaction<Database>,
  entries: ConsentEntry | ConsentEntry[],
): Promise<void> {
  const rows = (Array.isArray(entries) ? entries : [entries]).map((entry) => ({
    subscriber_id: entry.subscriberId,
    action: entry.action,
    source: entry.source,
    lists: entry.lists ?? [],
    ip: entry.ip ?? null,
    user_agent: entry.userAgent ?? null,
    details: entry.details ?? {},
    ...(entry.at ? { created_at: entry.at } : {}),
  }));
  if (rows.length === 0) return;
  await db.insertInto('consent_log').values(rows).execute();
}
