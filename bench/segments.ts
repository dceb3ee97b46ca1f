/**
 * Segment benchmark: how long a segment count and a send's ledger materialisation take on a
 * PostgreSQL database of a million subscribers with realistic attributes.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/segments.ts
 *   options: --subscribers 1000000 --runs 5 --keep
 *
 * Method. A fresh database is created beside DATABASE_URL's, migrated, and filled with SQL
 * (`generate_series`, so generation is not what is measured):
 * - 3 lists and 12 topics. Every subscriber is on the newsletter list (88 % confirmed, 7 %
 *   unconfirmed, 5 % unsubscribed), a third are also on the forums list, and each follows one
 *   to three topics;
 * - attributes: a country out of 60, weighted towards the first ones, its region, an
 *   organisation out of 20,000, an organisation type, a language, and three custom attributes
 *   (`forumsAttended` a number, `memberSince` a date, `accredited` a boolean); 3 % have no
 *   country; sign-up dates spread over five years, with the source;
 * - 1 % of addresses suppressed, 0.2 % inactive (blocklisted);
 * - 8 past issues sent to 150,000 subscribers each (at most the whole audience; 1.2 million
 *   ledger rows at full size, about 2 % of them bounced), opened by a quarter and clicked by a
 *   twentieth of their recipients (about 350,000 engagement events).
 * List, topic, bounce and engagement picks come from an integer hash of the ids, so they do
 * not correlate with one another.
 * Then `ANALYZE`. Each rule is counted through `countAudience` (the same compiled query the
 * ledger, digests and exports use) once to warm the cache and then `--runs` times; the table
 * gives the median and the slowest. Materialisation is `startSend` on a campaign for the whole
 * newsletter list and for a segment: one `INSERT ... SELECT` into the ledger plus its count,
 * in one transaction, timed from the call to its return (the body is stored on the campaign, as
 * the composer leaves it).
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import postgres from 'postgres';
import { createSigner } from '../src/auth/signing.ts';
import { loadConfig } from '../src/config.ts';
import type { AudienceSpec } from '../src/db/schema.ts';
import { connectDatabase, type DatabaseHandle } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import type { Deps } from '../src/deps.ts';
import { startSend } from '../src/delivery/ledger.ts';
import { silentLogger } from '../src/log.ts';
import { countAudience } from '../src/segments/audience.ts';
import type { Rule } from '../src/segments/rule.ts';
import { createSegment } from '../src/segments/segments.ts';

const { values: options } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
  },
});
const size = Number(options.subscribers);
const runs = Number(options.runs);
if (!Number.isInteger(size) || size < 1000) throw new Error(`--subscribers ${options.subscribers}: expected a whole number of at least 1000.`);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs ${options.runs}: expected a whole number of at least 1.`);

const baseUrl = process.env.DATABASE_URL;
if (!baseUrl) {
  process.stderr.write('Set DATABASE_URL to a PostgreSQL server (the benchmark creates its own database beside it).\n');
  process.exit(2);
}

const NOW = new Date('2026-12-01T09:00:00Z');

/** The rules timed, each a shape staff build in the console. */
const rules: Array<{ name: string; rule: Rule }> = [
  { name: 'one country', rule: { field: 'country', op: 'equals', value: 'KR' } },
  { name: 'region and organisation type', rule: { all: [{ field: 'region', op: 'equals', value: 'Asia and the Pacific' }, { field: 'organisationType', op: 'in', value: ['government', 'ngo'] }] } },
  { name: 'topic', rule: { field: 'topic', op: 'equals', value: 'digital-government' } },
  { name: 'on the forums list, confirmed', rule: { field: 'list', op: 'equals', value: 'forums', status: ['confirmed'] } },
  { name: 'organisation contains', rule: { field: 'organisation', op: 'contains', value: 'Ministry 12' } },
  { name: 'opened one of the last 3 issues', rule: { field: 'engagement', op: 'inLastIssues', event: 'opened', value: 3 } },
  { name: 'no click in 365 days', rule: { field: 'engagement', op: 'noneWithinDays', event: 'clicked', value: 365 } },
  { name: 'bounced at least once', rule: { field: 'bounces', op: 'gt', kind: 'any', value: 0 } },
  { name: 'custom number > 3', rule: { field: 'attribute', name: 'forumsAttended', type: 'number', op: 'gt', value: 3 } },
  { name: 'signed up in the last 90 days', rule: { field: 'signedUpAt', op: 'withinLastDays', value: 90 } },
  {
    name: 'nested: region, any of two topics, not bounced, opened recently',
    rule: {
      all: [
        { field: 'region', op: 'in', value: ['Asia and the Pacific', 'Africa'] },
        { any: [{ field: 'topic', op: 'equals', value: 'public-service-innovation' }, { field: 'topic', op: 'equals', value: 'open-data' }] },
        { none: [{ field: 'bounces', op: 'gt', kind: 'hard', value: 0 }] },
        { field: 'engagement', op: 'withinLastDays', event: 'opened', value: 180 },
      ],
    },
  },
];

async function createDatabase(): Promise<{ handle: DatabaseHandle; name: string; drop: () => Promise<void> }> {
  const name = `gazette_bench_segments_${Date.now().toString(36)}`;
  const admin = postgres(baseUrl!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(baseUrl!);
  url.pathname = `/${name}`;
  const handle = await connectDatabase({ databaseUrl: url.toString(), poolSize: 4 });
  return {
    handle,
    name,
    drop: async () => {
      await handle.close();
      const cleanup = postgres(baseUrl!, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

/** Fills the database with the data set described at the top of this file. */
async function generate(handle: DatabaseHandle): Promise<void> {
  const db = handle.db;
  const step = async (label: string, statement: ReturnType<typeof sql>) => {
    const { ms } = await timed(() => statement.execute(db));
    process.stdout.write(`  ${label}: ${(ms / 1000).toFixed(1)} s\n`);
  };
  // A cheap integer hash, so that list, topic, bounce and engagement picks are independent of
  // one another (plain moduli of the id would correlate them).
  await sql`create function mix(a bigint, b bigint) returns bigint language sql immutable
    as 'select hashint8(a * 1000003 + b)::bigint & 2147483647'`.execute(db);
  await sql`insert into lists (slug, name, created_at, updated_at) values
    ('newsletter', 'Newsletter', now(), now()), ('forums', 'Forums and workshops', now(), now()),
    ('research', 'Research', now(), now())`.execute(db);
  await sql`insert into topics (slug, name, created_at)
    select slug, initcap(replace(slug, '-', ' ')), now() from unnest(array[
      'digital-government', 'public-service-innovation', 'open-data', 'anti-corruption',
      'local-governance', 'e-participation', 'civil-service', 'sdg-16', 'gender-equality',
      'climate-governance', 'ai-in-government', 'capacity-development']) as slug`.execute(db);

  // Scaling the pick by (i % 3 + 1) / 3 skews it towards the first countries, so a few of them
  // hold most subscribers.
  await step(
    'subscribers',
    sql`insert into subscribers (email, name, status, attributes, source, created_at, updated_at)
      select
        'person' || i || '@' || (array['gov.example', 'ngo.example', 'univ.example', 'mail.example'])[1 + i % 4],
        'Person ' || i,
        case when i % 500 = 0 then 'blocklisted' else 'active' end,
        jsonb_strip_nulls(jsonb_build_object(
          'country', case when i % 33 = 0 then null else c.code end,
          'region', case when i % 33 = 0 then null else c.region end,
          'organisation', (array['Ministry ', 'Agency ', 'Institute ', 'Council '])[1 + i % 4] || (i % 20000),
          'organisationType', (array['government', 'ngo', 'academia', 'international_organisation', 'private_sector', 'other'])[1 + (i * 7) % 6],
          'language', (array['en', 'en', 'en', 'fr', 'es', 'ko', 'ar', 'zh'])[1 + i % 8],
          'forumsAttended', (i % 9)::text,
          'memberSince', to_char(date '2015-01-01' + (i % 4000), 'YYYY-MM-DD'),
          'accredited', case when i % 4 = 0 then 'true' else 'false' end)),
        (array['sign-up form', 'import', 'forum registration', 'api'])[1 + i % 4],
        ${NOW}::timestamptz - make_interval(secs => (i % 1825) * 86400 + i % 86400),
        now()
      from generate_series(1, ${size}::int) as i
      cross join lateral (
        select (array['KR', 'JP', 'CN', 'IN', 'ID', 'PH', 'TH', 'VN', 'MY', 'SG', 'AU', 'NZ', 'FJ', 'MN', 'KZ',
                      'US', 'CA', 'BR', 'MX', 'AR', 'CL', 'CO', 'PE', 'GB', 'FR', 'DE', 'IT', 'ES', 'NL', 'SE',
                      'NO', 'PL', 'UA', 'TR', 'EG', 'MA', 'NG', 'KE', 'ZA', 'GH', 'ET', 'SN', 'RW', 'TZ', 'UG',
                      'SA', 'AE', 'JO', 'QA', 'IR', 'PK', 'BD', 'LK', 'NP', 'KH', 'LA', 'MM', 'PG', 'WS', 'TO'])[k] as code,
               case when k <= 15 or k >= 50 then 'Asia and the Pacific' when k <= 22 then 'Americas'
                    when k <= 33 then 'Europe' when k <= 45 then 'Africa' else 'Western Asia' end as region
        from (select 1 + ((i::bigint * i) % 3571) * 60 / 3571 * ((i % 3) + 1) / 3 as k) as pick
      ) as c`,
  );
  await step(
    'subscriptions',
    sql`insert into subscriptions (subscriber_id, list_id, status, created_at, confirmed_at, unsubscribed_at, updated_at)
      select s.id, l.id, st.status, s.created_at,
             case when st.status <> 'unconfirmed' then s.created_at + interval '10 minutes' end,
             case when st.status = 'unsubscribed' then s.created_at + interval '200 days' end,
             now()
      from subscribers s
      join lists l on l.slug = 'newsletter' or (l.slug = 'forums' and mix(s.id, 1) % 3 = 0) or (l.slug = 'research' and mix(s.id, 2) % 7 = 0)
      cross join lateral (select case when mix(s.id, l.id) % 100 < 88 then 'confirmed' when mix(s.id, l.id) % 100 < 95 then 'unconfirmed' else 'unsubscribed' end as status) as st`,
  );
  await step(
    'subscriber topics',
    sql`insert into subscriber_topics (subscriber_id, topic_id)
      select distinct s.id, t.id
      from subscribers s
      cross join generate_series(0, (mix(s.id, 3) % 3)::int) as n
      join topics t on t.id = (select min(id) from topics) + mix(s.id, 10 + n) % 12`,
  );
  await step(
    'suppressions',
    sql`insert into suppressions (email, email_hash, reason, details, created_at)
      select email, md5(email), 'hard_bounce', '{}'::jsonb, now() from subscribers where mix(id, 4) % 100 = 0`,
  );
  await step(
    'past issues and ledger',
    sql`with issues as (
        insert into campaigns (subject, status, audience, compose, warnings, started_at, finished_at, created_at, updated_at)
        select 'Issue ' || n, 'sent', '{"lists":["newsletter"]}'::jsonb, '{}'::jsonb, '[]'::jsonb,
               ${NOW}::timestamptz - make_interval(days => 30 * n), ${NOW}::timestamptz - make_interval(days => 30 * n) + interval '1 hour',
               now(), now()
        from generate_series(1, 8) as n
        returning id, started_at)
      insert into ledger (campaign_id, subscriber_id, email, status, outcome, sent_at, updated_at)
      select c.id, s.id, s.email, 'sent',
             case when mix(s.id, 100 + c.id) % 97 = 0 then 'bounced' when mix(s.id, 200 + c.id) % 89 = 0 then 'soft_bounced' else 'delivered' end,
             c.started_at, now()
      from issues c
      join subscribers s on mix(s.id, 300 + c.id) % ${size} < 150000`,
  );
  await step(
    'engagement events',
    sql`insert into engagement_events (campaign_id, subscriber_id, ledger_id, kind, created_at)
      select l.campaign_id, l.subscriber_id, l.id, k.kind, l.sent_at + interval '3 hours'
      from ledger l
      cross join lateral (values ('open'), ('click')) as k(kind)
      where l.outcome = 'delivered'
        and ((k.kind = 'open' and mix(l.subscriber_id, 5) % 4 = 0) or (k.kind = 'click' and mix(l.subscriber_id, 5) % 20 = 0))`,
  );
  await sql`drop function mix(bigint, bigint)`.execute(db);
  await step('analyze', sql`analyze`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const { handle, name, drop } = await createDatabase();
try {
  await migrateToLatest(handle.db);
  const server = await sql<{ server_version: string }>`show server_version`.execute(handle.db);
  process.stdout.write(`Database ${name} (PostgreSQL ${server.rows[0]!.server_version}), ${size.toLocaleString('en')} subscribers\n`);
  process.stdout.write('Generating:\n');
  await generate(handle);

  const config = loadConfig({ SECRET_KEY: 'segment-benchmark-secret-key-0123456789', PUBLIC_URL: 'http://127.0.0.1' });
  const deps: Deps = { db: handle.db, config, logger: silentLogger(), signer: createSigner(config.secretKey!), now: () => NOW };

  process.stdout.write(`\nCounts (audience: confirmed on the newsletter list, then the rule; median and slowest of ${runs} runs after one warm-up):\n\n`);
  process.stdout.write('| rule | matches | median ms | slowest ms |\n|---|---|---|---|\n');
  const countTimes: number[] = [];
  for (const { name: label, rule } of rules) {
    const audience: AudienceSpec = { lists: ['newsletter'], rule };
    await countAudience(handle.db, audience, { now: NOW });
    const times: number[] = [];
    let matches = 0;
    for (let run = 0; run < runs; run++) {
      const { ms, value } = await timed(() => countAudience(handle.db, audience, { now: NOW }));
      times.push(ms);
      matches = value;
    }
    countTimes.push(median(times));
    process.stdout.write(`| ${label} | ${matches.toLocaleString('en')} | ${median(times).toFixed(0)} | ${Math.max(...times).toFixed(0)} |\n`);
  }
  process.stdout.write(`\nSlowest median count: ${Math.max(...countTimes).toFixed(0)} ms (aim: under 500 ms)\n`);

  process.stdout.write('\nLedger materialisation (startSend: INSERT ... SELECT into the ledger, its count, one transaction):\n\n');
  process.stdout.write('| audience | ledger rows | seconds |\n|---|---|---|\n');
  const segment = await createSegment(handle.db, { name: 'Asia and the Pacific, government', rule: rules[1]!.rule });
  const audiences: Array<{ label: string; audience: AudienceSpec }> = [
    { label: 'whole newsletter list', audience: { lists: ['newsletter'] } },
    { label: `saved segment "${segment.name}"`, audience: { lists: ['newsletter'], segment: segment.id } },
  ];
  for (const { label, audience } of audiences) {
    const campaign = await handle.db
      .insertInto('campaigns')
      .values({ subject: `Benchmark: ${label}`, audience, compose: {}, warnings: [], html: '<p>Benchmark</p>', text: 'Benchmark', rendered_at: NOW, created_at: NOW, updated_at: NOW })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { ms, value } = await timed(() => startSend(deps, campaign.id));
    process.stdout.write(`| ${label} | ${value.audienceSize.toLocaleString('en')} | ${(ms / 1000).toFixed(2)} |\n`);
  }
  process.stdout.write('\nAim: materialisation under 5 s.\n');
} finally {
  if (options.keep) {
    await handle.close();
    process.stdout.write(`Kept database ${name}; drop it with: psql -c 'drop database ${name}'\n`);
  } else {
    await drop();
  }
}
