/**
 * Send throughput benchmark. Prints, from one run on one machine:
 *
 * - the transport ceiling: a bare loop that only calls the SES client's `SendEmail` with
 *   pre-built messages, at the concurrency each engine run uses;
 * - the sending engine end to end (ledger claim to recorded message id) for the whole
 *   audience with 1, 2 and 4 `gazette worker` processes, with each worker's peak memory;
 * - a naive loop on a sample: React Email render per recipient, MIME, one `SendEmail` at a
 *   time, one UPDATE per recipient;
 * - the ratios between them.
 *
 * The SES endpoint is the recording endpoint from the tests, on 127.0.0.1, answering at once
 * and keeping no message bodies. Needs PostgreSQL: it creates a database beside DATABASE_URL's
 * and drops it at the end.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/send.ts
 *   options: --recipients 100000 --naive 2000 --workers 1,2,4 --ceiling 20000
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import postgres from 'postgres';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mergeFields } from '../src/campaigns/merge-fields.ts';
import type { Db } from '../src/db/connect.ts';
import { startSend } from '../src/delivery/ledger.ts';
import { bareAddress, buildMime } from '../src/delivery/mime.ts';
import { createSesClient } from '../src/delivery/ses.ts';
import { silentLogger } from '../src/log.ts';
import { openRuntime, type Runtime } from '../src/node/runtime.ts';
import { preferencesUrl, unsubscribeUrl } from '../src/public/links.ts';
import { startRecordingSes, type RecordingSes } from '../test/helpers/recording-ses.ts';
import { renderSampleIssue } from './sample-issue.tsx';

const cli = fileURLToPath(new URL('../src/cli/gazette.js', import.meta.url));

const { values: options } = parseArgs({
  options: {
    recipients: { type: 'string', default: '100000' },
    naive: { type: 'string', default: '2000' },
    workers: { type: 'string', default: '1,2,4' },
    ceiling: { type: 'string', default: '20000' },
  },
});
const recipients = Number(options.recipients);
const naiveSample = Number(options.naive);
const workerCounts = options.workers.split(',').map(Number);
const ceilingMessages = Number(options.ceiling);

const baseUrl = process.env.DATABASE_URL;
if (!baseUrl) {
  process.stderr.write('Set DATABASE_URL to a PostgreSQL server (the benchmark creates its own database beside it).\n');
  process.exit(2);
}

// The worker processes read the same settings, so every figure uses one configuration.
const settings = {
  SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789',
  ADMIN_API_TOKEN: 'bench-admin-token-0123456789abcdef',
  PUBLIC_URL: 'https://news.example.org',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  SES_MAX_SEND_RATE: '1000000',
  SEND_BATCH_SIZE: process.env.SEND_BATCH_SIZE ?? '50',
  SEND_CONCURRENCY: process.env.SEND_CONCURRENCY ?? '8',
  SEND_POLL_MS: '50',
  LOG_LEVEL: 'warn',
  MAIL_FROM: 'Public Governance News <news@example.org>',
};
const concurrency = Number(settings.SEND_CONCURRENCY);

interface Row {
  label: string;
  messages: number;
  seconds: number;
  concurrency: number;
  note?: string;
}

async function main(): Promise<void> {
  const ses = await startRecordingSes({ keepRaw: false, maxSendRate: 1_000_000 });
  const database = await createDatabase(baseUrl!);
  const env = { ...settings, DATABASE_URL: database.url, SES_ENDPOINT: ses.url };
  const runtime = await openRuntime(env, { logger: silentLogger() });
  const rows: Row[] = [];
  try {
    const db = runtime.deps.db;
    const seedStart = performance.now();
    await seed(db, recipients);
    const seedSeconds = (performance.now() - seedStart) / 1000;
    const campaignId = await createCampaign(db);
    const sampleBytes = await messageSize(runtime, campaignId);

    for (const workers of workerCounts) {
      rows.push(await bareLoop(runtime, ses, ceilingMessages, workers * concurrency));
    }
    const materialise: number[] = [];
    for (const workers of workerCounts) {
      const run = await engineRun(runtime, ses, env, campaignId, workers);
      materialise.push(run.materialiseSeconds);
      rows.push(run.row);
    }
    rows.push(await naiveLoop(runtime, ses, campaignId, naiveSample));

    printReport(rows, { seedSeconds, sampleBytes, materialise, postgresVersion: await postgresVersion(db) });
  } finally {
    await runtime.close();
    await ses.close();
    await database.drop();
  }
}

/** Inserts the list and `count` confirmed subscribers with one statement each. */
async function seed(db: Db, count: number): Promise<void> {
  await db.insertInto('lists').values({ slug: 'monthly', name: 'Public Governance News' }).execute();
  await sql`
    insert into subscribers (email, name, attributes)
    select 'reader' || i || '@example.org', 'Reader ' || i, jsonb_build_object('country', 'KR', 'organisationType', 'government')
    from generate_series(1, ${count}) as i
  `.execute(db);
  await sql`
    insert into subscriptions (subscriber_id, list_id, status, confirmed_at)
    select s.id, l.id, 'confirmed', now() from subscribers s cross join lists l
  `.execute(db);
  await sql`analyze`.execute(db);
}

/** Stores the issue rendered once with merge-field placeholders, as the composer does. */
async function createCampaign(db: Db): Promise<string> {
  const body = await renderSampleIssue({
    name: mergeFields.name,
    unsubscribeUrl: mergeFields.unsubscribeUrl,
    preferencesUrl: mergeFields.preferencesUrl,
  });
  const row = await db
    .insertInto('campaigns')
    .values({
      subject: 'Public Governance News: forums, workshops and new research',
      audience: { lists: ['monthly'] },
      compose: {},
      html: body.html,
      text: body.text,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Builds one recipient's message as the naive loop does: a React Email render per recipient. */
async function naiveMessage(runtime: Runtime, campaignId: string, recipient: { id: string; email: string; name: string }) {
  const { signer, config } = runtime.deps;
  const unsubscribe = await unsubscribeUrl(signer, config.publicUrl, { s: recipient.id, l: [], c: campaignId });
  const preferences = await preferencesUrl(signer, config.publicUrl, recipient.id);
  const body = await renderSampleIssue({ name: recipient.name, unsubscribeUrl: unsubscribe, preferencesUrl: preferences });
  return buildMime({
    from: config.mail.from,
    to: recipient.email,
    subject: 'Public Governance News: forums, workshops and new research',
    html: body.html,
    text: body.text,
    list: { unsubscribeUrl: unsubscribe, id: 'Public Governance News <monthly.news.example.org>' },
    headers: { 'X-Gazette-Campaign': campaignId },
  });
}

async function messageSize(runtime: Runtime, campaignId: string): Promise<number> {
  const raw = await naiveMessage(runtime, campaignId, { id: '1', email: 'reader1@example.org', name: 'Reader 1' });
  return raw.byteLength;
}

/** The transport's ceiling: SendEmail with pre-built messages, `lanes` calls in flight. */
async function bareLoop(runtime: Runtime, ses: RecordingSes, count: number, lanes: number): Promise<Row> {
  const client = createSesClient(runtime.config.ses);
  const from = bareAddress(runtime.config.mail.from);
  const prebuilt = await Promise.all(
    Array.from({ length: 100 }, (_, i) => naiveMessage(runtime, '0', { id: String(i), email: `ceiling${i}@example.org`, name: `Reader ${i}` })),
  );
  ses.clear();
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < count) {
        const i = next++;
        await client.send(
          new SendEmailCommand({
            FromEmailAddress: from,
            Destination: { ToAddresses: [`ceiling${i % 100}@example.org`] },
            Content: { Raw: { Data: prebuilt[i % 100]! } },
          }),
        );
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  client.destroy();
  ses.clear();
  return { label: `bare SendEmail loop, ${lanes} in flight`, messages: count, seconds, concurrency: lanes };
}

interface EngineRun {
  row: Row;
  materialiseSeconds: number;
}

/**
 * One engine run: `workers` worker processes start while the campaign is paused, the clock
 * starts when it is resumed and stops when every ledger row is sent.
 */
async function engineRun(runtime: Runtime, ses: RecordingSes, env: Record<string, string>, campaignId: string, workers: number): Promise<EngineRun> {
  const { db } = runtime.deps;
  await db.deleteFrom('ledger').execute();
  await db.updateTable('campaigns').set({ status: 'draft', started_at: null, finished_at: null }).execute();
  ses.clear();

  const materialiseStart = performance.now();
  const started = await startSend(runtime.deps, campaignId, { actor: 'bench' });
  const materialiseSeconds = (performance.now() - materialiseStart) / 1000;
  await db.updateTable('campaigns').set({ status: 'paused' }).where('id', '=', campaignId).execute();

  const children = await Promise.all(Array.from({ length: workers }, (_, i) => startWorker(env, `bench-${workers}-${i}`)));
  const peaks = children.map(() => 0);
  const sampler = setInterval(() => {
    children.forEach((child, i) => {
      peaks[i] = Math.max(peaks[i]!, residentMegabytes(child.pid!));
    });
  }, 250);

  const start = performance.now();
  await db.updateTable('campaigns').set({ status: 'sending' }).where('id', '=', campaignId).execute();
  await waitUntil(async () => {
    const row = await db
      .selectFrom('campaigns')
      .select('status')
      .where('id', '=', campaignId)
      .executeTakeFirstOrThrow();
    return row.status === 'sent';
  });
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);

  await Promise.all(children.map((child) => stopWorker(child)));
  const counts = await db
    .selectFrom('ledger')
    .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy('status')
    .execute();
  const sent = Number(counts.find((row) => row.status === 'sent')?.n ?? 0);
  if (sent !== started.audienceSize || ses.messages.length !== sent) {
    throw new Error(`Engine run with ${workers} workers sent ${sent} of ${started.audienceSize} (endpoint saw ${ses.messages.length}).`);
  }
  ses.clear();
  return {
    materialiseSeconds,
    row: {
      label: `engine, ${workers} worker process${workers > 1 ? 'es' : ''}`,
      messages: sent,
      seconds,
      concurrency: workers * concurrency,
      note: `peak RSS per worker ${Math.max(...peaks).toFixed(0)} MB`,
    },
  };
}

/** The naive loop: render, build and send one recipient at a time, writing each result. */
async function naiveLoop(runtime: Runtime, ses: RecordingSes, campaignId: string, sample: number): Promise<Row> {
  const { db, mailer } = runtime.deps;
  await db.deleteFrom('ledger').execute();
  await sql`
    insert into ledger (campaign_id, subscriber_id, email)
    select ${campaignId}::bigint, id, email from subscribers order by id limit ${sample}
  `.execute(db);
  const rows = await db
    .selectFrom('ledger')
    .innerJoin('subscribers', 'subscribers.id', 'ledger.subscriber_id')
    .select(['ledger.id', 'ledger.subscriber_id', 'ledger.email', 'subscribers.name'])
    .orderBy('ledger.id')
    .execute();
  ses.clear();

  const start = performance.now();
  for (const row of rows) {
    const raw = await naiveMessage(runtime, campaignId, { id: row.subscriber_id, email: row.email, name: row.name });
    const result = await mailer!.send({ from: bareAddress(runtime.config.mail.from), to: [row.email], raw });
    await db
      .updateTable('ledger')
      .set({ status: 'sent', ses_message_id: result.messageId, sent_at: new Date() })
      .where('id', '=', row.id)
      .execute();
  }
  const seconds = (performance.now() - start) / 1000;
  ses.clear();
  return { label: 'naive loop (React Email per recipient, one at a time)', messages: rows.length, seconds, concurrency: 1 };
}

function startWorker(env: Record<string, string>, id: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [cli, 'worker', '--id', id], {
    env: { PATH: process.env.PATH, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM') process.stderr.write(`worker ${id} exited (${code ?? signal}): ${errors}\n`);
  });
  // The worker is ready once it has read the SES rate; give the loader time to compile.
  return new Promise((resolve) => setTimeout(() => resolve(child), 4000));
}

function stopWorker(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Resident memory of a process in MB, from /proc (Linux). */
function residentMegabytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 20));
}

async function createDatabase(url: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `gazette_bench_${Date.now().toString(36)}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const target = new URL(url);
  target.pathname = `/${name}`;
  return {
    url: target.toString(),
    drop: async () => {
      const cleanup = postgres(url, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

async function postgresVersion(db: Db): Promise<string> {
  const result = await sql<{ server_version: string }>`show server_version`.execute(db);
  return result.rows[0]?.server_version ?? 'unknown';
}

function printReport(
  rows: Row[],
  facts: { seedSeconds: number; sampleBytes: number; materialise: number[]; postgresVersion: string },
): void {
  const rate = (row: Row) => row.messages / row.seconds;
  const lines = rows.map(
    (row) =>
      `| ${row.label} | ${row.concurrency} | ${row.messages} | ${row.seconds.toFixed(2)} | ${rate(row).toFixed(0)} |${row.note ? ` ${row.note}` : ''}`,
  );
  const find = (prefix: string) => rows.find((row) => row.label.startsWith(prefix));
  const one = find('engine, 1 worker ');
  const ceilingOne = rows.find((row) => row.label.startsWith('bare') && row.concurrency === (one?.concurrency ?? concurrency));
  const naive = find('naive');

  const out = [
    '## Send throughput',
    '',
    `Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB; Node ${process.version}; PostgreSQL ${facts.postgresVersion} on 127.0.0.1.`,
    `Audience: ${recipients} confirmed subscribers (seeded in ${facts.seedSeconds.toFixed(1)} s); one message is ${(facts.sampleBytes / 1024).toFixed(1)} KB of MIME.`,
    `Settings: SEND_BATCH_SIZE=${settings.SEND_BATCH_SIZE}, SEND_CONCURRENCY=${settings.SEND_CONCURRENCY} per worker, rate bucket at 1,000,000/s (never the limit).`,
    `Ledger materialisation (one INSERT ... SELECT): ${facts.materialise.map((s) => `${s.toFixed(2)} s`).join(', ')}.`,
    '',
    '| run | in flight | messages | seconds | messages/s |',
    '|---|---|---|---|---|',
    ...lines,
    '',
  ];
  if (one && ceilingOne) out.push(`Engine with 1 worker / transport ceiling at ${ceilingOne.concurrency} in flight: ${((rate(one) / rate(ceilingOne)) * 100).toFixed(0)} %`);
  if (one && naive) out.push(`Engine with 1 worker / naive loop: ${(rate(one) / rate(naive)).toFixed(1)} x`);
  out.push(
    '',
    'Method: the SES endpoint is the recording endpoint of the tests on 127.0.0.1, answering at once and keeping',
    'no bodies. Bare loop: SESv2Client SendEmail with 100 pre-built messages reused, N calls in flight. Engine:',
    'N `gazette worker` processes start against a paused campaign; the clock starts when the campaign is',
    'resumed and stops when the last ledger row is sent (claim, re-check, merge fields, MIME, rate bucket,',
    'SendEmail, outcome UPDATE), polled every 20 ms. Peak RSS sampled from /proc every 250 ms. Naive loop:',
    'per recipient, sign the links, render the React Email issue, build MIME, SendEmail, UPDATE the row.',
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
