/**
 * Lists and topics: what a subscriber can join and what they are interested in.
 */
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { ListRow, OptIn, SubscriptionStatus, Visibility } from '../db/schema.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';

export interface List {
  id: string;
  slug: string;
  name: string;
  description: string;
  optIn: OptIn;
  visibility: Visibility;
  /** Confirmed subscriptions. */
  subscriberCount: number;
  createdAt: string;
}

export interface ListInput {
  name: string;
  slug: string;
  description?: string;
  optIn?: OptIn;
  visibility?: Visibility;
}

export interface Topic {
  id: string;
  slug: string;
  name: string;
}

export function toList(row: ListRow, subscriberCount = 0): List {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    optIn: row.opt_in,
    visibility: row.visibility,
    subscriberCount,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/** Returns every list, by name, with its confirmed subscriber count. */
export async function listLists(db: Db, filter: { visibility?: Visibility } = {}): Promise<List[]> {
  let query = db
    .selectFrom('lists')
    .selectAll('lists')
    .select((eb) =>
      eb
        .selectFrom('subscriptions')
        .select(sql<string>`count(*)`.as('count'))
        .whereRef('subscriptions.list_id', '=', 'lists.id')
        .where('subscriptions.status', '=', 'confirmed')
        .as('subscriber_count'),
    )
    .orderBy('lists.name');
  if (filter.visibility) query = query.where('lists.visibility', '=', filter.visibility);
  const rows = await query.execute();
  return rows.map((row) => toList(row, Number(row.subscriber_count ?? 0)));
}

export async function getList(db: Db, id: string): Promise<List> {
  const row = /^\d+$/.test(id) ? await db.selectFrom('lists').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw new NotFoundError(`No list with id ${id}.`);
  const count = await db
    .selectFrom('subscriptions')
    .select(sql<string>`count(*)`.as('count'))
    .where('list_id', '=', id)
    .where('status', '=', 'confirmed')
    .executeTakeFirstOrThrow();
  return toList(row, Number(count.count));
}

export async function createList(db: Db, input: ListInput): Promise<List> {
  const row = await db
    .insertInto('lists')
    .values({
      slug: input.slug,
      name: input.name,
      description: input.description ?? '',
      opt_in: input.optIn ?? 'single',
      visibility: input.visibility ?? 'public',
    })
    .onConflict((conflict) => conflict.column('slug').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new ConflictError(`A list with the slug "${input.slug}" already exists. Pick another slug.`);
  return toList(row);
}

export async function updateList(db: Db, id: string, input: Partial<ListInput>): Promise<List> {
  await getList(db, id);
  if (input.slug !== undefined) {
    const clash = await db.selectFrom('lists').select('id').where('slug', '=', input.slug).where('id', '<>', id).executeTakeFirst();
    if (clash) throw new ConflictError(`A list with the slug "${input.slug}" already exists. Pick another slug.`);
  }
  await db
    .updateTable('lists')
    .set({
      ...(input.slug !== undefined ? { slug: input.slug } : {}),
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.optIn !== undefined ? { opt_in: input.optIn } : {}),
      ...(input.visibility !== undefined ? { visibility: input.visibility } : {}),
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .execute();
  return getList(db, id);
}

/** Deletes a list and its subscriptions (the subscribers stay). */
export async function deleteList(db: Db, id: string): Promise<void> {
  await getList(db, id);
  await db.deleteFrom('lists').where('id', '=', id).execute();
}

/**
 * Resolves list slugs to rows, throwing a `ValidationError` naming each unknown slug (and each
 * private one when `publicOnly`), so callers never half-apply a request.
 */
export async function resolveLists(
  db: Db,
  slugs: string[],
  options: { publicOnly?: boolean; path?: string } = {},
): Promise<ListRow[]> {
  const unique = [...new Set(slugs)];
  if (unique.length === 0) return [];
  const rows = await db.selectFrom('lists').selectAll().where('slug', 'in', unique).execute();
  const bySlug = new Map(rows.map((row) => [row.slug, row]));
  const path = options.path ?? 'lists';
  const problems = unique.flatMap((slug, index) => {
    const row = bySlug.get(slug);
    if (!row || (options.publicOnly && row.visibility !== 'public')) {
      return [{ path: `${path}.${index}`, message: `unknown list "${slug}"` }];
    }
    return [];
  });
  if (problems.length > 0) throw new ValidationError(`Unknown list: ${problems.map((p) => p.message.slice(13)).join(', ')}.`, problems);
  return unique.map((slug) => bySlug.get(slug)!);
}

export async function listTopics(db: Db): Promise<Topic[]> {
  const rows = await db.selectFrom('topics').select(['id', 'slug', 'name']).orderBy('name').execute();
  return rows;
}

export async function createTopic(db: Db, input: { name: string; slug: string }): Promise<Topic> {
  const row = await db
    .insertInto('topics')
    .values({ name: input.name, slug: input.slug })
    .onConflict((conflict) => conflict.column('slug').doNothing())
    .returning(['id', 'slug', 'name'])
    .executeTakeFirst();
  if (!row) throw new ConflictError(`A topic with the slug "${input.slug}" already exists. Pick another slug.`);
  return row;
}

/** Resolves topic slugs to ids, throwing a `ValidationError` naming each unknown slug. */
export async function resolveTopics(db: Db, slugs: string[], path = 'topics'): Promise<Topic[]> {
  const unique = [...new Set(slugs)];
  if (unique.length === 0) return [];
  const rows = await db.selectFrom('topics').select(['id', 'slug', 'name']).where('slug', 'in', unique).execute();
  const known = new Set(rows.map((row) => row.slug));
  const problems = unique.flatMap((slug, index) =>
    known.has(slug) ? [] : [{ path: `${path}.${index}`, message: `unknown topic "${slug}"` }],
  );
  if (problems.length > 0) throw new ValidationError(`Unknown topic: ${unique.filter((s) => !known.has(s)).join(', ')}.`, problems);
  return rows;
}

/** Subscriptions of one list by status. */
export type SubscriptionCounts = Record<SubscriptionStatus, number>;

function emptyCounts(): SubscriptionCounts {
  return { confirmed: 0, unconfirmed: 0, unsubscribed: 0 };
}

/** Returns each list's subscriptions counted by status, keyed by list id; lists without any are absent. */
export async function subscriptionCountsByList(db: Db): Promise<Map<string, SubscriptionCounts>> {
  const rows = await db
    .selectFrom('subscriptions')
    .select(['list_id', 'status', sql<string>`count(*)`.as('count')])
    .groupBy(['list_id', 'status'])
    .execute();
  const counts = new Map<string, SubscriptionCounts>();
  for (const row of rows) {
    const entry = counts.get(row.list_id) ?? emptyCounts();
    entry[row.status] = Number(row.count);
    counts.set(row.list_id, entry);
  }
  return counts;
}

/** Returns one list's subscriptions counted by status. */
export async function subscriptionCounts(db: Db, listId: string): Promise<SubscriptionCounts> {
  return (await subscriptionCountsByList(db)).get(listId) ?? emptyCounts();
}

/** The digests and unsent campaigns (draft, scheduled, paused) whose audience names a list by its slug. */
export interface ListReferences {
  digests: Array<{ id: string; name: string }>;
  campaigns: Array<{ id: string; subject: string }>;
}

export async function listReferences(db: Db, slug: string): Promise<ListReferences> {
  const named = sql<boolean>`coalesce(audience->'lists', '[]'::jsonb) @> ${JSON.stringify([slug])}::jsonb`;
  const [digests, campaigns] = await Promise.all([
    db.selectFrom('digests').select(['id', 'name']).where(named).orderBy('name').execute(),
    db
      .selectFrom('campaigns')
      .select(['id', 'subject'])
      .where('status', 'in', ['draft', 'scheduled', 'paused'])
      .where(named)
      .orderBy('id', 'desc')
      .execute(),
  ]);
  return { digests, campaigns };
}

/** A topic with the number of subscribers who follow it. */
export interface TopicWithFollowers extends Topic {
  followers: number;
}

export async function listTopicsWithFollowers(db: Db): Promise<TopicWithFollowers[]> {
  const rows = await db
    .selectFrom('topics')
    .select(['topics.id', 'topics.slug', 'topics.name'])
    .select((eb) =>
      eb
        .selectFrom('subscriber_topics')
        .select(sql<string>`count(*)`.as('count'))
        .whereRef('subscriber_topics.topic_id', '=', 'topics.id')
        .as('followers'),
    )
    .orderBy('topics.name')
    .execute();
  return rows.map((row) => ({ id: row.id, slug: row.slug, name: row.name, followers: Number(row.followers ?? 0) }));
}

export async function getTopic(db: Db, id: string): Promise<TopicWithFollowers> {
  const row = /^\d+$/.test(id) ? await db.selectFrom('topics').select(['id', 'slug', 'name']).where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw new NotFoundError(`No topic with id ${id}.`);
  const count = await db
    .selectFrom('subscriber_topics')
    .select(sql<string>`count(*)`.as('count'))
    .where('topic_id', '=', id)
    .executeTakeFirstOrThrow();
  return { ...row, followers: Number(count.count) };
}

/**
 * Renames a topic. The slug stays: content items, feeds and digests store topic slugs, so a
 * new slug would silently detach them.
 */
export async function renameTopic(db: Db, id: string, name: string): Promise<TopicWithFollowers> {
  await getTopic(db, id);
  await db.updateTable('topics').set({ name }).where('id', '=', id).execute();
  return getTopic(db, id);
}

/** Deletes a topic and who follows it (the subscribers stay); content keeps the slug as a plain tag. */
export async function deleteTopic(db: Db, id: string): Promise<void> {
  await getTopic(db, id);
  await db.deleteFrom('topics').where('id', '=', id).execute();
}
