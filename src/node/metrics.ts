/**
 * Prometheus metrics for Node processes (prom-client), served at `/metrics`.
 *
 * Two kinds of figures. Counters this process alone can see (HTTP requests, throttled sends,
 * feed errors, schedule fires) live in the registry and are fed through the `Metrics` seam.
 * Everything the database already records (messages by send state, backlog per campaign,
 * bounces and complaints, send rate, failing feeds, connections) is queried when `/metrics` is
 * scraped, so the figures are right however many worker processes share the database.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, Handler } from 'hono';
import { sql } from 'kysely';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { constantTimeEqual } from '../auth/signing.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/connect.ts';
import { errorBody } from '../http/errors.ts';
import type { AppEnv } from '../http/context.ts';
import { counterHelp, type CounterLabels, type CounterName, type Metrics } from '../metrics.ts';
import { deliveryStats, type DeliveryStats } from '../delivery/stats.ts';

const counterLabelNames: Record<CounterName, string[]> = {
  feed_fetch_errors: [],
  scheduler_fires: ['outcome'],
  feedback_notifications: ['kind'],
};

export interface NodeMetrics extends Metrics {
  registry: Registry;
  /** Queries the database for the scrape-time figures and returns the exposition text. */
  scrape(db: Db): Promise<string>;
}

export interface NodeMetricsOptions {
  config: Pick<Config, 'databasePoolSize' | 'ses' | 'databaseUrl'>;
  /** Reads the SES account's maximum send rate (GetAccount); cached for five minutes. */
  maxSendRate?: () => Promise<number | undefined>;
  /** The send worker's counters in this process; defaults to the shared `deliveryStats`. */
  delivery?: DeliveryStats;
  /** Adds Node's process metrics (CPU, memory, event loop); default true. */
  processMetrics?: boolean;
}

/** Creates a registry with every Gazette metric. One per process. */
export function createNodeMetrics(options: NodeMetricsOptions): NodeMetrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'gazette_' });

  const counters = new Map<CounterName, Counter<string>>();
  for (const name of Object.keys(counterLabelNames) as CounterName[]) {
    counters.set(
      name,
      new Counter({ name: `gazette_${name}_total`, help: counterHelp[name], labelNames: counterLabelNames[name], registers: [registry] }),
    );
  }

  const httpRequests = new Counter({
    name: 'gazette_http_requests_total',
    help: 'HTTP requests by method, matched route pattern and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'gazette_http_request_duration_seconds',
    help: 'HTTP request duration by method and matched route pattern.',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  // The send worker counts in a plain object; these counters copy it at each scrape.
  const delivery = options.delivery ?? deliveryStats;
  const fromDelivery = (name: string, help: string, read: (stats: DeliveryStats) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read(delivery));
      },
    });
  fromDelivery('gazette_send_batches_total', 'Ledger batches this process claimed.', (stats) => stats.batches);
  fromDelivery('gazette_send_sent_total', 'Messages this process handed to SES and SES accepted.', (stats) => stats.sent);
  fromDelivery('gazette_send_failed_total', 'Messages this process gave up on (rejected by SES or unbuildable).', (stats) => stats.failed);
  fromDelivery('gazette_send_skipped_total', 'Rows skipped at send time (unsubscribed, suppressed, blocklisted).', (stats) => stats.skipped);
  fromDelivery('gazette_send_released_total', 'Claimed rows put back in the queue unsent (pause, stop, retries used up).', (stats) => stats.released);
  fromDelivery('gazette_send_retries_total', 'SES calls retried after throttling, a server error or a network error.', (stats) => stats.retries);
  fromDelivery('gazette_send_throttled_total', 'SES calls answered with throttling.', (stats) => stats.throttled);
  fromDelivery('gazette_send_uncertain_total', 'Rows this process marked uncertain after a lease expired.', (stats) => stats.uncertain);
  fromDelivery('gazette_send_rate_wait_seconds_total', 'Time spent waiting for the shared send rate.', (stats) => stats.rateWaitMs / 1000);

  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const messages = gauge('gazette_messages', 'Ledger rows (one per campaign and recipient) by send state.', ['status']);
  const retried = gauge('gazette_messages_retried', 'Send attempts beyond the first, as recorded in the ledger.');
  const backlog = gauge(
    'gazette_ledger_backlog',
    'Ledger rows still to send (queued or sending) per campaign.',
    ['campaign', 'campaign_status'],
  );
  const outcomes = gauge('gazette_feedback_outcomes', 'Ledger rows by delivery outcome reported by SES.', ['outcome']);
  const suppressions = gauge('gazette_suppressions', 'Suppressed addresses by reason.', ['reason']);
  const sendRate = gauge('gazette_send_rate_per_second', 'Messages sent per second over the last minute.');
  const sesLimit = gauge('gazette_ses_max_send_rate', 'The SES account maximum send rate (messages per second).');
  const sendRatio = gauge('gazette_send_rate_ratio', 'Send rate over the last minute divided by the SES maximum send rate.');
  const feeds = gauge('gazette_feeds', 'Feeds by the state of their last fetch.', ['state']);
  const connections = gauge('gazette_db_connections', 'Database connections of this database by state.', ['state']);
  const poolMax = gauge('gazette_db_pool_max', 'Connections each process may open (DATABASE_POOL_SIZE).');
  const scrapeErrors = gauge('gazette_scrape_errors', 'Queries that failed during the last scrape.');

  let sesLimitCache: { value: number | undefined; at: number } | undefined;
  const maxSendRate = async (): Promise<number | undefined> => {
    if (options.config.ses.maxSendRate) return options.config.ses.maxSendRate;
    if (!options.maxSendRate) return undefined;
    if (sesLimitCache && Date.now() - sesLimitCache.at < 5 * 60_000) return sesLimitCache.value;
    try {
      sesLimitCache = { value: await options.maxSendRate(), at: Date.now() };
    } catch {
      sesLimitCache = { value: undefined, at: Date.now() };
    }
    return sesLimitCache.value;
  };

  async function refresh(db: Db): Promise<void> {
    let failures = 0;
    const step = async (work: () => Promise<void>) => {
      try {
        await work();
      } catch {
        failures += 1;
      }
    };
    await step(async () => {
      const rows = await db.selectFrom('ledger').select(['status', (eb) => eb.fn.countAll<string>().as('n')]).groupBy('status').execute();
      messages.reset();
      for (const status of ['queued', 'sending', 'sent', 'failed', 'skipped', 'uncertain']) messages.set({ status }, 0);
      for (const row of rows) messages.set({ status: row.status }, Number(row.n));
    });
    await step(async () => {
      const row = await db
        .selectFrom('ledger')
        .select(sql<string>`coalesce(sum(attempts - 1), 0)`.as('n'))
        .where('attempts', '>', 1)
        .executeTakeFirst();
      retried.set(Number(row?.n ?? 0));
    });
    await step(async () => {
      // Uses ledger_campaign_status_idx; finished campaigns have no queued rows and drop out.
      const rows = await db
        .selectFrom('ledger')
        .innerJoin('campaigns', 'campaigns.id', 'ledger.campaign_id')
        .select(['ledger.campaign_id', 'campaigns.status', (eb) => eb.fn.countAll<string>().as('n')])
        .where('ledger.status', 'in', ['queued', 'sending'])
        .groupBy(['ledger.campaign_id', 'campaigns.status'])
        .execute();
      backlog.reset();
      for (const row of rows) backlog.set({ campaign: row.campaign_id, campaign_status: row.status }, Number(row.n));
    });
    await step(async () => {
      const rows = await db
        .selectFrom('ledger')
        .select(['outcome', (eb) => eb.fn.countAll<string>().as('n')])
        .where('outcome', 'is not', null)
        .groupBy('outcome')
        .execute();
      outcomes.reset();
      for (const outcome of ['delivered', 'soft_bounced', 'bounced', 'complained']) outcomes.set({ outcome }, 0);
      for (const row of rows) outcomes.set({ outcome: row.outcome! }, Number(row.n));
    });
    await step(async () => {
      const rows = await db
        .selectFrom('suppressions')
        .select(['reason', (eb) => eb.fn.countAll<string>().as('n')])
        .groupBy('reason')
        .execute();
      suppressions.reset();
      for (const row of rows) suppressions.set({ reason: row.reason }, Number(row.n));
    });
    await step(async () => {
      const row = await db
        .selectFrom('ledger')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('status', '=', 'sent')
        .where('sent_at', '>', sql<Date>`now() - interval '60 seconds'`)
        .executeTakeFirst();
      const rate = Number(row?.n ?? 0) / 60;
      sendRate.set(rate);
      const limit = await maxSendRate();
      if (limit) {
        sesLimit.set(limit);
        sendRatio.set(rate / limit);
      }
    });
    await step(async () => {
      const row = await db
        .selectFrom('feeds')
        .select([
          sql<string>`count(*) filter (where last_error is not null)`.as('failing'),
          sql<string>`count(*) filter (where last_error is null)`.as('ok'),
        ])
        .executeTakeFirst();
      feeds.set({ state: 'failing' }, Number(row?.failing ?? 0));
      feeds.set({ state: 'ok' }, Number(row?.ok ?? 0));
    });
    await step(async () => {
      poolMax.set(options.config.databaseUrl ? options.config.databasePoolSize : 1);
      const rows = await sql<{ state: string | null; n: string }>`
        select state, count(*) as n from pg_stat_activity
        where datname = current_database() and backend_type = 'client backend'
        group by state
      `.execute(db);
      connections.reset();
      for (const row of rows.rows) connections.set({ state: row.state ?? 'unknown' }, Number(row.n));
    });
    scrapeErrors.set(failures);
  }

  return {
    registry,
    inc<N extends CounterName>(name: N, labels?: CounterLabels[N], value = 1) {
      try {
        counters.get(name)?.inc((labels ?? {}) as Record<string, string>, value);
      } catch {
        // A metric must never break the work it counts.
      }
    },
    observeRequest({ method, route, status, seconds }) {
      httpRequests.inc({ method, route, status: String(status) });
      httpDuration.observe({ method, route }, seconds);
    },
    async scrape(db) {
      await refresh(db);
      return registry.metrics();
    },
  };
}

/**
 * The `/metrics` handler. With `METRICS_TOKEN` set it requires `Authorization: Bearer <token>`;
 * without, it answers only connections from the loopback interface that no proxy forwarded.
 */
export function metricsHandler(metrics: NodeMetrics): Handler<AppEnv> {
  return async (c) => {
    const { deps } = c.var;
    const token = deps.config.metricsToken;
    if (token) {
      const presented = c.req.header('authorization')?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
      if (!presented || !(await constantTimeEqual(presented, token))) {
        c.header('WWW-Authenticate', 'Bearer realm="metrics"');
        return c.json(errorBody('unauthorized', 'Send "Authorization: Bearer <METRICS_TOKEN>".'), 401);
      }
    } else if (!fromLoopback(c)) {
      return c.json(
        errorBody('forbidden', '/metrics answers only local connections unless METRICS_TOKEN is set.'),
        403,
      );
    }
    const body = await metrics.scrape(deps.db);
    return c.body(body, 200, { 'content-type': metrics.registry.contentType });
  };
}

function fromLoopback(c: Context<AppEnv>): boolean {
  // A reverse proxy on the same host makes every caller look local: refuse forwarded requests.
  if (c.req.header('x-forwarded-for') || c.req.header('forwarded')) return false;
  let address: string | undefined;
  try {
    address = getConnInfo(c).remote.address;
  } catch {
    return false;
  }
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}
