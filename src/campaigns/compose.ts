/**
 * Choosing the content of an issue. "New" means published (or, without a publication time,
 * ingested) at or after `since`, which defaults to when the previous issue of the same series
 * was sent; an item that an earlier issue of the series already carried is never repeated.
 * Events are chosen by their start: from now to `eventsWithinDays` ahead.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { composedItemColumns, type ComposedItem } from './views.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export const defaultEventsWithinDays = 60;
/** How far back a series' first issue looks when no `since` is given. */
export const firstIssueLookbackDays = 31;

export interface ComposeOptions {
  series: string;
  now: Date;
  /** Lower bound for publications and news; by default the previous issue's send time. */
  since?: Date;
  eventsWithinDays?: number;
  /** Keep only items carrying one of these topics (items without topics always pass). */
  topics?: string[];
  maxItemsPerSection?: number;
  /** Publications and news, newest or oldest first; events always run by start time. */
  order?: 'newest' | 'oldest';
  /** The campaign being recomposed, whose own items do not count as "already sent". */
  campaignId?: string;
}

export interface ComposeResult {
  since: Date;
  items: ComposedItem[];
}

/** Returns when the previous issue of a series went out, or undefined for a first issue. */
export async function previousIssueSentAt(db: Executor, series: string, excludeId?: string): Promise<Date | undefined> {
  let query = db
    .selectFrom('campaigns')
    .select(sql<Date | null>`max(coalesce(started_at, finished_at, send_at))`.as('sent_at'))
    .where('series', '=', series)
    .where('status', '=', 'sent');
  if (excludeId) query = query.where('id', '!=', excludeId);
  const row = await query.executeTakeFirst();
  return row?.sent_at ? new Date(row.sent_at) : undefined;
}

/** Selects the new content and upcoming events for an issue of `series`. */
export async function composeContent(db: Executor, options: ComposeOptions): Promise<ComposeResult> {
  const since =
    options.since ??
    (await previousIssueSentAt(db, options.series, options.campaignId)) ??
    new Date(options.now.getTime() - firstIssueLookbackDays * 86_400_000);
  const horizon = new Date(options.now.getTime() + (options.eventsWithinDays ?? defaultEventsWithinDays) * 86_400_000);

  // Items an earlier issue of this series carried (cancelled issues never went out).
  const alreadySent = db
    .selectFrom('campaign_items')
    .innerJoin('campaigns', 'campaigns.id', 'campaign_items.campaign_id')
    .select('campaign_items.content_item_id')
    .where('campaigns.series', '=', options.series)
    .where('campaigns.status', '!=', 'cancelled')
    .where('campaigns.id', '!=', options.campaignId ?? '0');

  const rows = await db
    .selectFrom('content_items')
    .select(composedItemColumns)
    .where('content_items.id', 'not in', alreadySent)
    .where((eb) =>
      eb.or([
        eb.and([
          eb('kind', '=', 'event'),
          eb('starts_at', '>=', options.now),
          eb('starts_at', '<', horizon),
        ]),
        eb.and([
          eb('kind', 'in', ['publication', 'news']),
          eb(sql`coalesce(published_at, ingested_at)`, '>=', since),
          eb(sql`coalesce(published_at, ingested_at)`, '<=', options.now),
        ]),
      ]),
    )
    .orderBy('id')
    .execute();

  return { since, items: arrangeItems(rows as ComposedItem[], options) };
}

/** Loads the items a campaign holds, in their stored order. */
export async function campaignItems(db: Executor, campaignId: string): Promise<ComposedItem[]> {
  const rows = await db
    .selectFrom('campaign_items')
    .innerJoin('content_items', 'content_items.id', 'campaign_items.content_item_id')
    .select(composedItemColumns.map((column) => `content_items.${column}` as const))
    .where('campaign_items.campaign_id', '=', campaignId)
    .orderBy('campaign_items.position')
    .execute();
  return rows as ComposedItem[];
}

/** Loads chosen items by id, in the order given; returns the ids that do not exist. */
export async function itemsById(db: Executor, ids: string[]): Promise<{ items: ComposedItem[]; missing: string[] }> {
  if (ids.length === 0) return { items: [], missing: [] };
  const rows = (await db
    .selectFrom('content_items')
    .select(composedItemColumns)
    .where('id', 'in', ids)
    .execute()) as ComposedItem[];
  const byId = new Map(rows.map((row) => [row.id, row]));
  return {
    items: arrangeItems([...new Set(ids)].flatMap((id) => byId.get(id) ?? []), { keepOrder: true }),
    missing: ids.filter((id) => !byId.has(id)),
  };
}

/**
 * Orders items into sections (events, publications, news), applies the topic filter and the
 * per-section limit.
 */
export function arrangeItems(
  items: ComposedItem[],
  options: Pick<ComposeOptions, 'topics' | 'maxItemsPerSection' | 'order'> & { keepOrder?: boolean },
): ComposedItem[] {
  const topics = options.topics ?? [];
  const wanted = topics.length === 0 ? items : items.filter((item) => matchesTopics(item, topics));
  const published = (item: ComposedItem) => new Date(item.published_at ?? item.ingested_at).getTime();
  const newestFirst = (options.order ?? 'newest') === 'newest';
  const section = (kind: ComposedItem['kind']) => {
    const list = wanted.filter((item) => item.kind === kind);
    if (!options.keepOrder) {
      list.sort((a, b) =>
        kind === 'event'
          ? new Date(a.starts_at!).getTime() - new Date(b.starts_at!).getTime()
          : newestFirst
            ? published(b) - published(a)
            : published(a) - published(b),
      );
    }
    return options.maxItemsPerSection ? list.slice(0, options.maxItemsPerSection) : list;
  };
  return [...section('event'), ...section('publication'), ...section('news')];
}

/**
 * True when an item suits a reader with these topics: a reader with no topics takes
 * everything, and an item without topics is of general interest.
 */
export function matchesTopics(item: Pick<ComposedItem, 'topics'>, topics: string[]): boolean {
  if (topics.length === 0 || (item.topics ?? []).length === 0) return true;
  return item.topics.some((topic) => topics.includes(topic));
}
