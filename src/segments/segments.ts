/**
 * Saved segments: a name and a rule. Rows map to `Segment` objects here and nowhere else.
 *
 * Saving checks more than the rule's shape: every list and topic slug it names must exist, so a
 * typo is a 422 on its path (`rule.any.1.value.0`) instead of a segment that silently matches
 * nobody. A segment that a campaign still waiting to go out refers to cannot be deleted.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { ConflictError, NotFoundError, ValidationError, type FieldIssue } from '../errors.ts';
import { offsetOf, type Page } from '../http/pagination.ts';
import { audienceQuery, countAudience, resolveAudience, type AudienceOptions } from './audience.ts';
import { eachCondition, type Rule } from './rule.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface Segment {
  id: string;
  name: string;
  description: string;
  rule: Rule;
  createdAt: string;
  updatedAt: string;
}

export interface SegmentInput {
  name: string;
  description?: string;
  rule: Rule;
}

export interface PreviewRow {
  id: string;
  email: string;
  name: string;
}

const ID_PATTERN = /^[0-9]{1,18}$/;

function toSegment(row: {
  id: string;
  name: string;
  description: string;
  rule: unknown;
  created_at: Date;
  updated_at: Date;
}): Segment {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    rule: row.rule as Rule,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** Lists and topics a rule names that do not exist, as issues on their paths. */
export async function unknownSlugs(db: Executor, rule: Rule, prefix = 'rule'): Promise<FieldIssue[]> {
  const wanted: { kind: 'list' | 'topic'; slug: string; path: string }[] = [];
  eachCondition(rule, (condition, path) => {
    const at = [prefix, ...path.map(String)].join('.');
    if (condition.field === 'list' || condition.field === 'topic') {
      if (condition.op === 'exists') return;
      const kind = condition.field;
      if (Array.isArray(condition.value)) {
        condition.value.forEach((slug, index) => wanted.push({ kind, slug, path: `${at}.value.${index}` }));
      } else {
        wanted.push({ kind, slug: condition.value, path: `${at}.value` });
      }
    } else if (condition.field === 'confirmedAt' && condition.list !== undefined) {
      wanted.push({ kind: 'list', slug: condition.list, path: `${at}.list` });
    }
  });
  if (wanted.length === 0) return [];
  const listSlugs = [...new Set(wanted.filter((w) => w.kind === 'list').map((w) => w.slug))];
  const topicSlugs = [...new Set(wanted.filter((w) => w.kind === 'topic').map((w) => w.slug))];
  const lists = listSlugs.length
    ? new Set((await db.selectFrom('lists').select('slug').where('slug', 'in', listSlugs).execute()).map((r) => r.slug))
    : new Set<string>();
  const topics = topicSlugs.length
    ? new Set((await db.selectFrom('topics').select('slug').where('slug', 'in', topicSlugs).execute()).map((r) => r.slug))
    : new Set<string>();
  return wanted
    .filter((w) => !(w.kind === 'list' ? lists : topics).has(w.slug))
    .map((w) => ({ path: w.path, message: `expected the slug of an existing ${w.kind}; "${w.slug}" is unknown` }));
}

async function checkSlugs(db: Executor, rule: Rule): Promise<void> {
  const issues = await unknownSlugs(db, rule);
  if (issues.length > 0) {
    throw new ValidationError(`The rule is invalid: ${issues[0]!.path}: ${issues[0]!.message}`, issues);
  }
}

async function checkNameFree(db: Executor, name: string, exceptId?: string): Promise<void> {
  let query = db
    .selectFrom('segments')
    .select('id')
    .where(sql<boolean>`lower(name) = lower(${name})`);
  if (exceptId) query = query.where('id', '<>', exceptId);
  if (await query.executeTakeFirst()) throw new ConflictError(`A segment named "${name}" already exists.`);
}

async function audit(db: Executor, actor: string, action: string, id: string, details: Record<string, unknown>) {
  await db
    .insertInto('audit_log')
    .values({ actor, action, target: `segment:${id}`, details })
    .execute();
}

export async function listSegments(db: Executor, page: number, pageSize: number): Promise<Page<Segment>> {
  const [rows, total] = await Promise.all([
    db
      .selectFrom('segments')
      .selectAll()
      .orderBy('name')
      .orderBy('id')
      .limit(pageSize)
      .offset(offsetOf(page, pageSize))
      .execute(),
    db.selectFrom('segments').select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(toSegment), total: Number(total.count), page, pageSize };
}

export async function getSegment(db: Executor, id: string): Promise<Segment> {
  const row = ID_PATTERN.test(id) ? await db.selectFrom('segments').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw new NotFoundError(`No segment with id ${id}.`);
  return toSegment(row);
}

export async function createSegment(db: Kysely<Database>, input: SegmentInput, actor = 'system'): Promise<Segment> {
  return db.transaction().execute(async (trx) => {
    await checkSlugs(trx, input.rule);
    await checkNameFree(trx, input.name);
    const row = await trx
      .insertInto('segments')
      .values({ name: input.name, description: input.description ?? '', rule: input.rule })
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, actor, 'segment.created', row.id, { name: row.name });
    return toSegment(row);
  });
}

export async function updateSegment(
  db: Kysely<Database>,
  id: string,
  changes: Partial<SegmentInput>,
  actor = 'system',
): Promise<Segment> {
  return db.transaction().execute(async (trx) => {
    await getSegment(trx, id);
    if (changes.rule !== undefined) await checkSlugs(trx, changes.rule);
    if (changes.name !== undefined) await checkNameFree(trx, changes.name, id);
    const row = await trx
      .updateTable('segments')
      .set({
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        ...(changes.description !== undefined ? { description: changes.description } : {}),
        ...(changes.rule !== undefined ? { rule: changes.rule } : {}),
        updated_at: sql`now()`,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, actor, 'segment.updated', id, { fields: Object.keys(changes) });
    return toSegment(row);
  });
}

/** Deletes a segment, unless a campaign that has not finished still targets it. */
export async function deleteSegment(db: Kysely<Database>, id: string, actor = 'system'): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await getSegment(trx, id);
    const user = await trx
      .selectFrom('campaigns')
      .select('id')
      .where(sql<boolean>`audience ->> 'segment' = ${id}`)
      .where('status', 'in', ['draft', 'scheduled', 'sending', 'paused'])
      .executeTakeFirst();
    if (user) throw new ConflictError(`Campaign ${user.id} still targets segment ${id}; change its audience first.`);
    await trx.deleteFrom('segments').where('id', '=', id).execute();
    await audit(trx, actor, 'segment.deleted', id, {});
  });
}

/** The sendable audience of a saved segment (on any list), counted. */
export async function countSegment(db: Executor, id: string, options: AudienceOptions = {}): Promise<number> {
  await getSegment(db, id);
  return countAudience(db, { segment: id }, options);
}

/** A page of the sendable subscribers a segment matches, by id. */
export async function previewSegment(
  db: Executor,
  id: string,
  page: number,
  pageSize: number,
  options: AudienceOptions = {},
): Promise<Page<PreviewRow>> {
  await getSegment(db, id);
  const audience = await resolveAudience(db, { segment: id });
  const query = audienceQuery(db, audience, options);
  const [rows, total] = await Promise.all([
    query.orderBy('subscribers.id').limit(pageSize).offset(offsetOf(page, pageSize)).execute(),
    db.selectFrom(query.as('audience')).select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow(),
  ]);
  return {
    items: rows.map((row) => ({ id: row.subscriber_id, email: row.email, name: row.name })),
    total: Number(total.count),
    page,
    pageSize,
  };
}
