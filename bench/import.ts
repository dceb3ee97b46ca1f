/**
 * Subscriber import benchmark: rows per second and peak memory for generated CSV files.
 *
 * Usage: npx tsx bench/import.ts [rows ...]   (default: 100000 1000000)
 * With DATABASE_URL set it runs on a fresh PostgreSQL database created beside that one, else on
 * in-memory PGlite.
 *
 * Method: each size gets a CSV written to a temporary file first (email, name, country,
 * organisation, organisation_type, topics; every 1,000th row has an invalid address and every
 * 500th repeats an earlier address in upper case), then a fresh migrated database with one list.
 * The timer covers `importSubscribers` reading the file from disk to the last batch committed.
 * Peak memory is the largest resident set size (RSS) of this process sampled every 50 ms during
 * the import, which includes PGlite's own memory when PGlite is used.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { createSigner } from '../src/auth/signing.ts';
import { loadConfig } from '../src/config.ts';
import { connectDatabase, type DatabaseHandle } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import type { Deps } from '../src/deps.ts';
import { createList } from '../src/lists/lists.ts';
import { silentLogger } from '../src/log.ts';
import { importSubscribers } from '../src/subscribers/import.ts';

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const rowsToRun = sizes.length > 0 ? sizes : [100_000, 1_000_000];
const databaseUrl = process.env.DATABASE_URL;

async function writeCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  const types = ['government', 'ngo', 'academia', 'international_organisation', 'private_sector', 'other'];
  let buffer = 'email,name,country,organisation,organisation_type,topics\n';
  for (let i = 1; i <= rows; i++) {
    const email = i % 1000 === 0 ? `broken-${i}` : i % 500 === 0 ? `PERSON${i - 1}@EXAMPLE.ORG` : `person${i}@example.org`;
    buffer += `${email},"Person ${i}, Jr.",Country ${i % 190},Organisation ${i % 5000},${types[i % types.length]},topic-${i % 12};topic-${(i + 5) % 12}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      buffer = '';
    }
  }
  out.end(buffer);
  await new Promise<void>((resolve) => out.on('finish', () => resolve()));
}

async function openDatabase(): Promise<{ handle: DatabaseHandle; drop: () => Promise<void>; kind: string }> {
  if (!databaseUrl) {
    const handle = await connectDatabase({});
    return { handle, drop: async () => {}, kind: 'PGlite (memory)' };
  }
  const name = `gazette_bench_${Date.now().toString(36)}`;
  const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  const handle = await connectDatabase({ databaseUrl: url.toString(), poolSize: 4 });
  return {
    handle,
    kind: 'PostgreSQL',
    drop: async () => {
      const cleanup = postgres(databaseUrl, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

const folder = mkdtempSync(path.join(tmpdir(), 'gazette-bench-'));
const results: string[][] = [];
try {
  for (const rows of rowsToRun) {
    const file = path.join(folder, `rows-${rows}.csv`);
    await writeCsv(file, rows);
    const { handle, drop, kind } = await openDatabase();
    try {
      await migrateToLatest(handle.db);
      await createList(handle.db, { name: 'Bench', slug: 'bench' });
      const deps: Deps = {
        db: handle.db,
        config: loadConfig({ SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789' }),
        logger: silentLogger(),
        signer: createSigner('bench-secret-key-0123456789abcdef0123456789'),
        now: () => new Date(),
      };
      let peak = process.memoryUsage().rss;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 50);
      const started = performance.now();
      const counts = await importSubscribers(deps, createReadStream(file), { list: 'bench', mode: 'subscribe', overwrite: false, resubscribe: false });
      const seconds = (performance.now() - started) / 1000;
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      results.push([
        kind,
        rows.toLocaleString('en'),
        `${(statSync(file).size / 1e6).toFixed(1)} MB`,
        seconds.toFixed(1),
        Math.round(rows / seconds).toLocaleString('en'),
        `${Math.round(peak / 2 ** 20)} MiB`,
        `${counts.created} created, ${counts.invalid} invalid, ${counts.duplicates} merged`,
      ]);
    } finally {
      await handle.close();
      await drop();
      rmSync(file, { force: true });
    }
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}

const header = ['database', 'rows', 'file', 'seconds', 'rows/s', 'peak RSS', 'outcome'];
console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
for (const row of results) console.log(`| ${row.join(' | ')} |`);
console.log('\nMethod: see the comment at the top of bench/import.ts (generated CSV on disk, fresh database, one list, timer around importSubscribers, RSS sampled every 50 ms).');
