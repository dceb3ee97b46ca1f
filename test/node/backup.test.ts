import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.ts';
import { exportAll, restoreAll, tablesInDependencyOrder, type BackupHeader } from '../../src/node/backup.ts';
import { describeEachDatabase, openTestDatabase, createPostgresDatabase, type TestDatabase } from '../helpers/database.ts';
import { connectDatabase } from '../../src/db/connect.ts';

/** Seeds rows in the core tables with the awkward values: jsonb, arrays, timestamps, nulls, unicode. */
async function seed(db: Db): Promise<void> {
  const list = await db
    .insertInto('lists')
    .values({ slug: 'forum-news', name: 'Forum news', opt_in: 'double', visibility: 'public' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const topic = await db.insertInto('topics').values({ slug: 'open-data', name: 'Open data' }).returning('id').executeTakeFirstOrThrow();
  const subscriber = await db
    .insertInto('subscribers')
    .values({
      email: 'minh.anh@example.org',
      name: 'Nguyễn Minh Anh',
      attributes: JSON.stringify({ organisation: 'Ministry of the Interior', languages: ['vi', 'en'], since: 2019 }),
      created_at: '2025-03-01T09:30:00.123456Z',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  // Deleting a row leaves a gap in the ids, which a restore must keep.
  const gone = await db.insertInto('subscribers').values({ email: 'gone@example.org', attributes: '{}' }).returning('id').executeTakeFirstOrThrow();
  await db.deleteFrom('subscribers').where('id', '=', gone.id).execute();
  await db.insertInto('subscriber_topics').values({ subscriber_id: subscriber.id, topic_id: topic.id }).execute();
  await db
    .insertInto('subscriptions')
    .values({ subscriber_id: subscriber.id, list_id: list.id, status: 'confirmed', confirmed_at: '2025-03-01T10:00:00Z' })
    .execute();
  await db
    .insertInto('consent_log')
    .values({
      subscriber_id: subscriber.id,
      action: 'confirmed',
      lists: ['forum-news'],
      source: 'page',
      ip: '203.0.113.7',
      user_agent: 'Mozilla/5.0',
      details: JSON.stringify({ token: 'confirm', note: 'quote " and backslash \\' }),
    })
    .execute();
  await db
    .insertInto('suppressions')
    .values({ email: 'bounced@example.org', email_hash: 'abc123', reason: 'hard_bounce', details: '{}' })
    .execute();
  const campaign = await db
    .insertInto('campaigns')
    .values({ subject: 'Regional forum: outcomes', status: 'sent', audience: JSON.stringify({ lists: ['forum-news'] }), compose: '{}', html: '<p>Hello</p>' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('ledger')
    .values({ campaign_id: campaign.id, subscriber_id: subscriber.id, email: 'minh.anh@example.org', status: 'sent', ses_message_id: '0100-abc', sent_at: new Date() })
    .execute();
}

/** Every application table's rows as sorted JSON text, for comparing two databases. */
async function contents(db: Db): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {};
  for (const table of await tablesInDependencyOrder(db)) {
    const rows = await sql<{ line: string }>`select row_to_json(t)::text as line from ${sql.table(table)} as t`.execute(db);
    result[table] = rows.rows.map((row) => row.line).sort();
  }
  return result;
}

let folder: string;
let source: TestDatabase;
let file: string;
let header: BackupHeader;

beforeAll(async () => {
  folder = mkdtempSync(path.join(tmpdir(), 'gazette-backup-'));
  file = path.join(folder, 'backup.jsonl.gz');
  source = await openTestDatabase('pglite');
  await seed(source.db);
  header = await exportAll(source.db, file);
});

afterAll(async () => {
  await source.handle.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('export', () => {
  it('names the migration level', () => {
    expect(header.migrations.length).toBeGreaterThan(0);
  });

  it('counts rows per table', () => {
    expect(header.tables.find((table) => table.name === 'subscribers')?.rows).toBe(1);
  });

  it('orders parents before children', () => {
    const names = header.tables.map((table) => table.name);
    expect(names.indexOf('subscribers')).toBeLessThan(names.indexOf('ledger'));
  });
});

describeEachDatabase('restore from pglite', (database) => {
  let target: Db;
  let close: () => Promise<void>;

  beforeAll(async () => {
    // A fresh database that has never been migrated: restore brings it to the backup's level.
    if (database().kind === 'postgres') {
      const created = await createPostgresDatabase();
      const handle = await connectDatabase({ databaseUrl: created.url, poolSize: 2 });
      target = handle.db;
      close = async () => {
        await handle.close();
        await created.drop();
      };
    } else {
      const handle = await connectDatabase({});
      target = handle.db;
      close = () => handle.close();
    }
    await restoreAll(target, file);
  });

  afterAll(async () => {
    await close();
  });

  it('gives identical table contents', async () => {
    expect(await contents(target)).toEqual(await contents(source.db));
  });

  it('continues ids after the restored ones', async () => {
    const next = await target.insertInto('subscribers').values({ email: 'new@example.org', attributes: '{}' }).returning('id').executeTakeFirstOrThrow();
    expect(Number(next.id)).toBe(3);
  });

  it('refuses a database that holds data', async () => {
    await expect(restoreAll(target, file)).rejects.toThrow(/already contains data/);
  });

  it('refuses a file that is not a backup', async () => {
    const other = path.join(folder, `other-${database().kind}.gz`);
    writeFileSync(other, gzipSync('{"hello":"world"}\n'));
    await expect(restoreAll(target, other)).rejects.toThrow(/not a Gazette backup/);
  });
});
