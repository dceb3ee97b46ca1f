/**
 * The suppression list: addresses never mailed, with the reason. It is checked when an
 * audience is materialised and again just before each send.
 *
 * Rows are keyed by a keyed hash of the lower-cased address, so an erased subscriber leaves
 * only the hash and a later import of the same address is still recognised.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Signer } from '../auth/signing.ts';
import type { Database, SuppressionReason } from '../db/schema.ts';

type Executor = Kysely<Database> | Transaction<Database>;

/** Returns the key a suppression row is stored under. */
export function suppressionKey(signer: Signer, email: string): Promise<string> {
  return signer.hash(`email:${email.trim().toLowerCase()}`);
}

export interface SuppressInput {
  email: string;
  reason: SuppressionReason;
  details?: Record<string, unknown>;
  /** Keep only the hash (erasure). */
  hashOnly?: boolean;
}

/**
 * Adds an address to the suppression list. An existing row keeps its first reason unless the
 * new one is stronger (a complaint or hard bounce replaces soft bounces). Returns true when the
 * address was not suppressed before.
 */
export async function suppressAddress(db: Executor, signer: Signer, input: SuppressInput): Promise<boolean> {
  const key = await suppressionKey(signer, input.email);
  const inserted = await db
    .insertInto('suppressions')
    .values({
      email: input.hashOnly ? null : input.email.trim().toLowerCase(),
      email_hash: key,
      reason: input.reason,
      details: JSON.stringify(input.details ?? {}),
    })
    .onConflict((conflict) => conflict.column('email_hash').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return true;

  if (input.hashOnly) {
    await db.updateTable('suppressions').set({ email: null, reason: 'erased' }).where('email_hash', '=', key).execute();
  } else if (input.reason !== 'soft_bounces') {
    await db
      .updateTable('suppressions')
      .set({ reason: input.reason })
      .where('email_hash', '=', key)
      .where('reason', '=', 'soft_bounces')
      .execute();
  }
  return false;
}

/** Returns the suppression reason for an address, or undefined when it may be mailed. */
export async function suppressionOf(db: Executor, signer: Signer, email: string): Promise<SuppressionReason | undefined> {
  const row = await db
    .selectFrom('suppressions')
    .select('reason')
    .where('email_hash', '=', await suppressionKey(signer, email))
    .executeTakeFirst();
  return row?.reason;
}
