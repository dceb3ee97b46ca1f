import { sql } from 'kysely';
import { expect, it } from 'vitest';
import * as compose from '../../migrations/0030_compose.ts';
import { migrateToLatest, pendingMigrations } from '../../src/db/migrate.ts';
import { describeEachDatabase } from '../helpers/database.ts';

describeEachDatabase('migrate', (database) => {
  it('applies a migration that lands late', async () => {
    // Simulate a database migrated before 0030 existed, while later slots had already run.
    const { db } = database();
    await compose.down(db);
    await sql`delete from kysely_migration where name = '0030_compose'`.execute(db);
    expect(await pendingMigrations(db)).toEqual(['0030_compose']);

    expect(await migrateToLatest(db)).toEqual(['0030_compose']);
    expect(await pendingMigrations(db)).toEqual([]);
  });
});
