/**
 * Subscriber import from CSV: streams the file, reads each row (`import-columns.ts`), and writes
 * batches of rows with a few set-based statements each, so memory stays flat and a large file
 * imports at database speed.
 *
 * Rules that protect consent: an address on the suppression list (bounced, complained, erased,
 * suppressed by hand) is skipped, and a subscription the person ended stays unsubscribed, unless
 * the staff member sets `resubscribe`. Existing names and attributes are only filled in, not
 * replaced, unless `overwrite` is set. Each batch is one transaction; a failure stops the import
 * after the batches already written.
 */
import { sql, type Transaction } from 'kysely';
import type { Database, ListRow } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { ValidationError } from '../errors.ts';
import { suppressionKey } from '../feedback/suppressions.ts';
import { resolveLists } from '../lists/lists.ts';
import { readCsvRecords } from './csv-records.ts';
import { isProblem, mapColumns, readRow, type ImportRow, type RowProblem } from './import-columns.ts';

export type ImportMode = 'subscribe' | 'blocklist';

export interface ImportOptions {
  /** List slug; required in subscribe mode. */
  list?: string;
  mode: ImportMode;
  /** Replace names and attributes of existing subscribers with the file's values. */
  overwrite: boolean;
  /** Re-subscribe people who unsubscribed and lift their suppression or blocklisting. */
  resubscribe: boolean;
  /** Written into the consent log, so each entry points at its import. */
  importId?: string;
}

export const emptyCounts = () => ({
  /** Data rows read (the header excluded). */
  rows: 0,
  created: 0,
  updated: 0,
  /** Subscriptions confirmed by this import. */
  subscribed: 0,
  /** Rows imported as unsubscribed (a Mailchimp unsubscribed export). */
  unsubscribed: 0,
  /** Addresses added to the suppression list (a Mailchimp cleaned export, or blocklist mode). */
  suppressed: 0,
  blocklisted: 0,
  /** Rows whose subscription already had the status the file asks for. */
  unchanged: 0,
  skippedUnsubscribed: 0,
  skippedSuppressed: 0,
  skippedBlocklisted: 0,
  /** Rows for an address that appeared earlier in the file; merged into it. */
  duplicates: 0,
  invalid: 0,
});

export type ImportCounts = ReturnType<typeof emptyCounts>;

export interface ImportHooks {
  /** Receives invalid rows and merged duplicates, in file order, once per batch. */
  onProblems?(problems: RowProblem[]): Promise<void> | void;
  onProgress?(progress: { bytes: number; counts: ImportCounts }): Promise<void> | void;
}

const batchSize = 1000;

/**
 * Imports a CSV stream. Throws a `ValidationError` before writing anything when the list is
 * unknown or the header has no email column, and a `CsvFormatError` when quoting is broken.
 */
export async function importSubscribers(
  deps: Deps,
  source: AsyncIterable<Uint8Array>,
  options: ImportOptions,
  hooks: ImportHooks = {},
): Promise<ImportCounts> {
  const list = await importList(deps, options);
  const counts = emptyCounts();
  const seen = new Set<number>();
  const topicIds = new Map<string, string>();
  let bytes = 0;

  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      bytes += chunk.byteLength;
      yield chunk;
    }
  }

  let map: ReturnType<typeof mapColumns> | undefined;
  let batch: ImportRow[] = [];
  let problems: RowProblem[] = [];

  const flush = async () => {
    const rows = mergeDuplicates(batch, seen, problems, counts);
    batch = [];
    if (rows.length > 0) {
      await deps.db.transaction().execute((tx) => applyBatch(deps, tx, rows, list, options, counts, topicIds));
    }
    if (problems.length > 0) {
      problems.sort((a, b) => a.line - b.line);
      await hooks.onProblems?.(problems);
      problems = [];
    }
    await hooks.onProgress?.({ bytes, counts });
  };

  for await (const record of readCsvRecords(counted())) {
    if (!map) {
      map = mapColumns(record.values);
      if ('problem' in map) throw new ValidationError(map.problem, [{ path: 'file', message: map.problem }]);
      continue;
    }
    if ('problem' in map) break;
    counts.rows++;
    const row = readRow(map, record.values, record.line);
    if (isProblem(row)) {
      counts.invalid++;
      problems.push(row);
    } else {
      batch.push(row);
    }
    if (batch.length >= batchSize || problems.length >= batchSize) await flush();
  }
  if (!map) throw new ValidationError('The file is empty; expected a header line such as "email,name".', [{ path: 'file', message: 'empty' }]);
  await flush();
  deps.logger.info({ importId: options.importId, ...counts }, 'subscriber import finished');
  return counts;
}

async function importList(deps: Deps, options: ImportOptions): Promise<ListRow | undefined> {
  if (options.list) return (await resolveLists(deps.db, [options.list], { path: 'list' }))[0];
  if (options.mode === 'subscribe') {
    throw new ValidationError('Name the list to import into (a list slug).', [{ path: 'list', message: 'expected a list slug' }]);
  }
  return undefined;
}

/**
 * Merges rows for the same address (compared lower-cased): inside the batch into the first row,
 * and across batches by letting the database upsert fill in the earlier row. Each merge is
 * reported as a problem of its own, so staff see it.
 */
function mergeDuplicates(batch: ImportRow[], seen: Set<number>, problems: RowProblem[], counts: ImportCounts): ImportRow[] {
  const byKey = new Map<string, ImportRow>();
  for (const row of batch) {
    const key = row.email.toLowerCase();
    const first = byKey.get(key);
    if (first) {
      counts.duplicates++;
      problems.push({ line: row.line, email: row.email, reason: `duplicate of line ${first.line}; merged into it` });
      if (!first.name) first.name = row.name;
      first.attributes = { ...row.attributes, ...first.attributes };
      first.topics = [...new Set([...first.topics, ...row.topics])];
      if (stateRank[row.state] > stateRank[first.state]) {
        first.state = row.state;
        first.changedAt = row.changedAt;
      }
      continue;
    }
    const hash = addressHash(key);
    if (seen.has(hash)) {
      counts.duplicates++;
      problems.push({ line: row.line, email: row.email, reason: 'duplicate of an earlier row; merged into it' });
    }
    seen.add(hash);
    byKey.set(key, row);
  }
  return [...byKey.values()];
}

const stateRank = { subscribed: 0, unsubscribed: 1, cleaned: 2 } as const;

/**
 * A 53-bit hash of an address (cyrb53), so the whole file's addresses fit in a few tens of MB.
 * NOTE: two different addresses sharing a hash (about 1 in 10,000 for a million addresses) are
 * reported as a merged duplicate although both are imported correctly.
 */
function addressHash(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

interface Upserted {
  id: string;
  key: string;
  status: string;
  inserted: boolean;
}

interface ConsentRow {
  subscriberId: string;
  action: 'imported' | 'suppressed' | 'blocklisted' | 'unsuppressed';
  list: string;
  details: Record<string, unknown>;
}

/** Writes one batch of distinct addresses inside a transaction. */
async function applyBatch(
  deps: Deps,
  tx: Transaction<Database>,
  batch: ImportRow[],
  list: ListRow | undefined,
  options: ImportOptions,
  counts: ImportCounts,
  topicIds: Map<string, string>,
): Promise<void> {
  const now = deps.now();
  const keys = await Promise.all(batch.map((row) => suppressionKey(deps.signer, row.email)));
  const suppressedRows = await tx.selectFrom('suppressions').select(['email_hash', 'reason']).where('email_hash', 'in', keys).execute();
  const suppressed = new Set(suppressedRows.map((row) => row.email_hash));

  // Step 1: drop suppressed addresses, or lift their suppression when staff asked to.
  const rows: (ImportRow & { hash: string })[] = [];
  const lifted: string[] = [];
  batch.forEach((row, index) => {
    const hash = keys[index]!;
    if (suppressed.has(hash) && options.mode === 'subscribe') {
      if (!options.resubscribe) {
        counts.skippedSuppressed++;
        return;
      }
      lifted.push(row.email.toLowerCase());
    }
    rows.push({ ...row, hash });
  });
  if (rows.length === 0) return;
  if (lifted.length > 0) {
    await tx.deleteFrom('suppressions').where('email_hash', 'in', rows.filter((row) => lifted.includes(row.email.toLowerCase())).map((row) => row.hash)).execute();
  }

  // Step 2: upsert the subscribers in one statement. `xmax = 0` marks rows this statement
  // inserted (PostgreSQL sets xmax only on rows it updated).
  const blocklist = options.mode === 'blocklist';
  const upserted = await sql<Upserted>`
    insert into subscribers (email, name, attributes, source, status, created_at, updated_at)
    select t.email, t.name, t.attributes::jsonb, 'import', t.status, ${now}, ${now}
    from unnest(${rows.map((row) => row.email)}::text[], ${rows.map((row) => row.name)}::text[],
                ${rows.map((row) => JSON.stringify(row.attributes))}::text[],
                ${rows.map(() => (blocklist ? 'blocklisted' : 'active'))}::text[]) as t(email, name, attributes, status)
    on conflict (lower(email)) do update set
      name = case
        when ${options.overwrite}::boolean and excluded.name <> '' then excluded.name
        when subscribers.name = '' then excluded.name
        else subscribers.name end,
      attributes = case
        when ${options.overwrite}::boolean then subscribers.attributes || excluded.attributes
        else excluded.attributes || subscribers.attributes end,
      status = case
        when excluded.status = 'blocklisted' then 'blocklisted'
        when ${options.resubscribe}::boolean then 'active'
        else subscribers.status end,
      updated_at = excluded.updated_at
    returning id::text as id, lower(email) as key, status, (xmax = 0) as inserted
  `.execute(tx);
  const byKey = new Map(upserted.rows.map((row) => [row.key, row]));

  const consent: ConsentRow[] = [];
  const base = (row: ImportRow) => ({ ...(options.importId ? { importId: options.importId } : {}), line: row.line });
  for (const row of rows) {
    const saved = byKey.get(row.email.toLowerCase())!;
    if (saved.inserted) counts.created++;
    else counts.updated++;
    if (lifted.includes(row.email.toLowerCase())) {
      consent.push({ subscriberId: saved.id, action: 'unsuppressed', list: '', details: base(row) });
    }
  }

  // Step 3: subscriptions, suppressions and blocklisting.
  const toSuppress: { row: ImportRow & { hash: string }; reason: 'hard_bounce' | 'manual' }[] = [];
  if (blocklist) {
    for (const row of rows) {
      const saved = byKey.get(row.email.toLowerCase())!;
      counts.blocklisted++;
      toSuppress.push({ row, reason: 'manual' });
      consent.push({ subscriberId: saved.id, action: 'blocklisted', list: '', details: base(row) });
    }
  } else if (list) {
    await writeSubscriptions(tx, rows, byKey, list, options, counts, consent, now, base);
    for (const row of rows) {
      if (row.state === 'cleaned' && byKey.get(row.email.toLowerCase())!.status === 'active') toSuppress.push({ row, reason: 'hard_bounce' });
    }
  }
  if (toSuppress.length > 0) {
    const inserted = await tx
      .insertInto('suppressions')
      .values(
        toSuppress.map(({ row, reason }) => ({
          email: row.email.toLowerCase(),
          email_hash: row.hash,
          reason,
          details: { source: 'import', ...(options.importId ? { importId: options.importId } : {}), ...(row.changedAt ? { at: row.changedAt } : {}) },
        })),
      )
      .onConflict((conflict) => conflict.column('email_hash').doNothing())
      .returning('email')
      .execute();
    counts.suppressed += inserted.length;
    for (const { row } of toSuppress.filter(({ reason }) => reason === 'hard_bounce')) {
      consent.push({ subscriberId: byKey.get(row.email.toLowerCase())!.id, action: 'suppressed', list: '', details: { ...base(row), reason: 'hard_bounce' } });
    }
  }

  await writeTopics(tx, rows, byKey, topicIds);
  if (consent.length > 0) {
    await sql`
      insert into consent_log (subscriber_id, action, lists, source, details, created_at)
      select t.id::bigint, t.action, case when t.list = '' then '{}'::text[] else array[t.list] end, 'import', t.details::jsonb, ${now}
      from unnest(${consent.map((entry) => entry.subscriberId)}::text[], ${consent.map((entry) => entry.action)}::text[],
                  ${consent.map((entry) => entry.list)}::text[], ${consent.map((entry) => JSON.stringify(entry.details))}::text[])
        as t(id, action, list, details)
    `.execute(tx);
  }
}

/** Sets each row's subscription to the list, honouring earlier unsubscribes. */
async function writeSubscriptions(
  tx: Transaction<Database>,
  rows: ImportRow[],
  byKey: Map<string, Upserted>,
  list: ListRow,
  options: ImportOptions,
  counts: ImportCounts,
  consent: ConsentRow[],
  now: Date,
  base: (row: ImportRow) => Record<string, unknown>,
): Promise<void> {
  const ids = rows.map((row) => byKey.get(row.email.toLowerCase())!.id);
  const existing = new Map(
    (
      await tx
        .selectFrom('subscriptions')
        .select(['subscriber_id', 'status'])
        .where('list_id', '=', list.id)
        .where('subscriber_id', 'in', ids)
        .execute()
    ).map((row) => [row.subscriber_id, row.status]),
  );

  const writes: { id: string; status: 'confirmed' | 'unsubscribed'; unsubscribedAt: string | null }[] = [];
  for (const row of rows) {
    const saved = byKey.get(row.email.toLowerCase())!;
    if (saved.status !== 'active') {
      counts.skippedBlocklisted++;
      continue;
    }
    const current = existing.get(saved.id);
    const wanted = row.state === 'unsubscribed' ? 'unsubscribed' : 'confirmed';
    if (current === wanted) {
      counts.unchanged++;
      continue;
    }
    if (wanted === 'confirmed' && current === 'unsubscribed' && !options.resubscribe) {
      counts.skippedUnsubscribed++;
      continue;
    }
    if (wanted === 'confirmed') counts.subscribed++;
    else counts.unsubscribed++;
    writes.push({ id: saved.id, status: wanted, unsubscribedAt: wanted === 'unsubscribed' ? (row.changedAt ?? now.toISOString()) : null });
    consent.push({ subscriberId: saved.id, action: 'imported', list: list.slug, details: { ...base(row), status: wanted } });
  }
  if (writes.length === 0) return;
  await sql`
    insert into subscriptions (subscriber_id, list_id, status, confirmed_at, unsubscribed_at, created_at, updated_at)
    select t.id::bigint, ${list.id}::bigint, t.status,
           case when t.status = 'confirmed' then ${now}::timestamptz end, t.unsubscribed_at::timestamptz, ${now}, ${now}
    from unnest(${writes.map((w) => w.id)}::text[], ${writes.map((w) => w.status)}::text[], ${writes.map((w) => w.unsubscribedAt)}::text[])
      as t(id, status, unsubscribed_at)
    on conflict (subscriber_id, list_id) do update set
      status = excluded.status,
      confirmed_at = coalesce(excluded.confirmed_at, subscriptions.confirmed_at),
      unsubscribed_at = excluded.unsubscribed_at,
      updated_at = excluded.updated_at
  `.execute(tx);
}

/** Adds the rows' topics (creating unknown ones, named after their slug) to their subscribers. */
async function writeTopics(
  tx: Transaction<Database>,
  rows: ImportRow[],
  byKey: Map<string, Upserted>,
  topicIds: Map<string, string>,
): Promise<void> {
  const slugs = [...new Set(rows.flatMap((row) => row.topics))];
  if (slugs.length === 0) return;
  const missing = slugs.filter((slug) => !topicIds.has(slug));
  if (missing.length > 0) {
    await tx
      .insertInto('topics')
      .values(missing.map((slug) => ({ slug, name: slug.replace(/-/g, ' ').replace(/^./, (first) => first.toUpperCase()) })))
      .onConflict((conflict) => conflict.column('slug').doNothing())
      .execute();
    const found = await tx.selectFrom('topics').select(['id', 'slug']).where('slug', 'in', missing).execute();
    for (const topic of found) topicIds.set(topic.slug, topic.id);
  }
  const pairs = rows.flatMap((row) => row.topics.map((slug) => [byKey.get(row.email.toLowerCase())!.id, topicIds.get(slug)!] as const));
  await sql`
    insert into subscriber_topics (subscriber_id, topic_id)
    select t.subscriber_id::bigint, t.topic_id::bigint
    from unnest(${pairs.map((pair) => pair[0])}::text[], ${pairs.map((pair) => pair[1])}::text[]) as t(subscriber_id, topic_id)
    on conflict do nothing
  `.execute(tx);
}
