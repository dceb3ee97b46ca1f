/**
 * Opens the database: PostgreSQL through the `postgres` driver when a connection string is
 * given, otherwise PGlite in a data directory (Node only, loaded on demand).
 */
import type { Kysely } from 'kysely';
import { connectPostgres } from './postgres.ts';
import type { Database as Schema } from './schema.ts';

export type Db = Kysely<Schema>;

export { connectPostgres };

/** An open database and how to close it. */
export interface DatabaseHandle {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** The PGlite instance, for callers (such as pg-boss) that need it directly. */
  pglite?: import('@electric-sql/pglite').PGlite;
  /** The PostgreSQL connection string, for callers (such as pg-boss) that open their own pool. */
  connectionString?: string;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** PostgreSQL connection string; when missing, PGlite opens `pgliteDir` (or memory). */
  databaseUrl?: string;
  /** PGlite data directory; `undefined` keeps the database in memory. */
  pgliteDir?: string;
  poolSize?: number;
}

/** Opens PostgreSQL or PGlite, returning a handle whose `close` ends connections cleanly. */
export async function connectDatabase(options: ConnectOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    return connectPostgres(options.databaseUrl, options.poolSize ?? 10);
  }
  const { connectPglite } = await import('./pglite.ts');
  return connectPglite(options.pgliteDir);
}
