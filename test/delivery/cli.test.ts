/**
 * `gazette send` while a server has locked the embedded data directory: the command goes through
 * the server's API instead of opening the database itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { sendCommand } from '../../src/cli/commands/send.ts';
import { CliError } from '../../src/cli/context.ts';
import { acquireLock } from '../../src/node/data-dir.ts';
import { createTestApp, TEST_TOKEN } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { addManySubscribers, createCampaign, createList, ledgerStatuses } from './setup.ts';

describeEachDatabase('gazette send', (database) => {
  let dataDir: string;
  let server: ServerType;
  let url: string;
  let release: () => void;

  beforeAll(async () => {
    await database().reset();
    const { app } = createTestApp(database().db);
    server = await new Promise<ServerType>((resolve) => {
      const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dataDir = mkdtempSync(path.join(tmpdir(), 'gazette-send-'));
    // This process plays the server that has locked the data directory.
    release = acquireLock(dataDir, url);
  });
  afterAll(async () => {
    release();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dataDir, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('goes through the running server', async () => {
    const { db } = database();
    const list = await createList(db);
    await addManySubscribers(db, list, 3);
    const campaign = await createCampaign(db);
    const output: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output.push(String(chunk));
      return true;
    });

    const code = await sendCommand.run([campaign], { DATA_DIR: dataDir, ADMIN_API_TOKEN: TEST_TOKEN });
    const again = await sendCommand.run([campaign], { DATA_DIR: dataDir, ADMIN_API_TOKEN: TEST_TOKEN });

    expect(code).toBe(0);
    expect(again).toBe(0);
    expect(output[0]).toBe(`Started sending campaign ${campaign} to 3 recipients.\n`);
    expect(output[1]).toBe(`Already sending: campaign ${campaign} (3 recipients).\n`);
    expect(Object.values(await ledgerStatuses(db, campaign))).toEqual(['queued', 'queued', 'queued']);
  });

  it('reports an unknown campaign from the server', async () => {
    const run = sendCommand.run(['999999'], { DATA_DIR: dataDir, ADMIN_API_TOKEN: TEST_TOKEN });
    await expect(run).rejects.toThrow(CliError);
    await expect(sendCommand.run(['999999'], { DATA_DIR: dataDir, ADMIN_API_TOKEN: TEST_TOKEN })).rejects.toThrow(/404/);
  });

  it('rejects a missing campaign id', async () => {
    await expect(sendCommand.run([], { DATA_DIR: dataDir })).rejects.toThrow(/Missing or invalid campaign id/);
  });
});
