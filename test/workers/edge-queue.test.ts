/**
 * Work the Workers entry hands to Node through the job outbox: rows written with plain SQL, moved
 * into pg-boss by the Node relay, and run by the Node job workers. The edge suites call the
 * entry's own `fetch` and `scheduled` handlers in this process, over PostgreSQL as Hyperdrive
 * would reach it.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import edge, { type EdgeBindings } from '../../workers/edge.ts';
import type { Deps } from '../../src/deps.ts';
import { dueFiresJob } from '../../src/digests/due-fires-job.ts';
import { jobHandlers } from '../../src/jobs/handlers.ts';
import { createOutboxQueue, relayOutboxBatch } from '../../src/jobs/outbox.ts';
import { silentLogger } from '../../src/log.ts';
import type { BackgroundService } from '../../src/node/service.ts';
import { createPgBossQueue, type PgBossQueue } from '../../src/node/jobs.ts';
import { confirmationJob } from '../../src/subscribers/lifecycle.ts';
import { TEST_SECRET, testDeps } from '../helpers/app.ts';
import { describeEachDatabase, describePostgres } from '../helpers/database.ts';
import { recordingMailer, type RecordingMailer } from '../helpers/subscribers.ts';
import { runAt, seedContent } from '../digests/content.ts';
import { campaignsOf, createDigestSchedule, firesOf, seedAudience } from '../digests/setup.ts';

/** Polls `condition` every 100 ms until it holds; throws with `what` after `timeoutMs`. */
async function waitFor(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describeEachDatabase('job outbox', (database) => {
  let queue: PgBossQueue;

  beforeAll(async () => {
    queue = createPgBossQueue(database().handle, silentLogger());
    await queue.start();
  });

  afterAll(async () => {
    await queue?.stop();
  });

  it('writes a waiting row', async () => {
    const id = await createOutboxQueue(database().db).enqueue('test.outbox-row', { value: 1 });
    const row = await database().db.selectFrom('job_outbox').selectAll().where('id', '=', id!).executeTakeFirstOrThrow();
    expect(row.name).toBe('test.outbox-row');
    expect(row.data).toEqual({ value: 1 });
    await database().db.deleteFrom('job_outbox').execute();
  });

  it('skips a waiting singleton key', async () => {
    const outbox = createOutboxQueue(database().db);
    const first = await outbox.enqueue('test.outbox-singleton', { n: 1 }, { singletonKey: 'same' });
    const second = await outbox.enqueue('test.outbox-singleton', { n: 2 }, { singletonKey: 'same' });
    expect(first).toBeTruthy();
    expect(second).toBeNull();
    await database().db.deleteFrom('job_outbox').execute();
  });

  it('keeps rows when the transfer fails', async () => {
    await createOutboxQueue(database().db).enqueue('test.outbox-kept', { n: 1 });
    const failing = relayOutboxBatch(database().db, async () => {
      throw new Error('pg-boss is down');
    });
    await expect(failing).rejects.toThrow('pg-boss is down');
    const rows = await database().db.selectFrom('job_outbox').select('name').execute();
    expect(rows).toEqual([{ name: 'test.outbox-kept' }]);
    await database().db.deleteFrom('job_outbox').execute();
  });

  it('runs a relayed job once', async () => {
    const seen: unknown[] = [];
    const deps = testDeps(database().db);
    const worker = await queue.work(
      {
        'test.outbox-run': async (_deps, data) => {
          seen.push(data);
        },
      },
      () => deps,
    );
    try {
      const id = await createOutboxQueue(database().db).enqueue('test.outbox-run', { value: 7 });
      expect(await queue.relayOutbox()).toBe(1);
      expect(await queue.relayOutbox()).toBe(0);
      await waitFor(() => seen.length > 0, 'the relayed job to run');
      expect(seen).toEqual([{ value: 7 }]);
      // The outbox row's id becomes the pg-boss job's id, so operators can follow one job.
      expect((await queue.boss.getJobById('test.outbox-run', id!))?.id).toBe(id);
    } finally {
      await worker.stop();
    }
    expect(await database().db.selectFrom('job_outbox').select('id').execute()).toEqual([]);
  });
});

describePostgres('workers entry hands work to node', (database) => {
  const clock = { now: runAt };
  let bindings: EdgeBindings;
  let queue: PgBossQueue;
  let mailer: RecordingMailer;
  let nodeDeps: Deps;
  let services: BackgroundService[] = [];

  /** Calls a handler of the entry and waits for the work it handed to `waitUntil`. */
  async function withContext<T>(call: (context: { waitUntil(promise: Promise<unknown>): void }) => Promise<T>): Promise<T> {
    const pending: Promise<unknown>[] = [];
    const result = await call({ waitUntil: (promise) => void pending.push(promise) });
    await Promise.all(pending);
    return result;
  }

  const trigger = (at: Date) => withContext((context) => edge.scheduled({ cron: '* * * * *', scheduledTime: at.getTime() }, bindings, context));
  const outboxNames = async () => (await database().db.selectFrom('job_outbox').select('name').execute()).map((row) => row.name);

  /** Starts the Node side: pg-boss workers for every handler and the outbox relay. */
  async function startNode(): Promise<void> {
    services = [await queue.work(jobHandlers, () => nodeDeps), queue.startOutboxRelay({ intervalMs: 100 })];
  }

  beforeAll(async () => {
    bindings = {
      HYPERDRIVE: { connectionString: database().url! },
      SECRET_KEY: TEST_SECRET,
      PUBLIC_URL: 'https://news.example.org',
      LOG_LEVEL: 'silent',
    };
    queue = createPgBossQueue(database().handle, silentLogger());
    await queue.start();
  });

  beforeEach(async () => {
    await database().reset();
    mailer = recordingMailer();
    nodeDeps = testDeps(database().db, { mailer, now: () => clock.now });
  });

  afterEach(async () => {
    for (const service of services.reverse()) await service.stop();
    services = [];
  });

  afterAll(async () => {
    await queue?.stop();
  });

  it('sends the confirmation of an edge sign-up', async () => {
    await database().db.insertInto('lists').values({ slug: 'weekly', name: 'Weekly', opt_in: 'double', visibility: 'public' }).execute();

    const response = await withContext((context) =>
      edge.fetch(
        new Request('https://news.example.org/api/public/subscriptions', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'mei@example.org', lists: ['weekly'] }),
        }),
        bindings,
        context,
      ),
    );
    expect(response.status).toBe(202);
    expect(await outboxNames()).toEqual([confirmationJob]);
    expect(mailer.sent).toHaveLength(0);

    await startNode();
    await waitFor(() => mailer.sent.length > 0, 'the confirmation message');
    expect(mailer.sent.map((message) => message.to)).toEqual([['mei@example.org']]);
    expect(mailer.texts()[0]).toContain('https://news.example.org/confirm/');
    await waitFor(async () => (await outboxNames()).length === 0, 'the outbox to empty');
    // The job records the consent entry after the mailer returns.
    const actions = async () => (await database().db.selectFrom('consent_log').select('action').orderBy('id').execute()).map((entry) => entry.action);
    await waitFor(async () => (await actions()).length >= 2, 'the confirmation_sent consent entry');
    expect(await actions()).toEqual(['subscribed', 'confirmation_sent']);
  });

  it('cron trigger queues one pass', async () => {
    const at = new Date(runAt.getTime());
    await trigger(at);
    await trigger(at);
    expect(await outboxNames()).toEqual([dueFiresJob]);
  });

  it('cron triggers run each fire once', async () => {
    await seedAudience(database().db);
    await seedContent(database().db);
    // 09:00 in Seoul on the first Monday of the month is runAt.
    const { scheduleId } = await createDigestSchedule(database().db, { cron: '0 9 * * 1#1', timezone: 'Asia/Seoul' }, new Date('2027-01-01T00:00:00Z'));
    clock.now = new Date(runAt.getTime() + 20_000);

    await trigger(runAt);
    expect(await campaignsOf(database().db, scheduleId)).toBe(0);
    await startNode();
    await waitFor(async () => (await firesOf(database().db, scheduleId)).some((fire) => fire.status !== 'running'), 'the fire to finish');

    // The next minute's trigger finds nothing new to run.
    clock.now = new Date(runAt.getTime() + 80_000);
    await trigger(new Date(runAt.getTime() + 60_000));
    await waitFor(async () => (await outboxNames()).length === 0, 'the second pass to be relayed');
    await waitFor(async () => (await queue.boss.getQueueSize(dueFiresJob, { before: 'completed' })) === 0, 'the second pass to run');

    const fires = await firesOf(database().db, scheduleId);
    expect(fires.map((fire) => [new Date(fire.fire_at).toISOString(), fire.status])).toEqual([['2027-01-04T00:00:00.000Z', 'scheduled']]);
    expect(await campaignsOf(database().db, scheduleId)).toBe(1);
  });
});
