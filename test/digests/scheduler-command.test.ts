import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'gazette-scheduler-'));
const environment = {
  DATA_DIR: dataDir,
  PORT: String(20000 + Math.floor(Math.random() * 20000)),
  SES_LOCAL_PORT: String(40000 + Math.floor(Math.random() * 20000)),
  LOG_LEVEL: 'silent',
  NODE_ENV: 'test',
};

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function run(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  try {
    const code = await main(args, env);
    return { code, out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describe('gazette scheduler', () => {
  it('--once runs one pass', async () => {
    const result = await run(['scheduler', '--once'], environment);
    expect(result.code).toBe(0);
    expect(result.out).toBe('No schedule was due.\n');
  });

  it('--help names the options', async () => {
    const result = await run(['scheduler', '--help'], environment);
    expect(result.code).toBe(0);
    expect(result.out).toContain('--once');
  });
});
