/**
 * Runs the Workers entry under `wrangler dev` on this machine (workerd, no Cloudflare account, no
 * network) against a fresh PostgreSQL database reached through Hyperdrive's local connection
 * string. The tests drive it as subscribers and mailbox providers would: the health check, a
 * sign-up and a one-click unsubscribe, checking the database after each. The `/__scheduled` route
 * that `--test-scheduled` adds calls the cron handler.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSigner } from '../../src/auth/signing.ts';
import { connectDatabase, type DatabaseHandle } from '../../src/db/connect.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { dueFiresJob } from '../../src/digests/due-fires-job.ts';
import { unsubscribeUrl } from '../../src/public/links.ts';
import { confirmationJob } from '../../src/subscribers/lifecycle.ts';
import { TEST_SECRET } from '../helpers/app.ts';
import { createPostgresDatabase, hasPostgres } from '../helpers/database.ts';
import { exitWithin, freePort, waitForOk, type GazetteProcess } from '../helpers/process.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Returns `url` with a password. Hyperdrive's local connection string must carry one even where
 * the server trusts local users; such a server ignores it.
 */
function withPassword(url: string): string {
  const parsed = new URL(url);
  if (!parsed.password) parsed.password = 'local';
  return parsed.toString();
}

/** Starts `wrangler dev` offline, with its home, state and telemetry kept out of the user's. */
function startWranglerDev(folder: string, port: number, inspectorPort: number, connectionString: string): GazetteProcess {
  const child = spawn(
    process.execPath,
    [
      path.join(root, 'node_modules/wrangler/bin/wrangler.js'),
      'dev',
      '--local',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--inspector-port',
      String(inspectorPort),
      '--persist-to',
      path.join(folder, 'state'),
      '--test-scheduled',
      '--show-interactive-dev-session=false',
      '--var',
      `SECRET_KEY:${TEST_SECRET}`,
      '--var',
      'LOG_LEVEL:warn',
    ],
    {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: folder,
        XDG_CONFIG_HOME: path.join(folder, 'config'),
        WRANGLER_SEND_METRICS: 'false',
        CI: 'true',
        CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: connectionString,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so stopping it also stops the workerd it starts.
      detached: true,
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => (output += String(chunk)));
  child.stderr?.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  return { child, output: () => output, exited };
}

if (!hasPostgres()) {
  describe('wrangler dev', () => {
    it.skip('needs DATABASE_URL: set it to a PostgreSQL server to run the Worker locally', () => {});
  });
} else {
  describe('wrangler dev [postgres]', () => {
    let folder: string;
    let database: { url: string; drop: () => Promise<void> };
    let handle: DatabaseHandle;
    let wrangler: GazetteProcess | undefined;
    let base: string;

    const db = () => handle.db;
    const subscriptionsOf = (email: string) =>
      db()
        .selectFrom('subscriptions')
        .innerJoin('subscribers', 'subscribers.id', 'subscriptions.subscriber_id')
        .innerJoin('lists', 'lists.id', 'subscriptions.list_id')
        .select(['lists.slug', 'subscriptions.status'])
        .where('subscribers.email', '=', email)
        .orderBy('lists.slug')
        .execute();

    beforeAll(async () => {
      folder = mkdtempSync(path.join(tmpdir(), 'gazette-wrangler-dev-'));
      database = await createPostgresDatabase();
      handle = await connectDatabase({ databaseUrl: database.url, poolSize: 2 });
      // The edge never migrates: Node does, once per release.
      await migrateToLatest(handle.db);
      await db()
        .insertInto('lists')
        .values([
          { slug: 'news', name: 'News', opt_in: 'single', visibility: 'public' },
          { slug: 'weekly', name: 'Weekly', opt_in: 'double', visibility: 'public' },
        ])
        .execute();

      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      wrangler = startWranglerDev(folder, port, await freePort(), withPassword(database.url));
      await waitForOk(`${base}/healthz`, wrangler, 120_000);
    }, 180_000);

    afterAll(async () => {
      if (wrangler?.child.pid && wrangler.child.exitCode === null) {
        process.kill(-wrangler.child.pid, 'SIGTERM');
        await exitWithin(wrangler, 20_000).catch(() => undefined);
      }
      await handle?.close();
      await database?.drop();
      rmSync(folder, { recursive: true, force: true });
    }, 60_000);

    it('answers the health check', async () => {
      const response = await fetch(`${base}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
    });

    it('reports ready on a migrated database', async () => {
      const response = await fetch(`${base}/readyz`);
      expect(await response.json()).toEqual({ status: 'ok' });
    });

    it('signs up and queues the confirmation', async () => {
      const response = await fetch(`${base}/api/public/subscriptions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'ana@example.org', lists: ['news', 'weekly'] }),
      });
      expect(response.status, wrangler!.output()).toBe(202);
      expect(await subscriptionsOf('ana@example.org')).toEqual([
        { slug: 'news', status: 'confirmed' },
        { slug: 'weekly', status: 'unconfirmed' },
      ]);
      const queued = await db().selectFrom('job_outbox').select(['name', 'data']).execute();
      expect(queued.map((job) => job.name)).toEqual([confirmationJob]);
      const weekly = await db().selectFrom('lists').select('id').where('slug', '=', 'weekly').executeTakeFirstOrThrow();
      expect(queued[0]?.data).toMatchObject({ listIds: [weekly.id] });
    });

    it('unsubscribes in one click', async () => {
      const subscriber = await db().selectFrom('subscribers').select('id').where('email', '=', 'ana@example.org').executeTakeFirstOrThrow();
      const news = await db().selectFrom('lists').select('id').where('slug', '=', 'news').executeTakeFirstOrThrow();
      // The List-Unsubscribe URL a message to this subscriber carries; PUBLIC_URL comes from wrangler.toml.
      const link = new URL(await unsubscribeUrl(createSigner(TEST_SECRET), 'https://news.example.org', { s: subscriber.id, l: [news.id] }));
      const response = await fetch(`${base}${link.pathname}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
        redirect: 'manual',
      });
      expect(response.status, wrangler!.output()).toBe(200);
      expect(await subscriptionsOf('ana@example.org')).toEqual([
        { slug: 'news', status: 'unsubscribed' },
        { slug: 'weekly', status: 'unconfirmed' },
      ]);
      const consent = await db()
        .selectFrom('consent_log')
        .select(['action', 'source'])
        .where('subscriber_id', '=', subscriber.id)
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      expect(consent).toEqual({ action: 'unsubscribed', source: 'one_click' });
    });

    it('queues a digest pass on a cron trigger', async () => {
      const response = await fetch(`${base}/__scheduled?cron=${encodeURIComponent('* * * * *')}`);
      expect(response.status, wrangler!.output()).toBe(200);
      const queued = await db().selectFrom('job_outbox').select('name').where('name', '=', dueFiresJob).execute();
      expect(queued).toHaveLength(1);
    });
  });
}
