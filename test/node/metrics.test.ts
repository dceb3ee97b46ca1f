import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { startSend } from '../../src/delivery/ledger.ts';
import { createSesMailer } from '../../src/delivery/ses.ts';
import { createDeliveryStats } from '../../src/delivery/stats.ts';
import { createSendWorker } from '../../src/delivery/worker.ts';
import { createNodeMetrics, metricsHandler } from '../../src/node/metrics.ts';
import { addManySubscribers, createCampaign, createList } from '../delivery/setup.ts';
import { startRecordingSes, type RecordingSes } from '../helpers/recording-ses.ts';
import { createTestApp, TEST_TOKEN } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import type { Db } from '../../src/db/connect.ts';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

/** Seeds a campaign of five recipients: two sent, one failed after a retry, two still queued. */
async function seedSmallSend(db: Db): Promise<string> {
  const campaign = await db
    .insertInto('campaigns')
    .values({ subject: 'Forum news', status: 'sending', audience: JSON.stringify({ lists: ['news'] }), compose: '{}' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const states = [
    { status: 'sent', outcome: 'delivered', attempts: 1 },
    { status: 'sent', outcome: 'bounced', attempts: 2 },
    { status: 'failed', outcome: null, attempts: 3 },
    { status: 'queued', outcome: null, attempts: 0 },
    { status: 'queued', outcome: null, attempts: 0 },
  ] as const;
  for (const [index, state] of states.entries()) {
    const email = `reader${index}@example.org`;
    const subscriber = await db
      .insertInto('subscribers')
      .values({ email, attributes: '{}' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('ledger')
      .values({
        campaign_id: campaign.id,
        subscriber_id: subscriber.id,
        email,
        status: state.status,
        outcome: state.outcome,
        attempts: state.attempts,
        sent_at: state.status === 'sent' ? new Date() : null,
      })
      .execute();
  }
  return campaign.id;
}

function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describeEachDatabase('metrics', (database) => {
  beforeEach(async () => {
    await database().reset();
  });

  function metricsApp(env: Record<string, string> = { METRICS_TOKEN }) {
    const metrics = createNodeMetrics({
      config: { databasePoolSize: 5, databaseUrl: undefined, ses: { maxSendRate: 14 } as never },
      processMetrics: false,
    });
    const test = createTestApp(database().db, {
      env,
      app: { mount: (app) => app.get('/metrics', metricsHandler(metrics)) },
    });
    test.deps.metrics = metrics;
    return { ...test, metrics };
  }

  async function scrape(request: ReturnType<typeof metricsApp>['request']): Promise<string> {
    const response = await request('GET', '/metrics', { token: METRICS_TOKEN });
    return response.text();
  }

  it('counts sent messages', async () => {
    await seedSmallSend(database().db);
    const { request } = metricsApp();
    expect(sample(await scrape(request), 'gazette_messages', '{status="sent"}')).toBe(2);
  });

  it('counts failed messages', async () => {
    await seedSmallSend(database().db);
    const { request } = metricsApp();
    expect(sample(await scrape(request), 'gazette_messages', '{status="failed"}')).toBe(1);
  });

  it('counts retries from the ledger', async () => {
    await seedSmallSend(database().db);
    const { request } = metricsApp();
    expect(sample(await scrape(request), 'gazette_messages_retried')).toBe(3);
  });

  it('reports backlog per campaign', async () => {
    const campaign = await seedSmallSend(database().db);
    const { request } = metricsApp();
    const text = await scrape(request);
    expect(sample(text, 'gazette_ledger_backlog', `{campaign="${campaign}",campaign_status="sending"}`)).toBe(2);
  });

  it('counts bounces', async () => {
    await seedSmallSend(database().db);
    const { request } = metricsApp();
    expect(sample(await scrape(request), 'gazette_feedback_outcomes', '{outcome="bounced"}')).toBe(1);
  });

  it('reports send rate against the limit', async () => {
    await seedSmallSend(database().db);
    const { request } = metricsApp();
    const text = await scrape(request);
    expect(sample(text, 'gazette_send_rate_ratio')).toBeCloseTo(2 / 60 / 14);
  });

  it('counts scheduler skips through the seam', async () => {
    const { request, metrics } = metricsApp();
    metrics.inc('scheduler_fires', { outcome: 'skipped_empty' });
    expect(sample(await scrape(request), 'gazette_scheduler_fires_total', '{outcome="skipped_empty"}')).toBe(1);
  });

  it('labels requests by route pattern', async () => {
    const { request } = metricsApp();
    await request('GET', '/api/lists/12345', { token: TEST_TOKEN });
    const text = await scrape(request);
    expect(text).not.toContain('12345');
  });

  it('counts requests by route', async () => {
    const { request } = metricsApp();
    await request('GET', '/healthz', { token: null });
    const text = await scrape(request);
    expect(sample(text, 'gazette_http_requests_total', '{method="GET",route="/healthz",status="200"}')).toBe(1);
  });

  it('scrapes without query errors', async () => {
    await seedSmallSend(database().db);
    const { request } = metricsApp();
    expect(sample(await scrape(request), 'gazette_scrape_errors')).toBe(0);
  });

  it('reports the pool size', async () => {
    const { request } = metricsApp();
    expect(sample(await scrape(request), 'gazette_db_pool_max')).toBe(1);
  });

  it('refuses a wrong token', async () => {
    const { request } = metricsApp();
    const response = await request('GET', '/metrics', { token: 'wrong-token-wrong-token-wrong' });
    expect(response.status).toBe(401);
  });

  it('refuses non-local callers without a token', async () => {
    const { request } = metricsApp({});
    const response = await request('GET', '/metrics', { token: null });
    expect(response.status).toBe(403);
  });
});

describeEachDatabase('metrics after a small send', (database) => {
  let ses: RecordingSes;
  let text: string;
  let campaign: string;

  beforeAll(async () => {
    ses = await startRecordingSes({ maxSendRate: 14 });
    // The first two calls are throttled, so the send retries them.
    ses.inject({ error: 'throttling', next: 2 });
    const delivery = createDeliveryStats();
    const metrics = createNodeMetrics({
      config: { databasePoolSize: 5, databaseUrl: undefined, ses: { maxSendRate: 14 } as never },
      delivery,
      processMetrics: false,
    });
    const { deps, request } = createTestApp(database().db, {
      env: { METRICS_TOKEN, SES_ENDPOINT: ses.url, SES_MAX_SEND_RATE: '5000', SEND_BATCH_SIZE: '4' },
      app: { mount: (app) => app.get('/metrics', metricsHandler(metrics)) },
    });
    deps.mailer = createSesMailer(deps.config.ses);
    deps.metrics = metrics;

    const list = await createList(database().db);
    await addManySubscribers(database().db, list, 6);
    campaign = await createCampaign(database().db);
    await startSend(deps, campaign);
    await createSendWorker(deps, { stats: delivery, backoff: { baseMs: 1, maxMs: 5, maxRetries: 5 } }).drain();
    text = await (await request('GET', '/metrics', { token: METRICS_TOKEN })).text();
  });

  afterAll(async () => {
    await ses.close();
  });

  it('counts ledger rows sent', () => {
    expect(sample(text, 'gazette_messages', '{status="sent"}')).toBe(6);
  });

  it('counts messages this process sent', () => {
    expect(sample(text, 'gazette_send_sent_total')).toBe(6);
  });

  it('counts throttled calls', () => {
    expect(sample(text, 'gazette_send_throttled_total')).toBe(2);
  });

  it('counts retried calls', () => {
    expect(sample(text, 'gazette_send_retries_total')).toBe(2);
  });

  it('counts no failures', () => {
    expect(sample(text, 'gazette_send_failed_total')).toBe(0);
  });

  it('drops the finished campaign from the backlog', () => {
    expect(text).not.toContain(`gazette_ledger_backlog{campaign="${campaign}"`);
  });

  it('reports the send rate against the limit', () => {
    expect(sample(text, 'gazette_send_rate_ratio')).toBeCloseTo(6 / 60 / 14);
  });
});
