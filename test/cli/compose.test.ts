import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app.ts';
import { composeRequest } from '../../src/cli/commands/compose.ts';
import { CliError } from '../../src/cli/context.ts';
import { main } from '../../src/cli/main.ts';
import { acquireLock } from '../../src/node/data-dir.ts';
import { clock, seedContent, seedItems, type SeedKey } from '../campaigns/seed.ts';
import { TEST_TOKEN, testDeps } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';

describe('composeRequest', () => {
  it('requires a subject', () => {
    expect(() => composeRequest({ list: ['monthly'] })).toThrow(CliError);
  });

  it('requires a list', () => {
    expect(() => composeRequest({ subject: 'January' })).toThrow(/--list/);
  });

  it('takes a date as midnight UTC', () => {
    const body = composeRequest({ subject: 'January', list: ['monthly'], since: '2027-01-01' });
    expect(body.compose).toEqual({ since: '2027-01-01T00:00:00Z' });
  });

  it('rejects an invalid since', () => {
    expect(() => composeRequest({ subject: 'January', list: ['monthly'], since: 'last week' })).toThrow(/Invalid --since "last week"/);
  });

  it('rejects a fractional day count', () => {
    expect(() => composeRequest({ subject: 'January', list: ['monthly'], 'events-within-days': '1.5' })).toThrow(
      /Invalid --events-within-days "1.5"/,
    );
  });

  it('reads the intro file', () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'gazette-intro-'));
    const file = path.join(directory, 'intro.md');
    writeFileSync(file, 'Welcome to **2027**.');
    try {
      expect(composeRequest({ subject: 'January', list: ['monthly'], 'intro-file': file }).intro).toBe('Welcome to **2027**.');
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describeEachDatabase('gazette compose through a running server', (database) => {
  let ids: Record<SeedKey, string>;
  let server: ServerType;
  let dataDir: string;
  let releaseLock: () => void;
  let output: string[];

  beforeEach(async () => {
    await database().reset();
    ids = await seedContent(database().db);
    const app = createApp(testDeps(database().db, { now: () => clock }));
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const { port } = server.address() as AddressInfo;
    // The running server holds the embedded data directory, as `gazette serve` does.
    dataDir = mkdtempSync(path.join(tmpdir(), 'gazette-data-'));
    releaseLock = acquireLock(dataDir, `http://127.0.0.1:${port}`);
    output = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      output.push(String(chunk));
      return true;
    });
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    releaseLock();
    rmSync(dataDir, { recursive: true, force: true });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const environment = () => ({ DATA_DIR: dataDir, ADMIN_API_TOKEN: TEST_TOKEN });

  it('composes a draft through the API', async () => {
    const code = await main(['compose', '--subject', 'January issue', '--list', 'monthly', '--since', '2026-12-15'], environment());
    const campaigns = await database().db.selectFrom('campaigns').select(['id', 'status']).execute();
    const items = await database().db.selectFrom('campaign_items').select('content_item_id').execute();
    expect(code).toBe(0);
    expect(campaigns.map((campaign) => campaign.status)).toEqual(['draft']);
    expect(items.map((item) => item.content_item_id).sort()).toEqual([ids.seoul, ids.paris, ids.report, ids.brief, ids.news].sort());
  });

  it('prints the composed items', async () => {
    await main(['compose', '--subject', 'January issue', '--list', 'monthly', '--since', '2026-12-15'], environment());
    const printed = output.join('');
    expect(printed).toContain('5 items (2 events, 2 publications, 1 news)');
    expect(printed).toContain(seedItems.report.title);
  });

  it('reports an unknown list without writing', async () => {
    const errors: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      errors.push(String(chunk));
      return true;
    });
    const code = await main(['compose', '--subject', 'January issue', '--list', 'missing'], environment());
    const campaigns = await database().db.selectFrom('campaigns').select('id').execute();
    expect(code).toBe(1);
    expect(errors.join('')).toContain('no list with slug "missing"');
    expect(campaigns).toEqual([]);
  });
});
