/**
 * Runs the migrations listed in `migrations/index.ts` with Kysely's migrator, on PostgreSQL and
 * on PGlite.
 */
import { Migrator, type MigrationResultSet } from 'kysely/migration';
import { migrations } from '../../migrations/index.ts';
import type { Db } from './connect.ts';

export class MigrationError extends Error {
  override name = 'MigrationError';
}

function migrator(db: Db): Migrator {
  // Each area owns a numbered range (0010 subscribers, 0040 delivery, 0060 segments, ...) and
  // the areas land in any order, so a database may already have a higher number applied when a
  // lower one arrives.
  return new Migrator({ db, provider: { getMigrations: async () => migrations }, allowUnorderedMigrations: true });
}

/** Applies every pending migration and returns the names applied; throws if one fails. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const result: MigrationResultSet = await migrator(db).migrateToLatest();
  const failed = result.results?.find((step) => step.status === 'Error');
  if (result.error || failed) {
    const cause = result.error instanceof Error ? result.error.message : String(result.error ?? 'unknown error');
    throw new MigrationError(`Migration ${failed?.migrationName ?? '(unknown)'} failed: ${cause}`, {
      cause: result.error,
    });
  }
  return (result.results ?? []).map((step) => step.migrationName);
}

/** Returns the names of migrations not yet applied (empty when the schema is current). */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const known = await migrator(db).getMigrations();
  return known.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
}
