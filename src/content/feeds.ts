/**
 * Feeds: sources polled on their own schedule. Each fetch stores the entries it finds, or an
 * error in the feed's history; one feed's failure never touches another feed or any item.
 */
import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../db/connect.ts';
import type { ContentKind, FeedErrorKind, FeedErrorRow, FeedRow } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { ConflictError, DomainError, NotFoundError } from '../errors.ts';
import { offsetOf, type Page } from '../http/pagination.ts';
import { contentKinds, normaliseTopics } from './entry.ts';
import { FeedFetchError, fetchFeedDocument, type FetchFeedOptions } from './fetch-feed.ts';
import { ingestDocument, parseDocument, UnreadableDocumentError, type ImportResult } from './ingest.ts';

/** A feed as the API returns it. */
export interface Feed {
  id: string;
  url: string;
  kind: ContentKind;
  name: string;
  pollMinutes: number;
  topics: string[];
  language: string | null;
  lastFetchedAt: string | null;
  lastSuccessAt: string | null;
  nextFetchAt: string;
  lastError: string | null;
  /** Failed fetches in a row. */
  errorCount: number;
  createdAt: string;
}

export interface FeedError {
  id: string;
  kind: FeedErrorKind;
  httpStatus: number | null;
  message: string;
  createdAt: string;
}

/** A feed that cannot be fetched or is not a feed (422), with what went wrong. */
export class FeedUnreadableError extends DomainError {
  override readonly status = 422;
  override readonly code = 'feed_unreadable';
}

export const feedCreateSchema = z.object({
  url: z
    .string()
    .trim()
    .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), 'expected an http or https URL'),
  kind: z.enum(contentKinds),
  name: z.string().trim().max(200).optional(),
  pollMinutes: z.number().int().min(5, 'expected at least 5 minutes').max(10_080, 'expected at most a week').optional(),
  topics: z.array(z.string().trim().min(1).max(80)).max(50).optional(),
  language: z.string().trim().max(35).nullable().optional(),
});
export const feedPatchSchema = feedCreateSchema.omit({ url: true }).partial();

export function toFeed(row: FeedRow): Feed {
  return {
    id: row.id,
    url: row.url,
    kind: row.kind,
    name: row.name,
    pollMinutes: row.poll_minutes,
    topics: row.topics,
    language: row.language,
    lastFetchedAt: iso(row.last_fetched_at),
    lastSuccessAt: iso(row.last_success_at),
    nextFetchAt: iso(row.next_fetch_at)!,
    lastError: row.last_error,
    errorCount: row.error_count,
    createdAt: iso(row.created_at)!,
  };
}

type FeedDeps = Pick<Deps, 'db' | 'now' | 'logger' | 'fetch'>;

export interface FeedFetchResult {
  feed: Feed;
  status: 'ok' | 'not_modified';
  import?: ImportResult;
}

/**
 * Adds a feed after fetching it once: a URL that cannot be fetched or is not a feed is
 * rejected with the reason and nothing is stored. The first fetch's entries are stored in the
 * same transaction as the feed.
 */
export async function createFeed(
  deps: FeedDeps,
  input: z.output<typeof feedCreateSchema>,
  options: Pick<FetchFeedOptions, 'timeoutMs' | 'maxBytes'> = {},
): Promise<FeedFetchResult> {
  const existing = await deps.db.selectFrom('feeds').select('id').where('url', '=', input.url).executeTakeFirst();
  if (existing) throw new ConflictError(`This feed is already registered (id ${existing.id}).`, [{ path: 'url', message: `already used by feed ${existing.id}` }]);

  let fetched;
  try {
    fetched = await fetchFeedDocument(input.url, { ...options, fetch: deps.fetch });
    if (fetched.status !== 'ok') throw new FeedFetchError('http', `${input.url} answered 304 to a request without validators.`, 304);
    parseDocument(fetched.bytes, { contentType: fetched.contentType });
  } catch (error) {
    throw asUnreadable(error, input.url);
  }

  // The feed row and its first entries are stored together: a document whose entries cannot
  // be stored (an .ics file registered as news) leaves no feed behind.
  return deps.db.transaction().execute(async (trx) => {
    const now = deps.now();
    const row = await trx
      .insertInto('feeds')
      .values({
        url: input.url,
        kind: input.kind,
        name: input.name ?? '',
        poll_minutes: input.pollMinutes ?? 60,
        topics: normaliseTopics(input.topics ?? []),
        language: input.language ?? null,
        created_at: now,
        next_fetch_at: now,
      })
      .onConflict((conflict) => conflict.column('url').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new ConflictError('This feed is already registered.', [{ path: 'url', message: 'already registered' }]);
    return storeFetched({ ...deps, db: trx }, row, fetched);
  });
}

/**
 * Fetches one feed now and stores what changed. A failure is written to the feed's error
 * history and rethrown as `FeedUnreadableError`; items stay as they were.
 */
export async function refreshFeed(deps: FeedDeps, feedId: string, options: Pick<FetchFeedOptions, 'timeoutMs' | 'maxBytes'> = {}): Promise<FeedFetchResult> {
  const feed = await getFeedRow(deps.db, feedId);
  const log = deps.logger.child({ feedId: feed.id });
  try {
    const fetched = await fetchFeedDocument(feed.url, {
      ...options,
      fetch: deps.fetch,
      etag: feed.etag,
      lastModified: feed.last_modified,
    });
    const result = await storeFetched(deps, feed, fetched);
    log.info({ status: result.status, counts: result.import?.counts }, 'feed fetched');
    return result;
  } catch (error) {
    const unreadable = asUnreadable(error, feed.url);
    const cause = error instanceof FeedFetchError ? error : undefined;
    await recordFeedError(deps.db, feed, cause?.kind ?? 'not_feed', unreadable.message, cause?.httpStatus, deps.now());
    log.warn({ err: unreadable.message, kind: cause?.kind ?? 'not_feed' }, 'feed fetch failed');
    throw unreadable;
  }
}

async function storeFetched(
  deps: FeedDeps,
  feed: FeedRow,
  fetched: Awaited<ReturnType<typeof fetchFeedDocument>>,
): Promise<FeedFetchResult> {
  const now = deps.now();
  const next = new Date(now.getTime() + feed.poll_minutes * 60_000);
  if (fetched.status === 'not_modified') {
    const row = await deps.db
      .updateTable('feeds')
      .set({ last_fetched_at: now, last_success_at: now, next_fetch_at: next, error_count: 0, last_error: null })
      .where('id', '=', feed.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { feed: toFeed(row), status: 'not_modified' };
  }

  const result = await ingestDocument(deps.db, fetched.bytes, {
    kind: feed.kind,
    contentType: fetched.contentType,
    feedId: feed.id,
    source: 'feed',
    topics: feed.topics,
    language: feed.language,
    now,
  });
  const row = await deps.db
    .updateTable('feeds')
    .set({
      etag: fetched.etag,
      last_modified: fetched.lastModified,
      last_fetched_at: now,
      last_success_at: now,
      next_fetch_at: next,
      error_count: 0,
      last_error: null,
      name: feed.name === '' ? (result.feed.title ?? '').slice(0, 200) : feed.name,
    })
    .where('id', '=', feed.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { feed: toFeed(row), status: 'ok', import: result };
}

/**
 * Records a failed fetch and schedules the next try later: the poll interval doubled for each
 * failure in a row, at most one day.
 */
async function recordFeedError(
  db: Db,
  feed: FeedRow,
  kind: FeedErrorKind,
  message: string,
  httpStatus: number | undefined,
  now: Date,
): Promise<void> {
  const failures = feed.error_count + 1;
  const delayMinutes = Math.min(feed.poll_minutes * 2 ** (failures - 1), 24 * 60);
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('feed_errors')
      .values({ feed_id: feed.id, kind, http_status: httpStatus ?? null, message, created_at: now })
      .execute();
    await trx
      .updateTable('feeds')
      .set({
        last_fetched_at: now,
        last_error: message,
        error_count: sql`error_count + 1`,
        next_fetch_at: new Date(now.getTime() + delayMinutes * 60_000),
      })
      .where('id', '=', feed.id)
      .execute();
  });
}

function asUnreadable(error: unknown, url: string): FeedUnreadableError {
  if (error instanceof FeedFetchError) return new FeedUnreadableError(error.message, [{ path: 'url', message: error.message }]);
  if (error instanceof UnreadableDocumentError) {
    const message = `${url} is not a feed: ${error.message}`;
    return new FeedUnreadableError(message, [{ path: 'url', message }]);
  }
  throw error;
}

/**
 * Claims the feeds due for a fetch, moving each one's `next_fetch_at` a poll interval ahead so
 * another poller (another process) skips it. `skip locked` lets pollers run side by side.
 */
export async function claimDueFeeds(db: Db, now: Date, limit: number): Promise<string[]> {
  const rows = await db
    .updateTable('feeds')
    .set({ next_fetch_at: sql`${now}::timestamptz + make_interval(mins => poll_minutes)` })
    .where(
      'id',
      'in',
      db
        .selectFrom('feeds')
        .select('id')
        .where('next_fetch_at', '<=', now)
        .orderBy('next_fetch_at')
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}

export async function getFeedRow(db: Db, id: string): Promise<FeedRow> {
  const row = /^\d{1,18}$/.test(id) ? await db.selectFrom('feeds').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw new NotFoundError(`No feed with id ${id}.`);
  return row;
}

export async function getFeed(db: Db, id: string): Promise<Feed> {
  return toFeed(await getFeedRow(db, id));
}

export async function listFeeds(db: Db, page: number, pageSize: number): Promise<Page<Feed>> {
  const [rows, total] = await Promise.all([
    db.selectFrom('feeds').selectAll().orderBy('id').limit(pageSize).offset(offsetOf(page, pageSize)).execute(),
    db.selectFrom('feeds').select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(toFeed), total: Number(total.count), page, pageSize };
}

export async function updateFeed(db: Db, id: string, patch: z.output<typeof feedPatchSchema>): Promise<Feed> {
  await getFeedRow(db, id);
  const row = await db
    .updateTable('feeds')
    .set({
      ...(patch.kind !== undefined && { kind: patch.kind }),
      ...(patch.name !== undefined && { name: patch.name }),
      ...(patch.pollMinutes !== undefined && { poll_minutes: patch.pollMinutes }),
      ...(patch.topics !== undefined && { topics: normaliseTopics(patch.topics) }),
      ...(patch.language !== undefined && { language: patch.language }),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toFeed(row);
}

/** Removes a feed and its error history; its items stay, no longer linked to it. */
export async function deleteFeed(db: Db, id: string): Promise<void> {
  await getFeedRow(db, id);
  await db.deleteFrom('feeds').where('id', '=', id).execute();
}

/** The feed's failed fetches, newest first. */
export async function listFeedErrors(db: Db, id: string, page: number, pageSize: number): Promise<Page<FeedError>> {
  await getFeedRow(db, id);
  const query = db.selectFrom('feed_errors').where('feed_id', '=', id);
  const [rows, total] = await Promise.all([
    query.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(pageSize).offset(offsetOf(page, pageSize)).execute(),
    query.select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(toFeedError), total: Number(total.count), page, pageSize };
}

function toFeedError(row: FeedErrorRow): FeedError {
  return { id: row.id, kind: row.kind, httpStatus: row.http_status, message: row.message, createdAt: iso(row.created_at)! };
}

function iso(value: Date | string | null): string | null {
  if (value === null) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
