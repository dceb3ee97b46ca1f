/**
 * PGlite, the embedded PostgreSQL (Node only). One process may own a data directory at a time:
 * PGlite takes no lock of its own, so `src/node/data-dir.ts` guards the directory.
 */
import { mkdirSync } from 'node:fs';
import { PGlite, types } from '@electric-sql/pglite';
import { Kysely, PGliteDialect } from 'kysely';
import type { DatabaseHandle } from './connect.ts';
import type { Database as Schema } from './schema.ts';

/** Opens PGlite in `dataDir` (created if missing), or in memory when `dataDir` is undefined. */
export async function connectPglite(dataDir?: string): Promise<DatabaseHandle> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir, {
    // Match postgres.js: int8 as text, so ids are exact strings on both databases.
    parsers: { [types.INT8]: (value: string) => value },
  });
  await pglite.exec(`set time zone 'UTC'`);
  const db = new Kysely<Schema>({ dialect: new PGliteDialect({ pglite }) });
  return {
    db,
    kind: 'pglite',
    pglite,
    close: async () => {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}
