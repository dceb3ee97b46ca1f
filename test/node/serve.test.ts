import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../../workers/serve.ts';
import { DataDirLockedError } from '../../src/node/data-dir.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'gazette-serve-'));
const environment = {
  DATA_DIR: dataDir,
  PORT: String(20000 + Math.floor(Math.random() * 20000)),
  SES_LOCAL_PORT: String(40000 + Math.floor(Math.random() * 20000)),
  LOG_LEVEL: 'silent',
  NODE_ENV: 'test',
};

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('gazette serve on the embedded database', () => {
  it('serves, refuses a second owner, and keeps data across a restart', async () => {
    const first = await startServer(environment);
    try {
      const health = await fetch(`${first.url}/healthz`);
      expect(health.status).toBe(200);
      const ready = await fetch(`${first.url}/readyz`);
      expect(ready.status).toBe(200);

      await first.runtime.deps.db.insertInto('lists').values({ slug: 'kept', name: 'Kept across restarts' }).execute();
      await expect(startServer({ ...environment, PORT: String(Number(environment.PORT) + 1) })).rejects.toBeInstanceOf(
        DataDirLockedError,
      );
    } finally {
      await first.stop();
    }

    const second = await startServer(environment);
    try {
      const lists = await second.runtime.deps.db.selectFrom('lists').select('slug').execute();
      expect(lists.map((list) => list.slug)).toEqual(['kept']);
    } finally {
      await second.stop();
    }
  }, 180_000);
});
