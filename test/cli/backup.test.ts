import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../src/db/connect.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { createPostgresDatabase, hasPostgres } from '../helpers/database.ts';
import { exitWithin, startGazette } from '../helpers/process.ts';

/** Runs `gazette <args>` to completion and returns its exit code and output. */
async function gazette(args: string[], env: Record<string, string>): Promise<{ code: number | string; output: string }> {
  const child = startGazette(args, env);
  const code = await exitWithin(child, 120_000);
  return { code, output: child.output() };
}

describe('gazette export and restore', () => {
  let folder: string;
  let file: string;
  let sourceEnv: Record<string, string>;
  let targetEnv: Record<string, string>;
  let dropTarget: (() => Promise<void>) | undefined;
  let exported: Awaited<ReturnType<typeof gazette>>;
  let restored: Awaited<ReturnType<typeof gazette>>;

  beforeAll(async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'gazette-cli-backup-'));
    file = path.join(folder, 'trial.jsonl.gz');
    sourceEnv = { DATA_DIR: path.join(folder, 'trial') };
    // A trial on the embedded database, with one list and one subscriber.
    const source = await connectDatabase({ pgliteDir: path.join(folder, 'trial', 'pg') });
    await migrateToLatest(source.db);
    await source.db.insertInto('lists').values({ slug: 'forum-news', name: 'Forum news' }).execute();
    await source.db.insertInto('subscribers').values({ email: 'sina@example.org', attributes: '{}' }).execute();
    await source.close();

    if (hasPostgres()) {
      const created = await createPostgresDatabase();
      targetEnv = { DATABASE_URL: created.url };
      dropTarget = created.drop;
    } else {
      targetEnv = { DATA_DIR: path.join(folder, 'production') };
    }
    exported = await gazette(['export', '--all', file], sourceEnv);
    restored = await gazette(['restore', file], targetEnv);
  }, 300_000);

  afterAll(async () => {
    await dropTarget?.();
    rmSync(folder, { recursive: true, force: true });
  });

  it('exports with exit code 0', () => {
    expect(exported).toMatchObject({ code: 0 });
  });

  it('writes the backup file', () => {
    expect(existsSync(file)).toBe(true);
  });

  it('reminds to carry the secret key over', () => {
    expect(exported.output).toContain('SECRET_KEY');
  });

  it('restores with exit code 0', () => {
    expect(restored).toMatchObject({ code: 0 });
  });

  it('reports the rows restored', () => {
    expect(restored.output).toMatch(/Restored 2 rows/);
  });

  it('refuses to overwrite a file', async () => {
    const again = await gazette(['export', '--all', file], sourceEnv);
    expect(again.output).toContain('exists');
  }, 120_000);

  it('refuses a target that holds data', async () => {
    const again = await gazette(['restore', file], targetEnv);
    expect(again).toMatchObject({ code: 1, output: expect.stringContaining('already contains data') });
  }, 120_000);

  it('refuses a file that is not a backup', async () => {
    const other = path.join(folder, 'notes.txt');
    writeFileSync(other, 'not a backup\n');
    const result = await gazette(['restore', other], { DATA_DIR: path.join(folder, 'elsewhere') });
    expect(result).toMatchObject({ code: 1, output: expect.stringContaining('not a Gazette backup') });
  }, 120_000);

  it('asks for --all', async () => {
    const result = await gazette(['export', path.join(folder, 'x.gz')], sourceEnv);
    expect(result).toMatchObject({ code: 1, output: expect.stringContaining('--all') });
  }, 120_000);
});
