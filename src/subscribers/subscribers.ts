/**
 * Subscribers as staff see them: search, create, read, change and erase, with every change
 * written to the consent log. The console calls these functions directly; `routes.ts` wraps
 * them for `/api/subscribers`.
 */
import { sql, type Expression, type ExpressionBuilder, type SqlBool, type Transaction } from 'kysely';
import { z } from 'zod';
import { canonicalTimeZone } from '../content/dates.ts';
import type { Db } from '../db/connect.ts';
import type { ConsentSource, Database, SubscriberRow, SubscriberStatus, SubscriptionStatus } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { suppressAddress } from '../feedback/suppressions.ts';
import { offsetOf, type Page } from '../http/pagination.ts';
import { resolveLists, resolveTopics } from '../lists/lists.ts';
import { compileRule, escapeLike } from '../segments/compile.ts';
import type { Condition } from '../segments/rule.ts';
import { displayAddress, normaliseAddress } from './address.ts';
import { recordConsent } from './consent.ts';

type Executor = Db | Transaction<Database>;

export const organisationTypes = [
  'government',
  'ngo',
  'academia',
  'international_organisation',
  'private_sector',
  'other',
] as const;
export type OrganisationType = (typeof organisationTypes)[number];

/** An IANA time zone name in any case (`asia/seoul`), stored in its canonical spelling. */
const timeZoneSchema = z
  .string()
  .trim()
  .transform((name, context) => {
    const zone = canonicalTimeZone(name);
    if (!zone) context.addIssue({ code: 'custom', message: `"${name}" is not an IANA time zone; use a name such as Europe/Paris or Asia/Seoul` });
    return zone ?? name;
  });

/**
 * Attributes: the ones the office uses are checked; any other key (custom import columns) is
 * kept as given.
 */
export const attributesSchema = z
  .object({
    country: z.string().trim().max(100, 'expected at most 100 characters').optional(),
    organisation: z.string().trim().max(300, 'expected at most 300 characters').optional(),
    organisationType: z.enum(organisationTypes, { message: `expected one of ${organisationTypes.join(', ')}` }).optional(),
    /** The reader's IANA time zone; issues show events' times in it too. */
    timeZone: timeZoneSchema.optional(),
  })
  .catchall(z.unknown());

/** Attributes in a change: as above, where `null` removes a key. */
export const attributesPatchSchema = z
  .object({
    country: attributesSchema.shape.country.nullable(),
    organisation: attributesSchema.shape.organisation.nullable(),
    organisationType: attributesSchema.shape.organisationType.nullable(),
    timeZone: attributesSchema.shape.timeZone.nullable(),
  })
  .catchall(z.unknown());

/** Who made a change and from where, for the consent log. */
export interface ConsentContext {
  source: ConsentSource;
  ip?: string | null;
  userAgent?: string | null;
  /** Staff member's name, for staff edits. */
  actor?: string;
}

export interface Subscriber {
  id: string;
  email: string;
  /** The address with its domain in Unicode. */
  displayEmail: string;
  name: string;
  status: SubscriberStatus;
  attributes: Record<string, unknown>;
  subscriptions: { list: string; status: SubscriptionStatus }[];
  topics: string[];
  createdAt: string;
}

/** The optional conditions a search or an export narrows subscribers by. */
export interface SubscriberFilter {
  /** A substring of the address or the name, case-insensitive. */
  q?: string;
  /** A list slug: subscribers with a subscription to it, whatever its status. */
  list?: string;
  /** A subscriber status (`active`, `blocklisted`) or a subscription status (`confirmed`, ...). */
  status?: SubscriberStatus | SubscriptionStatus;
  /** The `country` attribute, exactly as stored. */
  country?: string;
  /** A topic slug. */
  topic?: string;
}

export interface SubscriberQuery extends SubscriberFilter {
  page: number;
  pageSize: number;
}

/** Reads subscribers with their subscriptions and topics, in the order of `rows`. */
export async function toSubscribers(db: Executor, rows: SubscriberRow[]): Promise<Subscriber[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const [subscriptions, topics] = await Promise.all([
    db
      .selectFrom('subscriptions')
      .innerJoin('lists', 'lists.id', 'subscriptions.list_id')
      .select(['subscriptions.subscriber_id', 'lists.slug', 'subscriptions.status'])
      .where('subscriptions.subscriber_id', 'in', ids)
      .orderBy('lists.slug')
      .execute(),
    db
      .selectFrom('subscriber_topics')
      .innerJoin('topics', 'topics.id', 'subscriber_topics.topic_id')
      .select(['subscriber_topics.subscriber_id', 'topics.slug'])
      .where('subscriber_topics.subscriber_id', 'in', ids)
      .orderBy('topics.slug')
      .execute(),
  ]);
  return rows.map((row) => ({
    id: row.id,
    email: row.email,
    displayEmail: displayAddress(row.email),
    name: row.name,
    status: row.status,
    attributes: typeof row.attributes === 'string' ? JSON.parse(row.attributes) : row.attributes,
    subscriptions: subscriptions
      .filter((s) => s.subscriber_id === row.id)
      .map((s) => ({ list: s.slug, status: s.status })),
    topics: topics.filter((t) => t.subscriber_id === row.id).map((t) => t.slug),
    createdAt: new Date(row.created_at).toISOString(),
  }));
}

const subscriptionStatuses: readonly string[] = ['unconfirmed', 'confirmed', 'unsubscribed'];

/**
 * Turns a filter into one `WHERE` predicate over `subscribers`. `status` is a subscription
 * status on `list` when both are given, on any list otherwise. Country and topic compile as
 * segment conditions, so they use the same indexes. Throws a `ValidationError` naming an
 * unknown list or topic slug.
 */
export async function subscriberFilter(
  db: Executor,
  filter: SubscriberFilter,
): Promise<(eb: ExpressionBuilder<Database, 'subscribers'>) => Expression<SqlBool>> {
  const [list] = filter.list ? await resolveLists(db, [filter.list], { path: 'list' }) : [];
  if (filter.topic) await resolveTopics(db, [filter.topic], 'topic');
  const subscriptionStatus = filter.status && subscriptionStatuses.includes(filter.status) ? (filter.status as SubscriptionStatus) : undefined;
  const conditions: Condition[] = [];
  if (filter.country) conditions.push({ field: 'country', op: 'equals', value: filter.country });
  if (filter.topic) conditions.push({ field: 'topic', op: 'equals', value: filter.topic });
  const attributes = conditions.length > 0 ? compileRule({ all: conditions }, { now: new Date() }) : undefined;

  return (eb) => {
    const parts: Expression<SqlBool>[] = [];
    if (filter.q) {
      const pattern = `%${escapeLike(filter.q)}%`;
      parts.push(eb.or([eb('subscribers.email', 'ilike', pattern), eb('subscribers.name', 'ilike', pattern)]));
    }
    if (list || subscriptionStatus) {
      let subscription = eb
        .selectFrom('subscriptions')
        .select(sql`1`.as('one'))
        .whereRef('subscriptions.subscriber_id', '=', 'subscribers.id');
      if (list) subscription = subscription.where('subscriptions.list_id', '=', list.id);
      if (subscriptionStatus) subscription = subscription.where('subscriptions.status', '=', subscriptionStatus);
      parts.push(eb.exists(subscription));
    }
    if (filter.status && !subscriptionStatus) parts.push(eb('subscribers.status', '=', filter.status as SubscriberStatus));
    if (attributes) parts.push(attributes(eb));
    return eb.and(parts);
  };
}

/** Searches subscribers by `subscriberFilter`, newest first. */
export async function searchSubscribers(db: Db, query: SubscriberQuery): Promise<Page<Subscriber>> {
  const base = db.selectFrom('subscribers').where(await subscriberFilter(db, query));
  const [rows, count] = await Promise.all([
    base
      .selectAll('subscribers')
      .orderBy('subscribers.id', 'desc')
      .limit(query.pageSize)
      .offset(offsetOf(query.page, query.pageSize))
      .execute(),
    base.select(sql<string>`count(*)`.as('count')).executeTakeFirstOrThrow(),
  ]);
  return { items: await toSubscribers(db, rows), total: Number(count.count), page: query.page, pageSize: query.pageSize };
}

export async function getSubscriber(db: Executor, id: string): Promise<Subscriber> {
  const row = /^\d+$/.test(id) ? await db.selectFrom('subscribers').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw new NotFoundError(`No subscriber with id ${id}.`);
  return (await toSubscribers(db, [row]))[0]!;
}

/** Finds a subscriber by address, whatever case either was stored in. */
export async function findByEmail(db: Executor, email: string): Promise<SubscriberRow | undefined> {
  return db
    .selectFrom('subscribers')
    .selectAll()
    .where(sql<boolean>`lower(email) = lower(${email})`)
    .executeTakeFirst();
}

/** Validates an address for an API field, throwing a `ValidationError` on `path`. */
export function requireAddress(input: string, path = 'email'): string {
  const result = normaliseAddress(input);
  if (!result.ok) throw new ValidationError(`The request is invalid: ${path}: ${result.message}`, [{ path, message: result.message }]);
  return result.email;
}

export interface CreateSubscriberInput {
  email: string;
  name?: string;
  lists?: string[];
  topics?: string[];
  attributes?: Record<string, unknown>;
  status?: 'active' | 'blocklisted';
}

/** Creates a subscriber as staff: every list given is confirmed at once. */
export async function createSubscriber(deps: Deps, input: CreateSubscriberInput, context: ConsentContext): Promise<Subscriber> {
  const email = requireAddress(input.email);
  return deps.db.transaction().execute(async (tx) => {
    const lists = await resolveLists(tx, input.lists ?? []);
    const topics = await resolveTopics(tx, input.topics ?? []);
    const row = await tx
      .insertInto('subscribers')
      .values({
        email,
        name: input.name?.trim() ?? '',
        attributes: input.attributes ?? {},
        status: input.status ?? 'active',
        source: context.source,
      })
      .onConflict((conflict) => conflict.expression(sql`lower(email)`).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) throw new ConflictError('A subscriber with this address already exists.', [{ path: 'email', message: 'already exists' }]);
    const now = deps.now();
    if (lists.length > 0) {
      await tx
        .insertInto('subscriptions')
        .values(lists.map((list) => ({ subscriber_id: row.id, list_id: list.id, status: 'confirmed' as const, confirmed_at: now })))
        .execute();
    }
    if (topics.length > 0) {
      await tx.insertInto('subscriber_topics').values(topics.map((topic) => ({ subscriber_id: row.id, topic_id: topic.id }))).execute();
    }
    await recordConsent(tx, {
      subscriberId: row.id,
      action: 'subscribed',
      source: context.source,
      lists: lists.map((list) => list.slug),
      ip: context.ip,
      userAgent: context.userAgent,
      details: context.actor ? { actor: context.actor } : {},
    });
    return getSubscriber(tx, row.id);
  });
}

export interface UpdateSubscriberInput {
  email?: string;
  name?: string;
  /** Merged into the stored attributes; a `null` value removes the key. */
  attributes?: Record<string, unknown>;
  status?: 'active' | 'blocklisted';
  /** Subscriptions to set, by list slug. */
  subscriptions?: { list: string; status: SubscriptionStatus }[];
  /** Lists to add as confirmed. */
  lists?: string[];
  /** Replaces the subscriber's topics. */
  topics?: string[];
}

/** Changes a subscriber as staff, in one transaction, with one consent entry per kind of change. */
export async function updateSubscriber(
  deps: Deps,
  id: string,
  input: UpdateSubscriberInput,
  context: ConsentContext,
): Promise<Subscriber> {
  const email = input.email === undefined ? undefined : requireAddress(input.email);
  return deps.db.transaction().execute(async (tx) => {
    const current = await getSubscriber(tx, id);
    const db = tx;
    if (email !== undefined && email.toLowerCase() !== current.email.toLowerCase()) {
      const other = await findByEmail(tx, email);
      if (other) throw new ConflictError('Another subscriber has this address.', [{ path: 'email', message: 'already exists' }]);
    }
    const changes: Record<string, unknown> = { updated_at: deps.now() };
    if (email !== undefined) changes.email = email;
    if (input.name !== undefined) changes.name = input.name.trim();
    if (input.status !== undefined) changes.status = input.status;
    if (input.attributes !== undefined) {
      const merged: Record<string, unknown> = { ...current.attributes };
      for (const [key, value] of Object.entries(input.attributes)) {
        if (value === null) delete merged[key];
        else merged[key] = value;
      }
      changes.attributes = merged;
    }
    await tx.updateTable('subscribers').set(changes).where('id', '=', id).execute();

    const wanted = [
      ...(input.lists ?? []).map((list) => ({ list, status: 'confirmed' as const })),
      ...(input.subscriptions ?? []),
    ];
    const lists = await resolveLists(db, wanted.map((entry) => entry.list), { path: 'subscriptions' });
    const bySlug = new Map(lists.map((list) => [list.slug, list]));
    const changed = await setSubscriptionStatuses(
      tx,
      id,
      wanted.map((entry) => ({ listId: bySlug.get(entry.list)!.id, status: entry.status })),
      deps.now(),
    );
    if (input.topics !== undefined) await setTopics(tx, id, input.topics);

    const details: Record<string, unknown> = { fields: Object.keys(input) };
    if (context.actor) details.actor = context.actor;
    await recordConsent(tx, {
      subscriberId: id,
      action: input.status === 'blocklisted' && current.status !== 'blocklisted' ? 'blocklisted' : 'edited',
      source: context.source,
      lists: lists.filter((list) => changed.includes(list.id)).map((list) => list.slug),
      ip: context.ip,
      userAgent: context.userAgent,
      details,
    });
    return getSubscriber(tx, id);
  });
}

/**
 * Sets subscription statuses, stamping `confirmed_at` and `unsubscribed_at`. Returns the ids of
 * the lists whose status changed.
 */
export async function setSubscriptionStatuses(
  tx: Executor,
  subscriberId: string,
  entries: { listId: string; status: SubscriptionStatus }[],
  now: Date,
): Promise<string[]> {
  const changed: string[] = [];
  for (const entry of entries) {
    const row = await tx
      .insertInto('subscriptions')
      .values({
        subscriber_id: subscriberId,
        list_id: entry.listId,
        status: entry.status,
        confirmed_at: entry.status === 'confirmed' ? now : null,
        unsubscribed_at: entry.status === 'unsubscribed' ? now : null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((conflict) =>
        conflict
          .columns(['subscriber_id', 'list_id'])
          .doUpdateSet({
            status: entry.status,
            confirmed_at: entry.status === 'confirmed' ? now : sql`subscriptions.confirmed_at`,
            unsubscribed_at: entry.status === 'unsubscribed' ? now : null,
            updated_at: now,
          })
          .where('subscriptions.status', '<>', entry.status),
      )
      .returning('list_id')
      .executeTakeFirst();
    if (row) changed.push(entry.listId);
  }
  return changed;
}

/** Replaces a subscriber's topics with the given slugs. */
export async function setTopics(tx: Executor, subscriberId: string, slugs: string[]): Promise<void> {
  const topics = await resolveTopics(tx, slugs);
  await tx.deleteFrom('subscriber_topics').where('subscriber_id', '=', subscriberId).execute();
  if (topics.length > 0) {
    await tx
      .insertInto('subscriber_topics')
      .values(topics.map((topic) => ({ subscriber_id: subscriberId, topic_id: topic.id })))
      .execute();
  }
}

/**
 * Erases a subscriber: the row, subscriptions and topics go, the consent log keeps its entries
 * without the subscriber's id or details, and the suppression list keeps only a keyed hash of
 * the address, so an import of the same address later is recognised and skipped.
 */
export async function eraseSubscriber(deps: Deps, id: string, context: ConsentContext): Promise<void> {
  await deps.db.transaction().execute(async (tx) => {
    const current = await getSubscriber(tx, id);
    await suppressAddress(tx, deps.signer, { email: current.email, reason: 'erased', hashOnly: true });
    await tx.updateTable('consent_log').set({ details: {}, ip: null, user_agent: null }).where('subscriber_id', '=', id).execute();
    await tx.deleteFrom('subscribers').where('id', '=', id).execute();
    await recordConsent(tx, {
      subscriberId: null,
      action: 'erased',
      source: context.source,
      lists: current.subscriptions.map((s) => s.list),
      details: context.actor ? { actor: context.actor } : {},
    });
  });
}

export interface ConsentRecord {
  id: string;
  action: string;
  source: string;
  lists: string[];
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
  createdAt: string;
}

/** Returns a subscriber's consent history, newest first. */
export async function consentHistory(db: Db, id: string, page = 1, pageSize = 100): Promise<Page<ConsentRecord>> {
  await getSubscriber(db, id);
  const [rows, count] = await Promise.all([
    db
      .selectFrom('consent_log')
      .selectAll()
      .where('subscriber_id', '=', id)
      .orderBy('id', 'desc')
      .limit(pageSize)
      .offset(offsetOf(page, pageSize))
      .execute(),
    db.selectFrom('consent_log').select(sql<string>`count(*)`.as('count')).where('subscriber_id', '=', id).executeTakeFirstOrThrow(),
  ]);
  return {
    items: rows.map((row) => ({
      id: row.id,
      action: row.action,
      source: row.source,
      lists: row.lists,
      ip: row.ip,
      userAgent: row.user_agent,
      details: typeof row.details === 'string' ? JSON.parse(row.details) : row.details,
      createdAt: new Date(row.created_at).toISOString(),
    })),
    total: Number(count.count),
    page,
    pageSize,
  };
}

/** Returns everything stored about a subscriber, for the data download. */
export async function subscriberData(db: Db, id: string): Promise<{ subscriber: Subscriber; consent: ConsentRecord[] }> {
  const subscriber = await getSubscriber(db, id);
  const consent = await consentHistory(db, id, 1, 10_000);
  return { subscriber, consent: consent.items };
}
