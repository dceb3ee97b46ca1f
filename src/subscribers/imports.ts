/**
 * Imports as records: the upload is stored in `import_chunks` (so any worker process can read
 * it), a job runs the import, and its status, counts, progress and rejected rows stay in
 * `imports` and `import_errors` for the API and the CLI.
 */
import { stringify } from 'csv-stringify/sync';
import { sql, type Selectable } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { ImportsTable, ImportStatus } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { offsetOf, type Page } from '../http/pagination.ts';
import { resolveLists } from '../lists/lists.ts';
import type { RowProblem } from './import-columns.ts';
import type { ImportCounts, ImportMode } from './import.ts';

export const importJob = 'subscribers.import';

/** Upload pieces are stored at this size (1 MiB); the import reads one at a time. */
const chunkBytes = 1024 * 1024;

export interface NewImport {
  list?: string;
  mode: ImportMode;
  overwrite: boolean;
  resubscribe: boolean;
  fileName: string;
  createdBy: string;
}

export interface ImportRecord {
  id: string;
  status: ImportStatus;
  list: string | null;
  mode: ImportMode;
  overwrite: boolean;
  resubscribe: boolean;
  fileName: string;
  totalBytes: number;
  processedBytes: number;
  counts: Partial<ImportCounts>;
  /** The first 100 rejected or merged rows; the whole list is at `/api/imports/:id/errors`. */
  errors: RowProblem[];
  errorCount: number;
  /** Why the import failed, when it did. */
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** Creates an import record after checking its list; nothing is stored when the slug is unknown. */
export async function createImport(deps: Deps, input: NewImport): Promise<string> {
  const [list] = input.list ? await resolveLists(deps.db, [input.list], { path: 'list' }) : [];
  if (input.mode === 'subscribe' && !list) {
    throw new ValidationError('Name the list to import into (a list slug).', [{ path: 'list', message: 'expected a list slug' }]);
  }
  const row = await deps.db
    .insertInto('imports')
    .values({
      list_id: list?.id ?? null,
      options: { mode: input.mode, overwrite: input.overwrite, resubscribe: input.resubscribe },
      file_name: input.fileName.slice(0, 255),
      created_by: input.createdBy,
      counts: {},
      created_at: deps.now(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Stores an upload stream in chunks, holding at most one chunk in memory. Returns its size. */
export async function storeUpload(db: Db, importId: string, stream: AsyncIterable<Uint8Array>): Promise<number> {
  let seq = 0;
  let total = 0;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const write = async () => {
    if (pendingBytes === 0) return;
    const data = new Uint8Array(pendingBytes);
    let offset = 0;
    for (const part of pending) {
      data.set(part, offset);
      offset += part.byteLength;
    }
    await db.insertInto('import_chunks').values({ import_id: importId, seq: seq++, data }).execute();
    pending = [];
    pendingBytes = 0;
  };
  for await (const chunk of stream) {
    pending.push(chunk);
    pendingBytes += chunk.byteLength;
    total += chunk.byteLength;
    if (pendingBytes >= chunkBytes) await write();
  }
  await write();
  await db.updateTable('imports').set({ total_bytes: total }).where('id', '=', importId).execute();
  return total;
}

/**
 * Starts an import: creates its record, stores the upload and queues the job that runs it.
 * Returns the import's id. An unknown list throws before anything is stored.
 */
export async function startImport(deps: Deps, input: NewImport, upload: AsyncIterable<Uint8Array>): Promise<string> {
  const id = await createImport(deps, input);
  await storeUpload(deps.db, id, upload);
  if (!deps.jobs) throw new Error('This process has no job queue, so it cannot run imports.');
  await deps.jobs.enqueue(importJob, { importId: id });
  return id;
}

/** Reads a stored upload back, one chunk per query. */
async function* storedUpload(db: Db, importId: string): AsyncGenerator<Uint8Array> {
  for (let seq = 0; ; seq++) {
    const row = await db.selectFrom('import_chunks').select('data').where('import_id', '=', importId).where('seq', '=', seq).executeTakeFirst();
    if (!row) return;
    yield row.data;
  }
}

/**
 * Runs an import: from `source` when given (the CLI reading a local file), else from the stored
 * upload. Records progress per batch, every rejected row, and the outcome; never throws for a
 * bad file (the record says why it failed).
 */
export async function runImport(deps: Deps, importId: string, source?: AsyncIterable<Uint8Array>, onProgress?: (record: { bytes: number; counts: ImportCounts }) => void): Promise<void> {
  const record = await deps.db.selectFrom('imports').leftJoin('lists', 'lists.id', 'imports.list_id').select(['imports.options', 'imports.status', 'lists.slug']).where('imports.id', '=', importId).executeTakeFirst();
  if (!record || record.status !== 'queued') return;
  const options = record.options as { mode: ImportMode; overwrite: boolean; resubscribe: boolean };
  const log = deps.logger.child({ importId });
  await deps.db.updateTable('imports').set({ status: 'running', started_at: deps.now() }).where('id', '=', importId).execute();

  const { importSubscribers } = await import('./import.ts');
  try {
    const counts = await importSubscribers(
      deps,
      source ?? storedUpload(deps.db, importId),
      { ...options, list: record.slug ?? undefined, importId },
      {
        onProblems: async (problems) => {
          await deps.db
            .insertInto('import_errors')
            .values(problems.map((problem) => ({ import_id: importId, line: problem.line, email: problem.email, reason: problem.reason })))
            .execute();
        },
        onProgress: async (progress) => {
          await deps.db.updateTable('imports').set({ processed_bytes: progress.bytes, counts: progress.counts }).where('id', '=', importId).execute();
          onProgress?.(progress);
        },
      },
    );
    await deps.db.updateTable('imports').set({ status: 'done', counts, finished_at: deps.now() }).where('id', '=', importId).execute();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.warn({ err: error }, 'subscriber import failed');
    await deps.db.updateTable('imports').set({ status: 'failed', error: message, finished_at: deps.now() }).where('id', '=', importId).execute();
  } finally {
    await deps.db.deleteFrom('import_chunks').where('import_id', '=', importId).execute();
  }
}

/** The job handler: runs a queued import from its stored upload. */
export async function runImportJob(deps: Deps, data: { importId: string }): Promise<void> {
  await runImport(deps, data.importId);
}

type ImportJoinedRow = Selectable<ImportsTable> & { slug: string | null };

function toImportRecord(row: ImportJoinedRow, errors: RowProblem[], errorCount: number): ImportRecord {
  const options = row.options as { mode: ImportMode; overwrite: boolean; resubscribe: boolean };
  const time = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());
  return {
    id: row.id,
    status: row.status,
    list: row.slug,
    mode: options.mode,
    overwrite: options.overwrite,
    resubscribe: options.resubscribe,
    fileName: row.file_name,
    totalBytes: Number(row.total_bytes),
    processedBytes: Number(row.processed_bytes),
    counts: row.counts as Partial<ImportCounts>,
    errors,
    errorCount,
    error: row.error,
    createdAt: new Date(row.created_at).toISOString(),
    startedAt: time(row.started_at),
    finishedAt: time(row.finished_at),
  };
}

export async function getImport(db: Db, id: string): Promise<ImportRecord> {
  const row = /^\d+$/.test(id)
    ? await db.selectFrom('imports').leftJoin('lists', 'lists.id', 'imports.list_id').selectAll('imports').select('lists.slug').where('imports.id', '=', id).executeTakeFirst()
    : undefined;
  if (!row) throw new NotFoundError(`No import with id ${id}.`);
  const [errors, count] = await Promise.all([
    db.selectFrom('import_errors').select(['line', 'email', 'reason']).where('import_id', '=', id).orderBy('line').limit(100).execute(),
    db.selectFrom('import_errors').select(sql<string>`count(*)`.as('count')).where('import_id', '=', id).executeTakeFirstOrThrow(),
  ]);
  return toImportRecord(row, errors, Number(count.count));
}

/** Lists imports, newest first, each with its count of rejected rows but without the rows. */
export async function listImports(db: Db, page: number, pageSize: number): Promise<Page<ImportRecord>> {
  const [rows, count] = await Promise.all([
    db
      .selectFrom('imports')
      .leftJoin('lists', 'lists.id', 'imports.list_id')
      .selectAll('imports')
      .select('lists.slug')
      .select((eb) =>
        eb.selectFrom('import_errors').select(sql<string>`count(*)`.as('count')).whereRef('import_errors.import_id', '=', 'imports.id').as('error_count'),
      )
      .orderBy('imports.id', 'desc')
      .limit(pageSize)
      .offset(offsetOf(page, pageSize))
      .execute(),
    db.selectFrom('imports').select(sql<string>`count(*)`.as('count')).executeTakeFirstOrThrow(),
  ]);
  return {
    items: rows.map(({ error_count, ...row }) => toImportRecord(row, [], Number(error_count ?? 0))),
    total: Number(count.count),
    page,
    pageSize,
  };
}

/** Returns the rejected and merged rows of an import as CSV (`line,email,reason`). */
export async function importErrorsCsv(db: Db, id: string): Promise<string> {
  await getImport(db, id);
  const rows = await db.selectFrom('import_errors').select(['line', 'email', 'reason']).where('import_id', '=', id).orderBy('line').execute();
  return stringify([['line', 'email', 'reason'], ...rows.map((row) => [String(row.line), row.email, row.reason])]);
}
