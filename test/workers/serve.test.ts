import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../src/db/connect.ts';
import { pendingMigrations } from '../../src/db/migrate.ts';
import { exitWithin, freePort, startGazette, waitForOk, type GazetteProcess } from '../helpers/process.ts';

/** Runs `gazette serve` on an embedded data directory, stops it with SIGTERM, and returns its exit. */
async function serveAndStop(dataDir: string): Promise<{ code: number | string; ready: number; process: GazetteProcess }> {
  const port = await freePort();
  const server = startGazette(['serve'], {
    DATA_DIR: dataDir,
    PORT: String(port),
    // Any endpoint: nothing is sent, and the embedded SES would need its own free port.
    SES_ENDPOINT: 'http://127.0.0.1:9',
  });
  await waitForOk(`http://127.0.0.1:${port}/healthz`, server);
  const ready = (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
  server.child.kill('SIGTERM');
  const code = await exitWithin(server, 45_000);
  return { code, ready, process: server };
}

describe('serve on the embedded database', () => {
  let dataDir: string;
  let first: Awaited<ReturnType<typeof serveAndStop>>;
  let second: Awaited<ReturnType<typeof serveAndStop>>;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'gazette-serve-'));
    first = await serveAndStop(dataDir);
    second = await serveAndStop(dataDir);
  }, 240_000);

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is ready once listening', () => {
    expect(first.ready).toBe(200);
  });

  it('exits with 0 on sigterm', () => {
    expect(first.code).toBe(0);
  });

  it('releases the data directory lock', () => {
    expect(existsSync(path.join(dataDir, 'gazette.lock'))).toBe(false);
  });

  it('restarts on the same data directory', () => {
    expect(second.ready).toBe(200);
  });

  it('exits with 0 again after a restart', () => {
    expect(second.code).toBe(0);
  });

  it('leaves a readable, migrated database', async () => {
    const database = await connectDatabase({ pgliteDir: path.join(dataDir, 'pg') });
    try {
      expect(await pendingMigrations(database.db)).toEqual([]);
    } finally {
      await database.close();
    }
  });
});
