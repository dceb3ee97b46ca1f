/**
 * Digest definitions: a recurring issue's audience, what it is composed of and what happens to
 * each run (sent at once, or left as a draft for an editor). Schedules (`schedules.ts`) set
 * when a digest runs.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { AudienceSpec, Database, DigestItemOrder, DigestRow } from '../db/schema.ts';
import { ConflictError, NotFoundError, ValidationError, type FieldIssue } from '../errors.ts';
import { offsetOf, type Page } from '../http/pagination.ts';
import { resolveAudience, audienceQuery } from '../segments/audience.ts';
import type { Rule } from '../segments/rule.ts';
import { unknownSlugs } from '../segments/segments.ts';
import { checkSubjectPattern } from './subject.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface DigestCompose {
  /** Events starting from the run up to this many days ahead. */
  eventsWithinDays: number;
  /** At most this many items in each section (events, publications, news); null for no limit. */
  maxItemsPerSection: number | null;
  /** Publications and news newest or oldest first; events always run by start time. */
  order: DigestItemOrder;
  /** Only items with one of these topic slugs (items without topics always pass). */
  topics: string[];
}

export interface DigestInput {
  name: string;
  lists?: string[];
  segment?: string;
  rule?: unknown;
  subject: string;
  preheader?: string;
  intro?: string;
  template?: string;
  layoutId?: string | null;
  compose?: Partial<DigestCompose>;
  perSubscriberTopics?: boolean;
  skipWhenEmpty?: boolean;
  autoSend?: boolean;
}

export interface Digest {
  id: string;
  name: string;
  lists: string[];
  segment: string | null;
  rule: unknown;
  subject: string;
  preheader: string;
  intro: string;
  template: string;
  layoutId: string | null;
  compose: DigestCompose;
  perSubscriberTopics: boolean;
  skipWhenEmpty: boolean;
  autoSend: boolean;
  /** When the last issue of this digest finished sending, or null before the first. */
  lastSentAt: string | null;
  createdAt: string;
  updatedAt: string;
}

const idPattern = /^[0-9]{1,18}$/;

/** Returns the series of a digest's campaigns, within which "new since the last issue" is judged. */
export function digestSeries(digestId: string): string {
  return `digest:${digestId}`;
}

export async function listDigests(db: Executor, page: number, pageSize: number): Promise<Page<Digest>> {
  const [rows, total] = await Promise.all([
    db.selectFrom('digests').selectAll().orderBy('name').orderBy('id').limit(pageSize).offset(offsetOf(page, pageSize)).execute(),
    db.selectFrom('digests').select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow(),
  ]);
  const items = await Promise.all(rows.map((row) => toDigest(db, row)));
  return { items, total: Number(total.count), page, pageSize };
}

export async function findDigest(db: Executor, id: string): Promise<DigestRow> {
  const row = idPattern.test(id) ? await db.selectFrom('digests').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw new NotFoundError(`No digest with id ${id}.`);
  return row;
}

export async function getDigest(db: Executor, id: string): Promise<Digest> {
  return toDigest(db, await findDigest(db, id));
}

/** Creates a digest after checking its audience, topics, layout and subject pattern. */
export async function createDigest(db: Kysely<Database>, input: DigestInput, actor = 'system'): Promise<Digest> {
  return db.transaction().execute(async (trx) => {
    const row = await insertDigest(trx, input, actor);
    return toDigest(trx, row);
  });
}

/** Inserts a digest inside the caller's transaction (schedules created with an inline digest). */
export async function insertDigest(trx: Transaction<Database>, input: DigestInput, actor: string): Promise<DigestRow> {
  await checkDigest(trx, input);
  await checkNameFree(trx, input.name);
  const row = await trx
    .insertInto('digests')
    .values(columnsOf(input))
    .returningAll()
    .executeTakeFirstOrThrow();
  await audit(trx, actor, 'digest.created', row.id, { name: row.name });
  return row;
}

/** Changes a digest; an audience given in `changes` replaces the whole audience. */
export async function updateDigest(db: Kysely<Database>, id: string, changes: Partial<DigestInput>, actor = 'system'): Promise<Digest> {
  return db.transaction().execute(async (trx) => {
    const current = await findDigest(trx, id);
    const existing = inputOf(current);
    const audienceChanged = changes.lists !== undefined || changes.segment !== undefined || changes.rule !== undefined;
    const merged: DigestInput = {
      ...existing,
      ...stripUndefined(changes),
      lists: audienceChanged ? changes.lists : existing.lists,
      segment: audienceChanged ? changes.segment : existing.segment,
      rule: audienceChanged ? changes.rule : existing.rule,
      compose: { ...existing.compose, ...stripUndefined(changes.compose ?? {}) },
    };
    await checkDigest(trx, merged);
    if (changes.name !== undefined) await checkNameFree(trx, changes.name, id);
    const row = await trx
      .updateTable('digests')
      .set({ ...columnsOf(merged), updated_at: sql`now()` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, actor, 'digest.updated', id, { fields: Object.keys(changes) });
    return toDigest(trx, row);
  });
}

/** Deletes a digest and its schedules; its past campaigns stay, no longer linked. */
export async function deleteDigest(db: Kysely<Database>, id: string, actor = 'system'): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await findDigest(trx, id);
    await trx.deleteFrom('digests').where('id', '=', id).execute();
    await audit(trx, actor, 'digest.deleted', id, {});
  });
}

/** Returns the digest's audience as `audienceQuery` takes it, with a saved segment inlined. */
export async function digestAudience(db: Executor, row: DigestRow): Promise<AudienceSpec> {
  return resolveAudience(db, row.audience);
}

export const defaultCompose: DigestCompose = { eventsWithinDays: 30, maxItemsPerSection: null, order: 'newest', topics: [] };

/** Returns the row values for a checked input, with the defaults filled in. */
function columnsOf(input: DigestInput) {
  const compose = { ...defaultCompose, ...input.compose };
  return {
    name: input.name,
    audience: audienceOf(input),
    topics: textArray(compose.topics),
    template: input.template ?? 'newsletter',
    layout_id: input.layoutId ?? null,
    subject: input.subject,
    preheader: input.preheader ?? '',
    intro: input.intro ?? '',
    events_within_days: compose.eventsWithinDays,
    max_items_per_section: compose.maxItemsPerSection,
    item_order: compose.order,
    per_subscriber_topics: input.perSubscriberTopics ?? false,
    skip_when_empty: input.skipWhenEmpty ?? true,
    auto_send: input.autoSend ?? false,
  };
}

/** Reads a digest row back as the input it was made from, for merging changes. */
function inputOf(row: DigestRow): DigestInput {
  const audience = row.audience ?? {};
  return {
    name: row.name,
    lists: audience.lists,
    segment: audience.segment,
    rule: audience.rule,
    subject: row.subject,
    preheader: row.preheader,
    intro: row.intro,
    template: row.template,
    layoutId: row.layout_id,
    compose: composeOf(row),
    perSubscriberTopics: row.per_subscriber_topics,
    skipWhenEmpty: row.skip_when_empty,
    autoSend: row.auto_send,
  };
}

export function composeOf(row: DigestRow): DigestCompose {
  return {
    eventsWithinDays: row.events_within_days,
    maxItemsPerSection: row.max_items_per_section,
    order: row.item_order,
    topics: row.topics ?? [],
  };
}

async function toDigest(db: Executor, row: DigestRow): Promise<Digest> {
  const audience = row.audience ?? {};
  const sent = await db
    .selectFrom('campaigns')
    .select((eb) => eb.fn.max('finished_at').as('finished_at'))
    .where('series', '=', digestSeries(row.id))
    .where('status', '=', 'sent')
    .executeTakeFirst();
  return {
    id: row.id,
    name: row.name,
    lists: audience.lists ?? [],
    segment: audience.segment ?? null,
    rule: audience.rule ?? null,
    subject: row.subject,
    preheader: row.preheader,
    intro: row.intro,
    template: row.template,
    layoutId: row.layout_id,
    compose: composeOf(row),
    perSubscriberTopics: row.per_subscriber_topics,
    skipWhenEmpty: row.skip_when_empty,
    autoSend: row.auto_send,
    lastSentAt: sent?.finished_at ? new Date(sent.finished_at).toISOString() : null,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

function audienceOf(input: Pick<DigestInput, 'lists' | 'segment' | 'rule'>): AudienceSpec {
  const audience: AudienceSpec = {};
  if (input.lists && input.lists.length > 0) audience.lists = input.lists;
  if (input.segment !== undefined && input.segment !== null) audience.segment = String(input.segment);
  if (input.rule !== undefined && input.rule !== null) audience.rule = input.rule;
  return audience;
}

/** Checks everything that needs the database; throws one `ValidationError` listing each issue. */
async function checkDigest(db: Executor, input: DigestInput): Promise<void> {
  const issues: FieldIssue[] = [];
  const audience = audienceOf(input);
  if (audience.lists === undefined && audience.segment === undefined && audience.rule === undefined) {
    issues.push({ path: 'lists', message: 'expected an audience: lists, segment or rule (or a combination)' });
  }
  if (audience.lists) {
    const found = new Set(
      (await db.selectFrom('lists').select('slug').where('slug', 'in', audience.lists).execute()).map((row) => row.slug),
    );
    audience.lists.forEach((slug, index) => {
      if (!found.has(slug)) issues.push({ path: `lists.${index}`, message: `expected the slug of an existing list; "${slug}" is unknown` });
    });
  }
  if (audience.rule !== undefined) {
    // Builds the query once, which validates the rule and names each bad path.
    audienceQuery(db, { rule: audience.rule });
    issues.push(...(await unknownSlugs(db, audience.rule as Rule)));
  }
  if (audience.segment !== undefined) await resolveAudience(db, { segment: audience.segment });

  const topics = input.compose?.topics ?? [];
  if (topics.length > 0) {
    const found = new Set((await db.selectFrom('topics').select('slug').where('slug', 'in', topics).execute()).map((row) => row.slug));
    topics.forEach((slug, index) => {
      if (!found.has(slug)) issues.push({ path: `compose.topics.${index}`, message: `expected the slug of an existing topic; "${slug}" is unknown` });
    });
  }
  if (input.layoutId !== undefined && input.layoutId !== null) {
    const layout = await db.selectFrom('layouts').select('id').where('id', '=', input.layoutId).executeTakeFirst();
    if (!layout) issues.push({ path: 'layoutId', message: `expected the id of a saved MJML layout; ${input.layoutId} does not exist` });
  }
  const subjectIssue = checkSubjectPattern(input.subject);
  if (subjectIssue) issues.push({ path: 'subject', message: subjectIssue });

  if (issues.length > 0) throw new ValidationError(`The digest is invalid: ${issues[0]!.path}: ${issues[0]!.message}`, issues);
}

async function checkNameFree(db: Executor, name: string, exceptId?: string): Promise<void> {
  let query = db.selectFrom('digests').select('id').where(sql<boolean>`lower(name) = lower(${name})`);
  if (exceptId) query = query.where('id', '<>', exceptId);
  if (await query.executeTakeFirst()) throw new ConflictError(`A digest named "${name}" already exists.`);
}

async function audit(db: Executor, actor: string, action: string, id: string, details: Record<string, unknown>) {
  await db.insertInto('audit_log').values({ actor, action, target: `digest:${id}`, details }).execute();
}

/**
 * A `text[]` parameter that both drivers send alike: the values travel as one JSON text, since
 * postgres.js and PGlite serialise JS arrays differently.
 */
function textArray(values: string[]) {
  return sql<string[]>`array(select jsonb_array_elements_text(cast(cast(${JSON.stringify(values)} as text) as jsonb)))`;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
