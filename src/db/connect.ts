/**
 * Opens the database: PostgreSQL through the `postgres` driver when a connection string is
 * given, otherwise PGlite in a data directory (Node only, loaded on demand).
 */
import { Kysely } from 'kysely';
import { PostgresJSDialect } from 'kysely-postgres-js';
import postgres from 'postgres';
import type { Database as Schema } from './schema.ts';

export type Db = Kysely<Schema>;

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

/** Opens PostgreSQL through postgres.js, which returns int8 as text so ids stay exact. */
export function connectPostgres(connectionString: string, poolSize = 10): DatabaseHandle {
  const client = postgres(connectionString, {
    max: poolSize,
    onnotice: () => {},
    // Dates travel as timestamptz; keep the session in UTC so `now()` arithmetic is predictable.
    connection: { TimeZone: 'UTC' },
    types: {
      // Callers pass json/jsonb values already serialised (`JSON.stringify`), which PGlite stores
      // as they are; postgres.js would encode such a string a second time and store a JSON string.
      // Strings go through unchanged, anything else is serialised here.
      json: {
        to: 3802,
        from: [114, 3802],
        serialize: (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value)),
        parse: (value: string) => JSON.parse(value),
      },
    },
  });
  const db = new Kysely<Schema>({ dialect: new PostgresJSDialect({ postgres: client }) });
  return {
    db,
    kind: 'postgres',
    connectionString,
    close: () => db.destroy(),
  };
}
