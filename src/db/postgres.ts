/**
 * Opens PostgreSQL through the `postgres` driver. Kept apart from `connect.ts`, which can also
 * load PGlite, so the Workers entry can reach PostgreSQL without bundling PGlite.
 */
import { Kysely } from 'kysely';
import { PostgresJSDialect } from 'kysely-postgres-js';
import postgres from 'postgres';
import type { DatabaseHandle } from './connect.ts';
import type { Database as Schema } from './schema.ts';

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
