import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgBossQueue, type PgBossQueue } from '../../src/node/jobs.ts';
import { silentLogger } from '../../src/log.ts';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { testDeps } from '../helpers/app.ts';

for (const kind of databaseKinds()) {
  describe(`pg-boss queue [${kind}]`, () => {
    let database: TestDatabase;
    let queue: PgBossQueue;

    beforeAll(async () => {
      database = await openTestDatabase(kind);
      queue = createPgBossQueue(database.handle, silentLogger());
      await queue.start();
    });

    afterAll(async () => {
      await queue?.stop();
      await database?.handle.close();
      await database?.drop?.();
    });

    it('runs an enqueued job once', async () => {
      const seen: unknown[] = [];
      const deps = testDeps(database.db);
      const worker = await queue.work(
        {
          'test.record': async (_deps, data) => {
            seen.push(data);
          },
        },
        () => deps,
      );
      await queue.enqueue('test.record', { value: 1 });
      for (let i = 0; i < 50 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 200));
      await worker.stop();
      expect(seen).toEqual([{ value: 1 }]);
    });

    it('deduplicates by singleton key', async () => {
      const first = await queue.enqueue('test.singleton', { n: 1 }, { singletonKey: 'same' });
      const second = await queue.enqueue('test.singleton', { n: 2 }, { singletonKey: 'same' });
      expect(first).toBeTruthy();
      expect(second).toBeNull();
    });
  });
}
