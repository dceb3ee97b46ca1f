/**
 * Whole-state backups: every application table to one portable file, and back.
 *
 * The file is gzip'd JSON lines. The first line is a header naming the format, the migrations
 * the data was written under and each table with its row count; then, table by table in
 * foreign-key order, a `{"@table": name}` line followed by one `row_to_json` line per row.
 * Rows are written as PostgreSQL renders them and read back with `json_populate_recordset`, so
 * ids (int8), timestamps, jsonb and arrays round-trip exactly and never pass through JS numbers.
 * The same file restores into PGlite or PostgreSQL, which is how a trial moves to production.
 *
 * Background jobs (the pg-boss schema) are not included: they are retried work, not state.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { sql, type Kysely, type Transaction } from 'kysely';
import { Migrator } from 'kysely/migration';
import { migrations } from '../../migrations/index.ts';
import type { Db } from '../db/connect.ts';

export const BACKUP_FORMAT = 'gazette-backup';
export const BACKUP_VERSION = 1;

export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  version: number;
  createdAt: string;
  /** Migrations applied in the source database, in order; the last is the schema level. */
  migrations: string[];
  tables: Array<{ name: string; rows: number }>;
  /**
   * The last value each identity sequence handed out, so a restored database never reuses the
   * id of a deleted row (old links in sent mail name subscriber ids).
   */
  sequences: Array<{ table: string; column: string; lastValue: string | null }>;
}

export class BackupError extends Error {
  override name = 'BackupError';
}

const BATCH = 1000;

/** Writes every application table of `db` to `file`; returns the header written. */
export async function exportAll(db: Db, file: string): Promise<BackupHeader> {
  // One snapshot for the whole file, so rows that refer to each other agree.
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const tables = await tablesInDependencyOrder(trx);
      const applied = await appliedMigrations(trx);
      const counts: BackupHeader['tables'] = [];
      for (const name of tables) {
        const row = await sql<{ n: string }>`select count(*) as n from ${sql.table(name)}`.execute(trx);
        counts.push({ name, rows: Number(row.rows[0]?.n ?? 0) });
      }
      const header: BackupHeader = {
        format: BACKUP_FORMAT,
        version: BACKUP_VERSION,
        createdAt: new Date().toISOString(),
        migrations: applied,
        tables: counts,
        sequences: await identitySequences(trx),
      };
      await pipeline(Readable.from(backupLines(trx, header)), createGzip(), createWriteStream(file));
      return header;
    });
}

async function* backupLines(trx: Transaction<any>, header: BackupHeader): AsyncGenerator<string> {
  yield `${JSON.stringify(header)}\n`;
  for (const { name } of header.tables) {
    yield `${JSON.stringify({ '@table': name })}\n`;
    // Keyset over the physical row id: stable inside this snapshot and needs no primary key.
    let after = '(0,0)';
    for (;;) {
      const page = await sql<{ ctid: string; line: string }>`
        select t.ctid::text as ctid, row_to_json(t)::text as line from ${sql.table(name)} as t
        where t.ctid > ${after}::tid order by t.ctid limit ${BATCH}
      `.execute(trx);
      if (page.rows.length === 0) break;
      yield page.rows.map((row) => `${row.line}\n`).join('');
      after = page.rows[page.rows.length - 1]!.ctid;
    }
  }
}

export interface RestoreResult {
  header: BackupHeader;
  /** Migrations applied after the data was loaded (the code is newer than the backup). */
  migratedAfter: string[];
}

/**
 * Loads `file` into `db`, which must contain no application data. The schema is brought to the
 * backup's migration level, the rows are inserted in dependency order in one transaction,
 * identity sequences continue after the highest id, and newer migrations run last.
 */
export async function restoreAll(db: Db, file: string): Promise<RestoreResult> {
  const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  const iterator = lines[Symbol.asyncIterator]();
  try {
    const first = await iterator.next();
    const header = parseHeader(first.done ? undefined : first.value);
    await prepareSchema(db, header);

    await db.transaction().execute(async (trx) => {
      const tables = new Set(await tablesInDependencyOrder(trx));
      for (const table of header.tables) {
        if (!tables.has(table.name)) throw new BackupError(`The backup has table ${table.name}, which this schema lacks.`);
      }
      await assertEmpty(trx, [...tables]);

      let table: string | undefined;
      let columns: string[] = [];
      let batch: string[] = [];
      const flush = async () => {
        if (!table || batch.length === 0) return;
        await insertRows(trx, table, columns, batch);
        batch = [];
      };
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        const line = next.value;
        if (!line) continue;
        if (line.startsWith('{"@table":')) {
          await flush();
          table = (JSON.parse(line) as { '@table': string })['@table'];
          if (!tables.has(table)) throw new BackupError(`The backup has table ${table}, which this schema lacks.`);
          columns = await insertableColumns(trx, table);
          continue;
        }
        if (!table) throw new BackupError('The backup has rows before any table marker.');
        batch.push(line);
        if (batch.length >= BATCH) await flush();
      }
      await flush();
      await resetIdentities(trx, [...tables], header.sequences ?? []);
    });

    const migratedAfter = await migrateTo(db);
    return { header, migratedAfter };
  } finally {
    lines.close();
  }
}

function parseHeader(line: string | undefined): BackupHeader {
  let header: Partial<BackupHeader> | undefined;
  try {
    header = line ? (JSON.parse(line) as Partial<BackupHeader>) : undefined;
  } catch {
    header = undefined;
  }
  if (header?.format !== BACKUP_FORMAT || !Array.isArray(header.migrations) || !Array.isArray(header.tables)) {
    throw new BackupError('This file is not a Gazette backup (made by `gazette export --all`).');
  }
  if (header.version !== BACKUP_VERSION) {
    throw new BackupError(`This backup has format version ${header.version}; this Gazette reads version ${BACKUP_VERSION}.`);
  }
  return header as BackupHeader;
}

/** Migrates an empty target to exactly the backup's level, refusing what cannot match. */
async function prepareSchema(db: Db, header: BackupHeader): Promise<void> {
  const known = Object.keys(migrations).sort();
  const unknown = header.migrations.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new BackupError(
      `The backup was made by a newer Gazette (migrations ${unknown.join(', ')} are unknown here): upgrade Gazette, then restore.`,
    );
  }
  const applied = await appliedMigrations(db).catch(() => [] as string[]);
  const beyond = applied.filter((name) => !header.migrations.includes(name));
  if (beyond.length > 0) {
    throw new BackupError(
      `The target database is at a newer schema than the backup (${beyond.join(', ')}); restore into a new, empty database.`,
    );
  }
  const level = header.migrations[header.migrations.length - 1];
  if (!level) throw new BackupError('The backup names no migration level.');
  const result = await new Migrator({ db, provider: { getMigrations: async () => migrations } }).migrateTo(level);
  if (result.error) throw new BackupError(`Could not bring the schema to ${level}: ${String((result.error as Error).message ?? result.error)}`);
}

async function migrateTo(db: Db): Promise<string[]> {
  const result = await new Migrator({ db, provider: { getMigrations: async () => migrations } }).migrateToLatest();
  if (result.error) throw new BackupError(`Restored, but a later migration failed: ${String((result.error as Error).message ?? result.error)}`);
  return (result.results ?? []).map((step) => step.migrationName);
}

async function assertEmpty(trx: Transaction<any>, tables: string[]): Promise<void> {
  for (const table of tables) {
    const row = await sql<{ found: boolean }>`select exists (select 1 from ${sql.table(table)}) as found`.execute(trx);
    if (row.rows[0]?.found) {
      throw new BackupError(`The target database already contains data (table ${table}); restore into a new, empty database.`);
    }
  }
}

async function insertRows(trx: Transaction<any>, table: string, columns: string[], lines: string[]): Promise<void> {
  const list = sql.join(columns.map((column) => sql.ref(column)));
  // OVERRIDING SYSTEM VALUE keeps the backed-up ids in identity columns. The rows travel as a
  // text parameter: typed as json, the postgres driver would serialise the string a second time.
  await sql`
    insert into ${sql.table(table)} (${list}) overriding system value
    select ${list} from json_populate_recordset(null::${sql.table(table)}, (${`[${lines.join(',')}]`}::text)::json)
  `.execute(trx);
}

/** Columns that take a value on insert (generated columns compute their own). */
async function insertableColumns(trx: Transaction<any>, table: string): Promise<string[]> {
  const rows = await sql<{ column_name: string }>`
    select column_name from information_schema.columns
    where table_schema = 'public' and table_name = ${table} and is_generated = 'NEVER'
    order by ordinal_position
  `.execute(trx);
  return rows.rows.map((row) => row.column_name);
}

async function identityColumns(db: Kysely<any>): Promise<Array<{ table: string; column: string }>> {
  const rows = await sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns
    where table_schema = 'public' and is_identity = 'YES'
    order by table_name, column_name
  `.execute(db);
  return rows.rows.map((row) => ({ table: row.table_name, column: row.column_name }));
}

async function identitySequences(db: Kysely<any>): Promise<BackupHeader['sequences']> {
  const result: BackupHeader['sequences'] = [];
  for (const { table, column } of await identityColumns(db)) {
    const row = await sql<{ last: string | null }>`
      select pg_sequence_last_value(pg_get_serial_sequence(${`public.${quoteIdent(table)}`}, ${column}))::text as last
    `.execute(db);
    result.push({ table, column, lastValue: row.rows[0]?.last ?? null });
  }
  return result;
}

/**
 * Moves each identity sequence to where the source's was (or past the highest restored id,
 * whichever is further), so new rows neither collide nor reuse a deleted row's id.
 */
async function resetIdentities(
  trx: Transaction<any>,
  tables: string[],
  sequences: BackupHeader['sequences'],
): Promise<void> {
  for (const { table, column } of await identityColumns(trx)) {
    if (!tables.includes(table)) continue;
    const last = sequences.find((entry) => entry.table === table && entry.column === column)?.lastValue ?? '0';
    await sql`
      select setval(
        pg_get_serial_sequence(${`public.${quoteIdent(table)}`}, ${column}),
        greatest(coalesce((select max(${sql.ref(column)}) from ${sql.table(table)}), 0), ${last}::bigint) + 1,
        false
      )
    `.execute(trx);
  }
}

async function appliedMigrations(db: Kysely<any>): Promise<string[]> {
  const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return rows.rows.map((row) => row.name);
}

/**
 * Application tables (public schema, not the migrator's own), parents before children, so a
 * restore can insert them in this order with every foreign key already satisfied.
 */
export async function tablesInDependencyOrder(db: Kysely<any>): Promise<string[]> {
  const tables = (
    await sql<{ name: string }>`
      select tablename as name from pg_tables
      where schemaname = 'public' and tablename not like 'kysely\\_%'
      order by tablename
    `.execute(db)
  ).rows.map((row) => row.name);
  const edges = (
    await sql<{ child: string; parent: string }>`
      select c.conrelid::regclass::text as child, c.confrelid::regclass::text as parent
      from pg_constraint c
      join pg_namespace n on n.oid = c.connamespace
      where c.contype = 'f' and n.nspname = 'public'
    `.execute(db)
  ).rows.map((edge) => ({ child: unquote(edge.child), parent: unquote(edge.parent) }));

  const ordered: string[] = [];
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (table: string) => {
    if (done.has(table) || visiting.has(table)) return; // a cycle or self-reference: keep going
    visiting.add(table);
    for (const edge of edges) if (edge.child === table && edge.parent !== table) visit(edge.parent);
    visiting.delete(table);
    done.add(table);
    ordered.push(table);
  };
  for (const table of tables) visit(table);
  return ordered.filter((table) => tables.includes(table));
}

function unquote(name: string): string {
  const bare = name.startsWith('public.') ? name.slice('public.'.length) : name;
  return bare.startsWith('"') ? bare.slice(1, -1).replace(/""/g, '"') : bare;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Reads only the header of a backup file (for `restore` to say what it is about to load). */
export async function readBackupHeader(file: string): Promise<BackupHeader> {
  const input = createReadStream(file).pipe(createGunzip());
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    const [line] = (await Promise.race([once(lines, 'line'), once(input, 'error').then(([error]) => Promise.reject(error))])) as [string];
    return parseHeader(line);
  } finally {
    lines.close();
    input.destroy();
  }
}
