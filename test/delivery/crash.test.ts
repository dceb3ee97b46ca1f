/**
 * Crash safety with real worker processes on PostgreSQL: several `gazette worker` children
 * send one campaign into the recording SES endpoint while the test kills some of them with
 * SIGKILL at random points and stops another with SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { startSend } from '../../src/delivery/ledger.ts';
import type { Db } from '../../src/db/connect.ts';
import { createTestApp } from '../helpers/app.ts';
import { describePostgres } from '../helpers/database.ts';
import { startRecordingSes, type RecordingSes } from '../helpers/recording-ses.ts';
import { addManySubscribers, createCampaign, createList } from './setup.ts';

const cli = fileURLToPath(new URL('../../src/cli/gazette.js', import.meta.url));
const batchSize = 20;

interface WorkerProcess {
  id: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

describePostgres('worker processes', (database) => {
  let ses: RecordingSes;
  const running: WorkerProcess[] = [];

  beforeAll(async () => {
    // A little latency per call keeps each batch in flight long enough to be killed mid-way.
    ses = await startRecordingSes({ latencyMs: 3 });
  });
  afterAll(async () => {
    await ses.close();
  });
  beforeEach(async () => {
    await database().reset();
    ses.clear();
    ses.clearFaults();
  });
  afterEach(() => {
    for (const worker of running.splice(0)) worker.child.kill('SIGKILL');
  });

  const startWorker = (id: string): WorkerProcess => {
    const child = spawn(process.execPath, [cli, 'worker', '--id', id], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        DATABASE_URL: database().url,
        DATABASE_POOL_SIZE: '4',
        SECRET_KEY: 'k'.repeat(40),
        ADMIN_API_TOKEN: 't'.repeat(40),
        PUBLIC_URL: 'https://news.example.org',
        SES_ENDPOINT: ses.url,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        SES_MAX_SEND_RATE: '2000',
        SEND_BATCH_SIZE: String(batchSize),
        SEND_CONCURRENCY: '4',
        SEND_LEASE_SECONDS: '3',
        SEND_POLL_MS: '200',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    const worker = { id, child, exited, output: () => output };
    running.push(worker);
    return worker;
  };

  const waitFor = async (what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  const leasedBy = async (db: Db, workerId: string): Promise<number> => {
    const row = await db
      .selectFrom('ledger')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('worker_id', '=', workerId)
      .where('status', '=', 'sending')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };

  it('kill -9 never duplicates and lists the rest as uncertain', { timeout: 180_000 }, async () => {
    const { db } = database();
    const { deps } = createTestApp(db);
    const list = await createList(db);
    const total = 1500;
    await addManySubscribers(db, list, total);
    const campaign = await createCampaign(db);
    await startSend(deps, campaign);

    const workers = [startWorker('w1'), startWorker('w2'), startWorker('w3')];
    let leasedAtKills = 0;
    const kills = 3;
    for (let kill = 0; kill < kills; kill++) {
      // A random point: after some more messages have gone through the endpoint.
      const target = Math.min(total - 200, ses.messages.length + 50 + Math.floor(Math.random() * 250));
      await waitFor(`${target} messages`, () => ses.messages.length >= target);
      const victim = workers.splice(Math.floor(Math.random() * workers.length), 1)[0]!;
      victim.child.kill('SIGKILL');
      const exit = await victim.exited;
      expect(exit.signal).toBe('SIGKILL');
      // Its leases are still running, so every row it held is still `sending` under its id.
      leasedAtKills += await leasedBy(db, victim.id);
      workers.push(startWorker(`w${4 + kill}`));
    }

    const finished = async () => {
      const state = await db.selectFrom('campaigns').select('status').where('id', '=', campaign).executeTakeFirstOrThrow();
      return state.status === 'sent';
    };
    await waitFor('the campaign to finish', finished, 120_000);
    for (const worker of workers) worker.child.kill('SIGTERM');
    await Promise.all(workers.map((worker) => worker.exited));

    const received = ses.countsByAddress();
    const duplicates = [...received].filter(([, count]) => count > 1);
    expect(duplicates).toEqual([]);

    const rows = await db.selectFrom('ledger').select(['email', 'status', 'ses_message_id']).where('campaign_id', '=', campaign).execute();
    const missing = rows.filter((row) => !received.has(row.email));
    expect(missing.filter((row) => row.status !== 'uncertain')).toEqual([]);
    const uncertain = rows.filter((row) => row.status === 'uncertain');
    // The kills landed mid-batch (a worker holds a batch almost all the time).
    expect(leasedAtKills).toBeGreaterThan(0);
    expect(uncertain.length).toBeLessThanOrEqual(leasedAtKills);
    expect(rows.filter((row) => row.status === 'sent').length + uncertain.length).toBe(total);

    const recordedIds = new Set(ses.messages.map((message) => message.messageId));
    const sentWithoutRecord = rows.filter((row) => row.status === 'sent' && !recordedIds.has(row.ses_message_id ?? ''));
    expect(sentWithoutRecord).toEqual([]);
  });

  it('SIGTERM hands claimed rows back to the queue', { timeout: 120_000 }, async () => {
    const { db } = database();
    const { deps } = createTestApp(db);
    const list = await createList(db);
    const total = 800;
    await addManySubscribers(db, list, total);
    const campaign = await createCampaign(db);
    await startSend(deps, campaign);

    const first = startWorker('term-1');
    await waitFor('the first messages', () => ses.messages.length >= 100);
    first.child.kill('SIGTERM');
    const exit = await first.exited;

    expect(exit.code, first.output()).toBe(0);
    const held = await leasedBy(db, 'term-1');
    expect(held).toBe(0);
    const afterStop = await db
      .selectFrom('ledger')
      .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
      .where('campaign_id', '=', campaign)
      .groupBy('status')
      .execute();
    const byStatus = Object.fromEntries(afterStop.map((row) => [row.status, Number(row.n)]));
    expect(byStatus.uncertain ?? 0).toBe(0);
    expect(byStatus.sent).toBe(ses.messages.length);
    expect((byStatus.sent ?? 0) + (byStatus.queued ?? 0)).toBe(total);

    const second = startWorker('term-2');
    await waitFor('the campaign to finish', async () => {
      const state = await db.selectFrom('campaigns').select('status').where('id', '=', campaign).executeTakeFirstOrThrow();
      return state.status === 'sent';
    });
    second.child.kill('SIGTERM');
    await second.exited;

    const received = ses.countsByAddress();
    expect(received.size).toBe(total);
    expect([...received.values()].every((count) => count === 1)).toBe(true);
  });
});
