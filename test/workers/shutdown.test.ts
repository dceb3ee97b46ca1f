/**
 * A SIGTERM in the middle of a send: `gazette serve` stops claiming batches, writes what it
 * sent, puts the rest back in the queue and exits, so no ledger row is left `sending` and every
 * message SES accepted is recorded as sent. A restart then sends the rest, once each.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle, type Db } from '../../src/db/connect.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { TEST_SECRET, TEST_TOKEN } from '../helpers/app.ts';
import { createPostgresDatabase, databaseKinds } from '../helpers/database.ts';
import { exitWithin, freePort, startGazette, waitForOk, type GazetteProcess } from '../helpers/process.ts';
import { startRecordingSes, type RecordingSes } from '../helpers/recording-ses.ts';
import { addManySubscribers, createCampaign, createList } from '../delivery/setup.ts';

const RECIPIENTS = 40;

interface LedgerSummary {
  byStatus: Record<string, number>;
}

async function summarise(db: Db, campaignId: string): Promise<LedgerSummary> {
  const rows = await db
    .selectFrom('ledger')
    .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
    .where('campaign_id', '=', campaignId)
    .groupBy('status')
    .execute();
  return { byStatus: Object.fromEntries(rows.map((row) => [row.status, Number(row.n)])) };
}

async function waitFor(condition: () => boolean, what: string, server: GazetteProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

for (const kind of databaseKinds()) {
  describe(`sigterm during a send [${kind}]`, () => {
    let folder: string;
    let ses: RecordingSes;
    let env: Record<string, string>;
    let campaignId: string;
    let postgres: { handle: DatabaseHandle; drop: () => Promise<void> } | undefined;
    let first: { code: number | string; sentBeforeStop: number; summary: LedgerSummary };
    let second: { code: number | string; summary: LedgerSummary };

    /** Opens the database the server used; PGlite only while no server holds it. */
    async function withDatabase<T>(work: (db: Db) => Promise<T>): Promise<T> {
      if (postgres) return work(postgres.handle.db);
      const handle = await connectDatabase({ pgliteDir: path.join(folder, 'pg') });
      try {
        return await work(handle.db);
      } finally {
        await handle.close();
      }
    }

    async function serve(): Promise<{ server: GazetteProcess; url: string }> {
      const port = await freePort();
      const server = startGazette(['serve'], { ...env, PORT: String(port) });
      const url = `http://127.0.0.1:${port}`;
      await waitForOk(`${url}/readyz`, server);
      return { server, url };
    }

    beforeAll(async () => {
      folder = mkdtempSync(path.join(tmpdir(), 'gazette-shutdown-'));
      // Slow answers keep batches in flight long enough for the signal to land mid-send.
      ses = await startRecordingSes({ latencyMs: 150, maxSendRate: 20 });
      env = {
        DATA_DIR: folder,
        SES_ENDPOINT: ses.url,
        ADMIN_API_TOKEN: TEST_TOKEN,
        SECRET_KEY: TEST_SECRET,
        SEND_BATCH_SIZE: '10',
        SEND_CONCURRENCY: '4',
        SEND_POLL_MS: '200',
        SCHEDULER_ENABLED: 'false',
      };
      if (kind === 'postgres') {
        const created = await createPostgresDatabase();
        postgres = { handle: await connectDatabase({ databaseUrl: created.url, poolSize: 2 }), drop: created.drop };
        env.DATABASE_URL = created.url;
        env.PUBLIC_URL = 'https://news.example.org';
      }
      campaignId = await withDatabase(async (db) => {
        await migrateToLatest(db);
        const list = await createList(db);
        await addManySubscribers(db, list, RECIPIENTS);
        return createCampaign(db);
      });

      const running = await serve();
      const started = await fetch(`${running.url}/api/campaigns/${campaignId}/send`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_TOKEN}` },
      });
      expect(started.ok).toBe(true);
      await waitFor(() => ses.messages.length >= 5, 'the first messages', running.server);
      running.server.child.kill('SIGTERM');
      const code = await exitWithin(running.server, 60_000);
      const sentBeforeStop = ses.messages.length;
      first = { code, sentBeforeStop, summary: await withDatabase((db) => summarise(db, campaignId)) };

      const restarted = await serve();
      await waitFor(() => ses.messages.length >= RECIPIENTS, 'the rest of the send', restarted.server);
      // The stop writes the last batch's outcomes before the process exits.
      restarted.server.child.kill('SIGTERM');
      second = { code: await exitWithin(restarted.server, 60_000), summary: await withDatabase((db) => summarise(db, campaignId)) };
    }, 300_000);

    afterAll(async () => {
      await ses?.close();
      await postgres?.handle.close();
      await postgres?.drop();
      rmSync(folder, { recursive: true, force: true });
    });

    it('exits with 0', () => {
      expect(first.code).toBe(0);
    });

    it('stops before the send finished', () => {
      expect(first.sentBeforeStop).toBeLessThan(RECIPIENTS);
    });

    it('leaves no row in flight', () => {
      expect(first.summary.byStatus.sending ?? 0).toBe(0);
    });

    it('leaves no row uncertain', () => {
      expect(first.summary.byStatus.uncertain ?? 0).toBe(0);
    });

    it('records every accepted message as sent', () => {
      expect(first.summary.byStatus.sent).toBe(first.sentBeforeStop);
    });

    it('queues the rest again', () => {
      expect(first.summary.byStatus.queued).toBe(RECIPIENTS - first.sentBeforeStop);
    });

    it('releases the data directory', () => {
      expect(existsSync(path.join(folder, 'gazette.lock'))).toBe(false);
    });

    it('sends the rest after a restart', () => {
      expect(second.summary.byStatus.sent).toBe(RECIPIENTS);
    });

    it('sends each address once', () => {
      const counts = [...ses.countsByAddress().values()];
      expect(counts.filter((count) => count > 1)).toEqual([]);
    });

    it('exits with 0 after the restart', () => {
      expect(second.code).toBe(0);
    });
  });
}
