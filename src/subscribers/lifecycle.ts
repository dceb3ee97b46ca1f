/**
 * A subscriber's own steps: sign-up (single or double opt-in), confirmation, unsubscribe,
 * preference changes, and the expiry of sign-ups never confirmed. Public pages, the JSON
 * endpoint and the console call these; each change is written to the consent log.
 */
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { ListRow, SubscriptionStatus } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { suppressionKey } from '../feedback/suppressions.ts';
import { resolveLists, resolveTopics } from '../lists/lists.ts';
import { preferencesUrl, tokenPurpose, type ConfirmPayload, type UnsubscribePayload } from '../public/links.ts';
import { recordConsent } from './consent.ts';
import { enforceRateLimit, purgeRateLimits, signupLimits } from './rate-limit.ts';
import { findByEmail, requireAddress, setSubscriptionStatuses, setTopics, type ConsentContext } from './subscribers.ts';

export const confirmationJob = 'subscribers.send-confirmation';
export const expireUnconfirmedJob = 'subscribers.expire-unconfirmed';

export interface SignupInput {
  email: string;
  name?: string;
  lists: string[];
  topics?: string[];
  attributes?: Record<string, unknown>;
}

/** What a sign-up did; the public answer never shows it, so nobody learns who is subscribed. */
export type SignupOutcome = 'subscribed' | 'confirmation_sent' | 'unchanged' | 'ignored';

/**
 * Signs an address up to public lists. Unknown or private slugs throw a `ValidationError`
 * before anything is written. A blocklisted or suppressed address is ignored silently, except
 * an erased one, which may sign up again but must confirm by email (which lifts the erasure
 * marker). Name, attributes and topics are only stored for a new subscriber, so a stranger
 * cannot overwrite someone else's details by typing their address.
 */
export async function signUp(deps: Deps, input: SignupInput, context: ConsentContext): Promise<SignupOutcome> {
  const email = requireAddress(input.email);
  const lists = await resolveLists(deps.db, input.lists, { publicOnly: true });
  const topics = await resolveTopics(deps.db, input.topics ?? []);
  const now = deps.now();

  if (context.ip) await enforceRateLimit(deps.db, `signup:ip:${context.ip}`, signupLimits.perIp, now);
  const key = await suppressionKey(deps.signer, email);
  await enforceRateLimit(deps.db, `signup:address:${key}`, signupLimits.perAddress, now);

  const result = await deps.db.transaction().execute(async (tx) => {
    const suppression = await tx.selectFrom('suppressions').select('reason').where('email_hash', '=', key).executeTakeFirst();
    if (suppression && suppression.reason !== 'erased') return { outcome: 'ignored' as const };
    const wasErased = suppression?.reason === 'erased';

    let subscriber = await findByEmail(tx, email);
    let created = false;
    if (!subscriber) {
      subscriber = await tx
        .insertInto('subscribers')
        .values({
          email,
          name: input.name?.trim() ?? '',
          attributes: input.attributes ?? {},
          source: context.source,
          created_at: now,
          updated_at: now,
        })
        .onConflict((conflict) => conflict.expression(sql`lower(email)`).doUpdateSet({ updated_at: now }))
        .returningAll()
        .executeTakeFirstOrThrow();
      created = true;
      if (topics.length > 0) await setTopics(tx, subscriber.id, topics.map((topic) => topic.slug));
    }
    if (subscriber.status !== 'active') return { outcome: 'ignored' as const };

    const existing = await tx
      .selectFrom('subscriptions')
      .select(['list_id', 'status'])
      .where('subscriber_id', '=', subscriber.id)
      .where('list_id', 'in', lists.map((list) => list.id))
      .execute();
    const statusOf = new Map(existing.map((row) => [row.list_id, row.status]));

    const confirmNow: ListRow[] = [];
    const reopened: ListRow[] = [];
    const pending: ListRow[] = [];
    for (const list of lists) {
      const status = statusOf.get(list.id);
      if (status === 'confirmed') continue;
      const needsConfirmation = list.opt_in === 'double' || wasErased;
      if (needsConfirmation) pending.push(list);
      else if (status === 'unsubscribed') reopened.push(list);
      else confirmNow.push(list);
    }

    await setSubscriptionStatuses(
      tx,
      subscriber.id,
      [
        ...[...confirmNow, ...reopened].map((list) => ({ listId: list.id, status: 'confirmed' as SubscriptionStatus })),
        ...pending.map((list) => ({ listId: list.id, status: 'unconfirmed' as SubscriptionStatus })),
      ],
      now,
    );
    // A repeated request for a pending list starts its expiry period again.
    if (pending.length > 0) {
      await tx
        .updateTable('subscriptions')
        .set({ updated_at: now })
        .where('subscriber_id', '=', subscriber.id)
        .where('list_id', 'in', pending.map((list) => list.id))
        .execute();
    }

    const base = { subscriberId: subscriber.id, source: context.source, ip: context.ip, userAgent: context.userAgent, at: now };
    const entries = [];
    const newlySubscribed = [...confirmNow, ...pending];
    if (newlySubscribed.length > 0) {
      entries.push({ ...base, action: 'subscribed' as const, lists: newlySubscribed.map((l) => l.slug), details: { created, optIn: pending.length > 0 ? 'double' : 'single' } });
    }
    if (reopened.length > 0) entries.push({ ...base, action: 'resubscribed' as const, lists: reopened.map((l) => l.slug) });
    await recordConsent(tx, entries);

    if (pending.length === 0) {
      return { outcome: (newlySubscribed.length + reopened.length > 0 ? 'subscribed' : 'unchanged') as SignupOutcome };
    }
    return { outcome: 'confirmation_sent' as const, subscriberId: subscriber.id, listIds: pending.map((list) => list.id) };
  });

  if (result.outcome === 'confirmation_sent' && 'subscriberId' in result && result.subscriberId && result.listIds) {
    await queueConfirmation(deps, result.subscriberId, result.listIds);
  }
  return result.outcome;
}

/**
 * Queues the confirmation message; a Node job worker sends it (`confirmation-email.ts`). The
 * Workers entry queues it through the job outbox.
 */
async function queueConfirmation(deps: Deps, subscriberId: string, listIds: string[]): Promise<void> {
  if (deps.jobs) {
    await deps.jobs.enqueue(confirmationJob, { subscriberId, listIds });
  } else {
    deps.logger.warn({ subscriberId }, 'no job queue: the confirmation message was not sent');
  }
}

/** Why a link from a message was not accepted. */
export type TokenProblem = 'invalid' | 'expired' | 'gone';

export class LinkError extends Error {
  override name = 'LinkError';
  constructor(readonly problem: TokenProblem) {
    super(`link ${problem}`);
  }
}

export interface PendingConfirmation {
  subscriberId: string;
  email: string;
  lists: { id: string; name: string; status: SubscriptionStatus }[];
}

/** Reads a confirmation link without changing anything (the GET page). */
export async function readConfirmation(deps: Deps, token: string): Promise<PendingConfirmation> {
  const verified = await deps.signer.verify<ConfirmPayload>(tokenPurpose.confirm, token, deps.now());
  if (!verified.ok) throw new LinkError(verified.reason);
  return loadSubscriptions(deps.db, verified.data.s, verified.data.l);
}

/**
 * Confirms the lists in a confirmation link. Confirming again changes nothing and succeeds;
 * a list the person has since left stays unsubscribed.
 */
export async function confirmSubscription(deps: Deps, token: string, context: ConsentContext): Promise<PendingConfirmation> {
  const verified = await deps.signer.verify<ConfirmPayload>(tokenPurpose.confirm, token, deps.now());
  if (!verified.ok) throw new LinkError(verified.reason);
  const { s: subscriberId, l: listIds } = verified.data;
  const now = deps.now();
  await deps.db.transaction().execute(async (tx) => {
    const subscriber = await tx.selectFrom('subscribers').select(['id', 'email']).where('id', '=', subscriberId).executeTakeFirst();
    if (!subscriber) throw new LinkError('gone');
    const confirmed = await tx
      .updateTable('subscriptions')
      .set({ status: 'confirmed', confirmed_at: now, updated_at: now })
      .where('subscriber_id', '=', subscriberId)
      .where('list_id', 'in', listIds.length > 0 ? listIds : ['0'])
      .where('status', '=', 'unconfirmed')
      .returning('list_id')
      .execute();
    if (confirmed.length === 0) return;
    // The person proved they hold the mailbox: an erasure marker no longer applies.
    await tx
      .deleteFrom('suppressions')
      .where('email_hash', '=', await suppressionKey(deps.signer, subscriber.email))
      .where('reason', '=', 'erased')
      .execute();
    const slugs = await tx.selectFrom('lists').select('slug').where('id', 'in', confirmed.map((row) => row.list_id)).execute();
    await recordConsent(tx, {
      subscriberId,
      action: 'confirmed',
      source: context.source,
      lists: slugs.map((row) => row.slug),
      ip: context.ip,
      userAgent: context.userAgent,
      at: now,
    });
  });
  return loadSubscriptions(deps.db, subscriberId, listIds);
}

/** Reads an unsubscribe link without changing anything (the GET page). */
export async function readUnsubscribe(deps: Deps, token: string): Promise<PendingConfirmation & { payload: UnsubscribePayload }> {
  const verified = await deps.signer.verify<UnsubscribePayload>(tokenPurpose.unsubscribe, token, deps.now());
  if (!verified.ok) throw new LinkError(verified.reason);
  const found = await loadSubscriptions(deps.db, verified.data.s, verified.data.l);
  return { ...found, payload: verified.data };
}

/**
 * Unsubscribes from the lists in an unsubscribe link (every list when it names none). Doing it
 * twice is harmless. A send in progress re-checks each recipient before sending, so the rest of
 * that send skips the address.
 */
export async function unsubscribeByToken(deps: Deps, token: string, context: ConsentContext): Promise<PendingConfirmation> {
  const verified = await deps.signer.verify<UnsubscribePayload>(tokenPurpose.unsubscribe, token, deps.now());
  if (!verified.ok) throw new LinkError(verified.reason);
  const { s: subscriberId, l: listIds, c: campaignId } = verified.data;
  const exists = await deps.db.selectFrom('subscribers').select('id').where('id', '=', subscriberId).executeTakeFirst();
  if (!exists) throw new LinkError('gone');
  await unsubscribe(deps, subscriberId, listIds, context, campaignId ? { campaignId } : {});
  return loadSubscriptions(deps.db, subscriberId, listIds);
}

/** Unsubscribes a subscriber from `listIds` (all lists when empty); returns the slugs left. */
export async function unsubscribe(
  deps: Deps,
  subscriberId: string,
  listIds: string[],
  context: ConsentContext,
  details: Record<string, unknown> = {},
): Promise<string[]> {
  const now = deps.now();
  return deps.db.transaction().execute(async (tx) => {
    let query = tx
      .updateTable('subscriptions')
      .set({ status: 'unsubscribed', unsubscribed_at: now, updated_at: now })
      .where('subscriber_id', '=', subscriberId)
      .where('status', '<>', 'unsubscribed');
    if (listIds.length > 0) query = query.where('list_id', 'in', listIds);
    const rows = await query.returning('list_id').execute();
    if (rows.length === 0) return [];
    const slugs = (await tx.selectFrom('lists').select('slug').where('id', 'in', rows.map((row) => row.list_id)).execute()).map((row) => row.slug);
    await recordConsent(tx, {
      subscriberId,
      action: 'unsubscribed',
      source: context.source,
      lists: slugs,
      ip: context.ip,
      userAgent: context.userAgent,
      details,
      at: now,
    });
    return slugs;
  });
}

async function loadSubscriptions(db: Db, subscriberId: string, listIds: string[]): Promise<PendingConfirmation> {
  const subscriber = await db.selectFrom('subscribers').select(['id', 'email']).where('id', '=', subscriberId).executeTakeFirst();
  if (!subscriber) throw new LinkError('gone');
  let query = db
    .selectFrom('subscriptions')
    .innerJoin('lists', 'lists.id', 'subscriptions.list_id')
    .select(['lists.id', 'lists.name', 'subscriptions.status'])
    .where('subscriptions.subscriber_id', '=', subscriberId)
    .orderBy('lists.name');
  if (listIds.length > 0) query = query.where('lists.id', 'in', listIds);
  return { subscriberId, email: subscriber.email, lists: await query.execute() };
}

/**
 * Deletes subscriptions left unconfirmed for `config.subscriptions.unconfirmedExpiryDays` (they
 * never received anything), logging each as expired, and removes old rate-limit windows.
 * Returns how many subscriptions expired.
 */
export async function expireUnconfirmed(deps: Deps): Promise<number> {
  const now = deps.now();
  const cutoff = new Date(now.getTime() - deps.config.subscriptions.unconfirmedExpiryDays * 86_400_000);
  const expired = await deps.db.transaction().execute(async (tx) => {
    const rows = await tx
      .deleteFrom('subscriptions')
      .where('status', '=', 'unconfirmed')
      .where('updated_at', '<', cutoff)
      .returning(['subscriber_id', 'list_id'])
      .execute();
    if (rows.length === 0) return 0;
    const slugs = new Map(
      (await tx.selectFrom('lists').select(['id', 'slug']).where('id', 'in', [...new Set(rows.map((r) => r.list_id))]).execute()).map(
        (row) => [row.id, row.slug],
      ),
    );
    const bySubscriber = new Map<string, string[]>();
    for (const row of rows) bySubscriber.set(row.subscriber_id, [...(bySubscriber.get(row.subscriber_id) ?? []), slugs.get(row.list_id)!]);
    await recordConsent(
      tx,
      [...bySubscriber].map(([subscriberId, lists]) => ({ subscriberId, action: 'expired' as const, source: 'system' as const, lists, at: now })),
    );
    return rows.length;
  });
  await purgeRateLimits(deps.db, now);
  if (expired > 0) deps.logger.info({ expired }, 'unconfirmed subscriptions expired');
  return expired;
}

/** The preference centre URL for a subscriber (for pages that link to it). */
export function preferencesLink(deps: Deps, subscriberId: string): Promise<string> {
  return preferencesUrl(deps.signer, deps.config.publicUrl, subscriberId);
}
