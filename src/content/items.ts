/**
 * Content items (events, publications, news): the API's shape of a row, and the service
 * functions the routes and the console call.
 */
import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../db/connect.ts';
import type { ContentItemRow, ContentKind } from '../db/schema.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { offsetOf, type Page } from '../http/pagination.ts';
import { validate } from '../http/validate.ts';
import { canonicalTimeZone, parseIsoInZone } from './dates.ts';
import { buildEntry, contentHash, contentKinds, entryColumns, EntryError, normaliseTopics, type EntryDraft } from './entry.ts';
import { safeHttpUrl } from './sanitize.ts';

/** A content item as the API returns it. */
export interface ContentItem {
  id: string;
  kind: ContentKind;
  guid: string;
  title: string;
  /** Sanitised HTML (for publications, the abstract). */
  summary: string;
  url: string | null;
  imageUrl: string | null;
  topics: string[];
  language: string | null;
  publishedAt: string | null;
  ingestedAt: string;
  updatedAt: string;
  source: string;
  feedId: string | null;
  startsAt: string | null;
  endsAt: string | null;
  timezone: string | null;
  allDay: boolean;
  venue: string | null;
  online: boolean;
  city: string | null;
  country: string | null;
  registrationUrl: string | null;
  registrationDeadline: string | null;
  authors: string[];
  pdfUrl: string | null;
  /** For events: the public "add to calendar" file. */
  calendarUrl: string | null;
}

/** Maps a row to the API shape; `publicUrl` builds the calendar link of an event. */
export function toContentItem(row: ContentItemRow, publicUrl: string): ContentItem {
  return {
    id: row.id,
    kind: row.kind,
    guid: row.guid,
    title: row.title,
    summary: row.summary,
    url: row.url,
    imageUrl: row.image_url,
    topics: row.topics,
    language: row.language,
    publishedAt: iso(row.published_at),
    ingestedAt: iso(row.ingested_at)!,
    updatedAt: iso(row.updated_at)!,
    source: row.source,
    feedId: row.feed_id,
    startsAt: iso(row.starts_at),
    endsAt: iso(row.ends_at),
    timezone: row.timezone,
    allDay: row.all_day,
    venue: row.venue,
    online: row.online,
    city: row.city,
    country: row.country,
    registrationUrl: row.registration_url,
    registrationDeadline: iso(row.registration_deadline),
    authors: row.authors,
    pdfUrl: row.pdf_url,
    calendarUrl: row.kind === 'event' ? `${publicUrl}/events/${row.id}.ics` : null,
  };
}

const httpUrl = z
  .string()
  .trim()
  .refine((value) => safeHttpUrl(value) !== undefined, 'expected an absolute http or https URL');
const optionalText = z.string().trim().max(500).nullable().optional();
const dateText = z.string().trim().min(1, 'expected an ISO 8601 date').nullable().optional();

/** The fields of a content item as the API takes them (camelCase). */
export const contentFieldsSchema = z.object({
  kind: z.enum(contentKinds),
  title: z.string().trim().min(1, 'expected a title').max(1000),
  url: httpUrl.nullable().optional(),
  summary: z.string().max(200_000).optional(),
  guid: z.string().trim().min(1).max(2000).optional(),
  publishedAt: dateText,
  startsAt: dateText,
  endsAt: dateText,
  timezone: z
    .string()
    .trim()
    .refine((value) => canonicalTimeZone(value) !== undefined, 'expected an IANA time zone such as Asia/Seoul')
    .nullable()
    .optional(),
  allDay: z.boolean().optional(),
  /** A venue as text, or the place in parts; the flat fields below say the same. */
  location: z
    .union([
      z.string().trim().max(500),
      z.object({ venue: optionalText, city: optionalText, country: optionalText, online: z.boolean().optional() }),
    ])
    .optional(),
  venue: optionalText,
  city: optionalText,
  country: optionalText,
  online: z.boolean().optional(),
  registrationUrl: httpUrl.nullable().optional(),
  registrationDeadline: dateText,
  language: z.string().trim().max(35).nullable().optional(),
  topics: z.array(z.string().trim().min(1).max(80)).max(50).optional(),
  imageUrl: httpUrl.nullable().optional(),
  authors: z.array(z.string().trim().min(1).max(300)).max(100).optional(),
  pdfUrl: httpUrl.nullable().optional(),
});
export type ContentFields = z.input<typeof contentFieldsSchema>;

/** `POST /api/content`: `kind`, `title` and `url` are required; events also need `startsAt`. */
export const contentCreateSchema = contentFieldsSchema.extend({ url: httpUrl });
/** `PATCH /api/content/:id`: any subset of the fields. */
export const contentPatchSchema = contentFieldsSchema.partial();

/**
 * Turns validated API fields into an entry draft: dates are read in the event's time zone
 * (a value without an offset is a wall-clock time there), and an event needs a start.
 */
function draftFromFields(fields: z.output<typeof contentFieldsSchema>): EntryDraft {
  const timezone = fields.timezone ? canonicalTimeZone(fields.timezone)! : 'UTC';
  const issues: Array<{ path: string; message: string }> = [];
  const date = (key: 'publishedAt' | 'startsAt' | 'endsAt' | 'registrationDeadline') => {
    const value = fields[key];
    if (value === undefined || value === null) return undefined;
    const parsed = parseIsoInZone(value, timezone);
    if (!parsed) issues.push({ path: key, message: 'expected an ISO 8601 date such as 2027-03-10T09:00:00+09:00' });
    return parsed;
  };
  const start = date('startsAt');
  const draft: EntryDraft = {
    guid: fields.guid,
    title: fields.title,
    url: fields.url,
    summary: fields.summary ?? '',
    publishedAt: date('publishedAt')?.date,
    startsAt: start?.date,
    endsAt: date('endsAt')?.date,
    registrationDeadline: date('registrationDeadline')?.date,
    timezone,
    allDay: fields.allDay ?? start?.dateOnly ?? false,
    venue: fields.venue,
    city: fields.city,
    country: fields.country,
    online: fields.online,
    registrationUrl: fields.registrationUrl,
    language: fields.language,
    topics: fields.topics,
    imageUrl: fields.imageUrl,
    authors: fields.authors,
    pdfUrl: fields.pdfUrl,
  };
  if (typeof fields.location === 'string') draft.venue ??= fields.location;
  else if (fields.location) {
    draft.venue ??= fields.location.venue;
    draft.city ??= fields.location.city;
    draft.country ??= fields.location.country;
    draft.online ??= fields.location.online;
  }
  if (fields.kind === 'event' && !fields.startsAt) issues.push({ path: 'startsAt', message: 'an event needs a start time' });
  if (issues.length > 0) throw new ValidationError(`The request is invalid: ${issues[0]!.path}: ${issues[0]!.message}`, issues);
  return draft;
}

async function entryFromFields(fields: z.output<typeof contentFieldsSchema>) {
  try {
    return await buildEntry(fields.kind, draftFromFields(fields));
  } catch (error) {
    if (error instanceof EntryError) throw new ValidationError(`The request is invalid: ${error.message}.`, [{ path: '(root)', message: error.message }]);
    throw error;
  }
}

export interface WriteOptions {
  now: Date;
  publicUrl: string;
  /** Recorded in `content_items.source` (`api`, `console`). */
  source?: string;
}

/** Creates an item; a guid (or URL) that already exists is a conflict. */
export async function createContent(db: Db, fields: z.output<typeof contentFieldsSchema>, options: WriteOptions): Promise<ContentItem> {
  const entry = await entryFromFields(fields);
  const row = await db
    .insertInto('content_items')
    .values({
      ...entryColumns(entry, await contentHash(entry)),
      source: options.source ?? 'api',
      ingested_at: options.now,
      updated_at: options.now,
    })
    .onConflict((conflict) => conflict.column('guid').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) {
    const existing = await db.selectFrom('content_items').select('id').where('guid', '=', entry.guid).executeTakeFirst();
    throw new ConflictError(`An item with this guid or URL already exists (id ${existing?.id ?? 'unknown'}).`, [
      { path: fields.guid ? 'guid' : 'url', message: `already used by item ${existing?.id ?? 'unknown'}` },
    ]);
  }
  return toContentItem(row, options.publicUrl);
}

/** Returns the row of an item, or throws `NotFoundError`. */
export async function getContentRow(db: Db, id: string): Promise<ContentItemRow> {
  const row = /^\d{1,18}$/.test(id)
    ? await db.selectFrom('content_items').selectAll().where('id', '=', id).executeTakeFirst()
    : undefined;
  if (!row) throw new NotFoundError(`No content item with id ${id}.`);
  return row;
}

export async function getContent(db: Db, id: string, publicUrl: string): Promise<ContentItem> {
  return toContentItem(await getContentRow(db, id), publicUrl);
}

export interface ContentFilter {
  kind?: ContentKind;
  /** Words searched in title and summary, case-insensitively. */
  q?: string;
  /** A topic slug (or name, which is slugged). */
  topic?: string;
  feedId?: string;
  page: number;
  pageSize: number;
}

/** Lists items, newest first (by publication time, else ingest time). */
export async function listContent(db: Db, filter: ContentFilter, publicUrl: string): Promise<Page<ContentItem>> {
  let query = db.selectFrom('content_items');
  if (filter.kind) query = query.where('kind', '=', filter.kind);
  if (filter.feedId) query = query.where('feed_id', '=', filter.feedId);
  if (filter.topic) {
    const [slug] = normaliseTopics([filter.topic]);
    query = query.where(sql<boolean>`topics @> array[${slug ?? ''}]::text[]`);
  }
  if (filter.q && filter.q.trim() !== '') {
    const pattern = `%${filter.q.trim().replace(/[\\%_]/g, (match) => `\\${match}`)}%`;
    query = query.where((eb) => eb.or([eb('title', 'ilike', pattern), eb('summary', 'ilike', pattern)]));
  }
  const [rows, total] = await Promise.all([
    query
      .selectAll()
      .orderBy(sql`coalesce(published_at, ingested_at)`, 'desc')
      .orderBy('id', 'desc')
      .limit(filter.pageSize)
      .offset(offsetOf(filter.page, filter.pageSize))
      .execute(),
    query.select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow(),
  ]);
  return {
    items: rows.map((row) => toContentItem(row, publicUrl)),
    total: Number(total.count),
    page: filter.page,
    pageSize: filter.pageSize,
  };
}

/**
 * Changes an item. The stored content hash stays the source's, so a feed that has not changed
 * the entry leaves a staff edit alone, and a feed that edits it later overwrites the edit.
 */
export async function updateContent(
  db: Db,
  id: string,
  patch: z.output<typeof contentPatchSchema>,
  options: WriteOptions,
): Promise<ContentItem> {
  const row = await getContentRow(db, id);
  const merged = validate(contentFieldsSchema, { ...fieldsOfRow(row), ...stripUndefined(patch) });
  const entry = await entryFromFields(merged);
  const { content_hash: _unchangedHash, ...columns } = entryColumns(entry, row.content_hash);
  try {
    const updated = await db
      .updateTable('content_items')
      .set({ ...columns, updated_at: options.now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toContentItem(updated, options.publicUrl);
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError('Another item already has this guid.', [{ path: 'guid', message: 'already used' }]);
    throw error;
  }
}

/**
 * Deletes an item (and its place in campaigns' item lists; sent issues keep their rendered copy).
 * NOTE: an item that came from a feed comes back on the feed's next fetch if the feed still has it.
 */
export async function deleteContent(db: Db, id: string): Promise<void> {
  await getContentRow(db, id);
  await db.deleteFrom('content_items').where('id', '=', id).execute();
}

/** The API fields of a stored row, so a patch can be merged and validated as a whole. */
function fieldsOfRow(row: ContentItemRow): ContentFields {
  return {
    kind: row.kind,
    guid: row.guid,
    title: row.title,
    url: row.url,
    summary: row.summary,
    publishedAt: iso(row.published_at),
    startsAt: iso(row.starts_at),
    endsAt: iso(row.ends_at),
    timezone: row.timezone,
    allDay: row.all_day,
    venue: row.venue,
    city: row.city,
    country: row.country,
    online: row.online,
    registrationUrl: row.registration_url,
    registrationDeadline: iso(row.registration_deadline),
    language: row.language,
    topics: row.topics,
    imageUrl: row.image_url,
    authors: row.authors,
    pdfUrl: row.pdf_url,
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === '23505';
}

function iso(value: Date | string | null): string | null {
  if (value === null) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
