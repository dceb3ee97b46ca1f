/**
 * The suppression list as staff manage it: search, add by hand, remove. Built on
 * `src/feedback/suppressions.ts`, which owns the keyed-hash storage.
 */
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { SuppressionReason } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { NotFoundError } from '../errors.ts';
import { suppressAddress, suppressionKey } from '../feedback/suppressions.ts';
import { offsetOf, type Page } from '../http/pagination.ts';
import { recordConsent } from './consent.ts';
import { findByEmail, requireAddress, type ConsentContext } from './subscribers.ts';

export interface Suppression {
  id: string;
  /** Null for an erased subscriber, whose address is kept only as a keyed hash. */
  email: string | null;
  reason: SuppressionReason;
  details: Record<string, unknown>;
  createdAt: string;
}

function toSuppression(row: { id: string; email: string | null; reason: SuppressionReason; details: unknown; created_at: Date | string }): Suppression {
  return {
    id: row.id,
    email: row.email,
    reason: row.reason,
    details: (typeof row.details === 'string' ? JSON.parse(row.details) : row.details) as Record<string, unknown>,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export async function getSuppression(db: Db, id: string): Promise<Suppression> {
  const row = /^\d+$/.test(id) ? await db.selectFrom('suppressions').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw new NotFoundError(`No suppression with id ${id}. It may have been removed already.`);
  return toSuppression(row);
}

/**
 * Finds the suppression of one whole address through its keyed hash, so an erased subscriber's
 * row, which keeps no address, is found too.
 */
export async function findSuppressionOf(deps: Pick<Deps, 'db' | 'signer'>, email: string): Promise<Suppression | undefined> {
  const row = await deps.db
    .selectFrom('suppressions')
    .selectAll()
    .where('email_hash', '=', await suppressionKey(deps.signer, email))
    .executeTakeFirst();
  return row ? toSuppression(row) : undefined;
}

export async function searchSuppressions(
  db: Db,
  query: { q?: string; reason?: SuppressionReason; page: number; pageSize: number },
): Promise<Page<Suppression>> {
  let base = db.selectFrom('suppressions');
  if (query.q) base = base.where('email', 'ilike', `%${query.q.replace(/[\\%_]/g, (char) => `\\${char}`)}%`);
  if (query.reason) base = base.where('reason', '=', query.reason);
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy('id', 'desc').limit(query.pageSize).offset(offsetOf(query.page, query.pageSize)).execute(),
    base.select(sql<string>`count(*)`.as('count')).executeTakeFirstOrThrow(),
  ]);
  return {
    items: rows.map((row) => ({
      id: row.id,
      email: row.email,
      reason: row.reason,
      details: typeof row.details === 'string' ? JSON.parse(row.details) : row.details,
      createdAt: new Date(row.created_at).toISOString(),
    })),
    total: Number(count.count),
    page: query.page,
    pageSize: query.pageSize,
  };
}

/** Adds an address by hand (reason `manual` unless given) and logs it against its subscriber. */
export async function addSuppression(
  deps: Deps,
  input: { email: string; reason?: SuppressionReason; note?: string },
  context: ConsentContext,
): Promise<{ suppression: Suppression; created: boolean }> {
  const email = requireAddress(input.email);
  const reason = input.reason ?? 'manual';
  return deps.db.transaction().execute(async (tx) => {
    const created = await suppressAddress(tx, deps.signer, {
      email,
      reason,
      details: { ...(input.note ? { note: input.note } : {}), ...(context.actor ? { actor: context.actor } : {}) },
    });
    const subscriber = await findByEmail(tx, email);
    if (subscriber && created) {
      await recordConsent(tx, { subscriberId: subscriber.id, action: 'suppressed', source: context.source, details: { reason } });
    }
    const row = await tx
      .selectFrom('suppressions')
      .selectAll()
      .where('email_hash', '=', await suppressionKey(deps.signer, email))
      .executeTakeFirstOrThrow();
    return {
      created,
      suppression: {
        id: row.id,
        email: row.email,
        reason: row.reason,
        details: typeof row.details === 'string' ? JSON.parse(row.details) : row.details,
        createdAt: new Date(row.created_at).toISOString(),
      },
    };
  });
}

/** Removes a suppression, so the address may be mailed again, and logs it. */
export async function removeSuppression(deps: Deps, id: string, context: ConsentContext): Promise<void> {
  await deps.db.transaction().execute(async (tx) => {
    const row = /^\d+$/.test(id)
      ? await tx.deleteFrom('suppressions').where('id', '=', id).returning(['email', 'reason']).executeTakeFirst()
      : undefined;
    if (!row) throw new NotFoundError(`No suppression with id ${id}.`);
    const subscriber = row.email ? await findByEmail(tx, row.email) : undefined;
    if (subscriber) {
      await recordConsent(tx, {
        subscriberId: subscriber.id,
        action: 'unsuppressed',
        source: context.source,
        details: { reason: row.reason, ...(context.actor ? { actor: context.actor } : {}) },
      });
    }
  });
}
