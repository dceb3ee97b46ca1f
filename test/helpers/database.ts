/**
 * Runs a suite on every database Gazette supports: PGlite always, and PostgreSQL when
 * `DATABASE_URL` is set (CI sets it). Each suite gets its own fresh, migrated database.
 */
import postgres from 'postgres';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe } from 'vitest';
import { connectDatabase, type DatabaseHandle, type Db } from '../../src/db/connect.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';

export type DatabaseKind = 'pglite' | 'postgres';

export interface TestDatabase {
  kind: DatabaseKind;
  db: Db;
  handle: DatabaseHandle;
  /** The connection string, on PostgreSQL (for child processes). */
  url?: string;
  /** Drops the database, on PostgreSQL. */
  drop?: () => Promise<void>;
  /** Empties every application table, keeping the schema. */
  reset(): Promise<void>;
}

const postgresUrl = process.env.DATABASE_URL;

/** The kinds available in this run. */
export function databaseKinds(): DatabaseKind[] {
  return postgresUrl ? ['pglite', 'postgres'] : ['pglite'];
}

/** Returns true when PostgreSQL tests can run; logs once why they are skipped otherwise. */
export function hasPostgres(): boolean {
  return Boolean(postgresUrl);
}

/**
 * Declares `body` once per database kind, inside a `describe` named after the kind. The
 * `TestDatabase` getter is valid inside tests and hooks.
 */
export function describeEachDatabase(name: string, body: (database: () => TestDatabase) => void): void {
  for (const kind of databaseKinds()) {
    describe(`${name} [${kind}]`, () => {
      let current: TestDatabase | undefined;
      beforeAll(async () => {
        current = await openTestDatabase(kind);
      });
      afterAll(async () => {
        await current?.handle.close();
        await current?.drop?.();
      });
      body(() => {
        if (!current) throw new Error('The test database is not open yet; use it inside a test or hook.');
        return current;
      });
    });
  }
}

/** Declares `body` only on PostgreSQL (multi-process and crash cases), skipping with a reason. */
export function describePostgres(name: string, body: (database: () => TestDatabase) => void): void {
  if (!postgresUrl) {
    describe.skip(`${name} [postgres: skipped because DATABASE_URL is not set]`, () => {});
    return;
  }
  describe(`${name} [postgres]`, () => {
    let current: TestDatabase | undefined;
    beforeAll(async () => {
      current = await openTestDatabase('postgres');
    });
    afterAll(async () => {
      await current?.handle.close();
      await current?.drop?.();
    });
    body(() => current!);
  });
}

/** Opens a fresh migrated database of one kind; the caller closes it (and drops it, on PostgreSQL). */
export async function openTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const handle = await connectDatabase({});
    await migrateToLatest(handle.db);
    return { kind, db: handle.db, handle, reset: () => truncateAll(handle.db) };
  }
  const { url, drop } = await createPostgresDatabase();
  const handle = await connectDatabase({ databaseUrl: url, poolSize: 5 });
  await migrateToLatest(handle.db);
  return { kind, db: handle.db, handle, url, drop, reset: () => truncateAll(handle.db) };
}

/** Creates an empty PostgreSQL database beside `DATABASE_URL`'s and returns its URL. */
export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!postgresUrl) throw new Error('DATABASE_URL is not set, so no PostgreSQL database can be created.');
  const name = `gazette_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(postgresUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const cleanup = postgres(postgresUrl, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

async function truncateAll(db: Db): Promise<void> {
  const tables = await sql<{ tablename: string }>`
    select tablename from pg_tables
    where schemaname = 'public' and tablename not like 'kysely_%'
  `.execute(db);
  if (tables.rows.length === 0) return;
  const names = tables.rows.map((row) => `"${row.tablename}"`).join(', ');
  await sql.raw(`truncate ${names} restart identity cascade`).execute(db);
}
