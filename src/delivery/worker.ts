/**
 * The send worker: a resumable loop over the ledger. Any number of workers (processes, or
 * loops in one process) share the work through the database:
 *
 * 1. Rows whose lease expired while `sending` become `uncertain`: the worker that held them
 *    may or may not have handed them to SES, so they wait for a staff decision.
 * 2. A batch of `queued` rows of `sending` campaigns is claimed with `FOR UPDATE SKIP LOCKED`
 *    and leased (`sending`, `lease_until`, `worker_id`). The lease is extended while the batch
 *    is worked on, so only a dead worker's rows expire.
 * 3. Right before sending, each row is checked again (subscriber active, address not
 *    suppressed, still subscribed to a list of the campaign, campaign still sending). Rows that
 *    fail are `skipped` with the reason; rows of a campaign paused or cancelled meanwhile go
 *    back to `queued`, which is safe because they were never handed to SES.
 * 4. Each message is sent at the shared rate; throttling and 5xx are retried with exponential
 *    backoff and jitter. Outcomes are written per batch, so a crash before that write leaves
 *    the rows `sending`, to become `uncertain`: a crash never causes a second copy.
 * 5. A campaign with nothing queued or in flight becomes `sent`.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { RenderedCampaign } from '../campaigns/rendered.ts';
import type { Deps } from '../deps.ts';
import { maskEmail } from '../log.ts';
import { SendError, type Mailer } from './mailer.ts';
import { personalise } from './personalise.ts';
import { createRateLimiter, resolveMaxRate, type RateLimiter } from './rate.ts';
import { renderedForSend, type RenderedLoader } from './rendered-source.ts';
import { startDueCampaigns } from './schedule.ts';
import { deliveryStats, type DeliveryStats } from './stats.ts';

export interface SendWorkerOptions {
  /** Identifies this worker in leases and logs; defaults to a random id. */
  workerId?: string;
  loadRendered?: RenderedLoader;
  stats?: DeliveryStats;
  /** A limiter to use instead of the shared database bucket (tests of other parts). */
  rateLimiter?: RateLimiter;
  /** Also start due scheduled campaigns on each pass (default true). */
  startScheduled?: boolean;
  /** Backoff for retryable SES errors, in milliseconds (defaults 100 and 20000). */
  backoff?: { baseMs: number; maxMs: number; maxRetries: number };
}

export interface SendWorker {
  id: string;
  stats: DeliveryStats;
  /** One pass: expire leases, start due campaigns, claim and send one batch. Returns rows claimed. */
  runOnce(): Promise<number>;
  /** Runs passes until nothing is left to claim (tests, the CLI's `--until-idle`). */
  drain(): Promise<void>;
  /** Runs passes until `stop()`, sleeping `config.sending.pollIntervalMs` when idle. */
  start(): void;
  /** Stops taking batches; rows claimed but not yet sent go back to `queued`. */
  stop(): Promise<void>;
}

interface ClaimedRow {
  id: string;
  campaign_id: string;
  subscriber_id: string;
  email: string;
}

interface CheckedRow {
  id: string;
  name: string;
  time_zone: string | null;
  subscriber_status: string;
  campaign_status: string;
  suppression: string | null;
  subscribed: boolean;
}

type Outcome =
  | { id: string; status: 'sent'; messageId: string }
  | { id: string; status: 'failed' | 'skipped'; reason: string }
  | { id: string; status: 'queued'; reason: string | null };

const defaultBackoff = { baseMs: 100, maxMs: 20_000, maxRetries: 10 };

export function createSendWorker(deps: Deps, options: SendWorkerOptions = {}): SendWorker {
  const id = options.workerId ?? `w-${randomUUID().slice(0, 8)}`;
  const stats = options.stats ?? deliveryStats;
  const loadRendered = options.loadRendered ?? renderedForSend;
  const backoff = options.backoff ?? defaultBackoff;
  const { batchSize, leaseSeconds, concurrency, pollIntervalMs } = deps.config.sending;
  const log = deps.logger.child({ worker: id });
  const rendered = new Map<string, RenderedCampaign>();
  let limiter: RateLimiter | undefined = options.rateLimiter;
  let stopping = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  const mailer = (): Mailer => {
    if (!deps.mailer) throw new Error('The send worker needs a mailer; this process was started without one.');
    return deps.mailer;
  };

  const rateLimiter = async (): Promise<RateLimiter> => {
    if (limiter) return limiter;
    const maxRate = await resolveMaxRate(deps.config.ses.maxSendRate, deps.mailer, log);
    limiter = await createRateLimiter(deps.db, {
      maxRate,
      rampUpDays: deps.config.sending.rampUpDays,
      onWait: (ms) => {
        stats.rateWaitMs += ms;
      },
    });
    log.info({ rate: limiter.rate, maxRate }, 'send rate set');
    return limiter;
  };

  const renderedFor = async (campaignId: string): Promise<RenderedCampaign> => {
    let value = rendered.get(campaignId);
    if (!value) {
      value = await loadRendered(deps, campaignId);
      rendered.set(campaignId, value);
    }
    return value;
  };

  const runOnce = async (): Promise<number> => {
    const expired = await expireLeases(deps);
    if (expired > 0) {
      stats.uncertain += expired;
      log.warn({ rows: expired }, 'leases expired mid-send; rows marked uncertain');
    }
    if (options.startScheduled !== false) await startDueCampaigns(deps, { loadRendered });

    const rows = await claimBatch(deps, id, batchSize, leaseSeconds);
    if (rows.length === 0) {
      await finishCampaigns(deps);
      return 0;
    }
    stats.batches += 1;
    stats.claimed += rows.length;

    // Extend the lease while this batch is worked on, so only a dead worker's rows expire. The
    // same beat notices a campaign paused or cancelled meanwhile, so the rest of the batch stops.
    const halted = new Set<string>();
    const heartbeat = setInterval(
      () => {
        extendLeases(deps, id, leaseSeconds)
          .then((stopped) => {
            for (const campaignId of stopped) halted.add(campaignId);
          })
          .catch((error: unknown) => log.error({ err: error }, 'extending leases failed'));
      },
      Math.max(500, (leaseSeconds * 1000) / 3),
    );
    try {
      await processBatch(rows, halted);
    } finally {
      clearInterval(heartbeat);
    }
    await finishCampaigns(deps);
    return rows.length;
  };

  const processBatch = async (rows: ClaimedRow[], halted: Set<string>): Promise<void> => {
    const outcomes: Outcome[] = [];
    const checks = await recheck(deps, rows);
    // Loaded before the topics, which are only read for a campaign that renders per topic.
    const campaigns = new Map<string, RenderedCampaign | Error>();
    for (const campaignId of new Set(rows.map((row) => row.campaign_id))) {
      campaigns.set(campaignId, await renderedFor(campaignId).catch((error: unknown) => error as Error));
    }
    const topics = await topicsFor(deps, rows, rendered);
    const pausedCampaigns = new Map<string, string>();
    const sendable: { row: ClaimedRow; check: CheckedRow }[] = [];

    for (const row of rows) {
      const check = checks.get(row.id);
      const reason = skipReason(check);
      if (check && check.campaign_status !== 'sending') {
        outcomes.push({ id: row.id, status: 'queued', reason: null });
      } else if (reason) {
        outcomes.push({ id: row.id, status: 'skipped', reason });
      } else {
        sendable.push({ row, check: check! });
      }
    }

    const rate = await rateLimiter();
    let next = 0;
    const sendOne = async (row: ClaimedRow, check: CheckedRow): Promise<Outcome> => {
      if (stopping || halted.has(row.campaign_id) || pausedCampaigns.has(row.campaign_id)) {
        return { id: row.id, status: 'queued', reason: null };
      }

      let message;
      try {
        const campaign = campaigns.get(row.campaign_id);
        if (campaign instanceof Error || campaign === undefined) throw campaign ?? new Error('campaign not loaded');
        message = await personalise(deps, campaign, {
          subscriberId: row.subscriber_id,
          email: row.email,
          name: check.name,
          topics: topics.get(row.subscriber_id),
          timeZone: check.time_zone,
        });
      } catch (error) {
        log.error({ err: error, campaignId: row.campaign_id, ledgerId: row.id }, 'building the message failed');
        return { id: row.id, status: 'failed', reason: `Building the message failed: ${(error as Error).message}` };
      }
      if (!message) return { id: row.id, status: 'skipped', reason: 'no content for this recipient' };

      for (let attempt = 0; ; attempt++) {
        if (stopping || halted.has(row.campaign_id) || pausedCampaigns.has(row.campaign_id)) {
          return { id: row.id, status: 'queued', reason: null };
        }
        await rate.acquire();
        try {
          const result = await mailer().send(message);
          return { id: row.id, status: 'sent', messageId: result.messageId };
        } catch (caught) {
          const error = caught instanceof SendError ? caught : new SendError(String((caught as Error)?.message ?? caught), 'retryable');
          if (error.kind === 'rejected') {
            log.warn({ ledgerId: row.id, to: maskEmail(row.email), code: error.providerCode }, 'message rejected');
            return { id: row.id, status: 'failed', reason: error.message };
          }
          if (error.kind === 'account_paused') {
            if (!pausedCampaigns.has(row.campaign_id)) {
              pausedCampaigns.set(row.campaign_id, error.message);
              await pauseForAccount(deps, row.campaign_id, error.message);
              log.error({ campaignId: row.campaign_id, err: error }, 'SES account sending is paused; campaign paused');
            }
            return { id: row.id, status: 'queued', reason: null };
          }
          stats.retries += 1;
          if (/throttl|toomanyrequests/i.test(error.providerCode ?? error.message)) stats.throttled += 1;
          if (attempt >= backoff.maxRetries) {
            log.warn({ ledgerId: row.id, err: error, attempts: attempt + 1 }, 'retries used up; row queued again');
            return { id: row.id, status: 'queued', reason: `Retried ${attempt + 1} times: ${error.message}` };
          }
          // Full jitter: a random wait up to the exponential cap spreads workers apart.
          const cap = Math.min(backoff.maxMs, backoff.baseMs * 2 ** attempt);
          await new Promise((resolve) => setTimeout(resolve, Math.random() * cap));
        }
      }
    };

    const lanes = Array.from({ length: Math.min(concurrency, sendable.length) }, async () => {
      while (next < sendable.length) {
        const item = sendable[next++]!;
        outcomes.push(await sendOne(item.row, item.check));
      }
    });
    await Promise.all(lanes);
    await writeOutcomes(deps, id, outcomes);

    for (const outcome of outcomes) {
      if (outcome.status === 'queued') stats.released += 1;
      else stats[outcome.status] += 1;
    }
  };

  const drain = async () => {
    while ((await runOnce()) > 0) {
      // Keep going until a pass claims nothing.
    }
  };

  return {
    id,
    stats,
    runOnce,
    drain,
    start() {
      if (loop) return;
      log.info({ batchSize, leaseSeconds, concurrency }, 'send worker started');
      loop = (async () => {
        while (!stopping) {
          let claimed = 0;
          try {
            claimed = await runOnce();
          } catch (error) {
            log.error({ err: error }, 'send worker pass failed; retrying after the poll interval');
          }
          if (claimed === 0 && !stopping) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, pollIntervalMs);
              wake = () => {
                clearTimeout(timer);
                resolve();
              };
            });
          }
        }
      })();
    },
    async stop() {
      stopping = true;
      wake?.();
      await loop;
      log.info(stats, 'send worker stopped');
    },
  };
}

/** Marks rows whose lease expired while `sending` as `uncertain`; returns how many. */
export async function expireLeases(deps: Deps): Promise<number> {
  const result = await sql`
    update ledger
    set status = 'uncertain',
        error = 'The lease of worker ' || coalesce(worker_id, '?') || ' expired while sending, so the message may or may not have been sent.',
        updated_at = now()
    where status = 'sending' and lease_until < now()
  `.execute(deps.db);
  return Number(result.numAffectedRows ?? 0);
}

/**
 * Claims up to `limit` queued rows of campaigns that are sending. SKIP LOCKED lets concurrent
 * workers take disjoint batches without waiting for each other; the lease is the database's
 * clock, so every process agrees on when it ends.
 */
async function claimBatch(deps: Deps, workerId: string, limit: number, leaseSeconds: number): Promise<ClaimedRow[]> {
  const result = await sql<ClaimedRow>`
    with picked as (
      select l.id
      from ledger l
      join campaigns c on c.id = l.campaign_id
      where l.status = 'queued' and c.status = 'sending'
      order by l.campaign_id, l.id
      limit ${limit}
      for update of l skip locked
    )
    update ledger
    set status = 'sending',
        worker_id = ${workerId},
        lease_until = now() + ${leaseSeconds} * interval '1 second',
        attempts = attempts + 1,
        updated_at = now()
    from picked
    where ledger.id = picked.id
    returning ledger.id, ledger.campaign_id, ledger.subscriber_id, ledger.email
  `.execute(deps.db);
  return result.rows;
}

/** Extends this worker's leases; returns the ids of its campaigns that are no longer sending. */
async function extendLeases(deps: Deps, workerId: string, leaseSeconds: number): Promise<string[]> {
  const result = await sql<{ campaign_id: string; campaign_status: string }>`
    with extended as (
      update ledger set lease_until = now() + ${leaseSeconds} * interval '1 second'
      where worker_id = ${workerId} and status = 'sending'
      returning campaign_id
    )
    select distinct c.id as campaign_id, c.status as campaign_status
    from extended e join campaigns c on c.id = e.campaign_id
  `.execute(deps.db);
  return result.rows.filter((row) => row.campaign_status !== 'sending').map((row) => String(row.campaign_id));
}

/**
 * Reads, for each claimed row, what decides whether it may still be sent. The list check uses
 * the campaign's list slugs; a campaign without lists (a segment or rule audience) accepts a
 * confirmed subscription to any list.
 */
async function recheck(deps: Deps, rows: ClaimedRow[]): Promise<Map<string, CheckedRow>> {
  const ids = rows.map((row) => row.id);
  const result = await sql<CheckedRow>`
    select l.id, s.name, s.attributes ->> 'timeZone' as time_zone, s.status as subscriber_status, c.status as campaign_status,
      (select sp.reason from suppressions sp where lower(sp.email) = lower(l.email) limit 1) as suppression,
      exists (
        select 1 from subscriptions sub join lists li on li.id = sub.list_id
        where sub.subscriber_id = l.subscriber_id and sub.status = 'confirmed'
          and (
            jsonb_array_length(coalesce(c.audience -> 'lists', '[]'::jsonb)) = 0
            or li.slug in (select jsonb_array_elements_text(c.audience -> 'lists'))
          )
      ) as subscribed
    from ledger l
    join subscribers s on s.id = l.subscriber_id
    join campaigns c on c.id = l.campaign_id
    where l.id in (${sql.join(ids)})
  `.execute(deps.db);
  return new Map(result.rows.map((row) => [String(row.id), row]));
}

function skipReason(check: CheckedRow | undefined): string | undefined {
  if (!check) return 'subscriber deleted';
  if (check.subscriber_status !== 'active') return `subscriber ${check.subscriber_status}`;
  if (check.suppression) return `suppressed (${check.suppression})`;
  if (!check.subscribed) return 'unsubscribed';
  return undefined;
}

/** Reads subscribers' topic slugs, only when a campaign in the batch renders per topic. */
async function topicsFor(
  deps: Deps,
  rows: ClaimedRow[],
  rendered: Map<string, RenderedCampaign>,
): Promise<Map<string, string[]>> {
  const perTopic = rows.some((row) => rendered.get(row.campaign_id)?.perTopic);
  const topics = new Map<string, string[]>();
  if (!perTopic) return topics;
  const result = await deps.db
    .selectFrom('subscriber_topics')
    .innerJoin('topics', 'topics.id', 'subscriber_topics.topic_id')
    .select(['subscriber_topics.subscriber_id', 'topics.slug'])
    .where('subscriber_topics.subscriber_id', 'in', rows.map((row) => row.subscriber_id))
    .execute();
  for (const row of result) {
    const list = topics.get(row.subscriber_id) ?? [];
    list.push(row.slug);
    topics.set(row.subscriber_id, list);
  }
  return topics;
}

/**
 * Writes a batch's outcomes in one statement. Only rows this worker still holds are written;
 * a `sent` outcome is also written over `uncertain`, because the message did go. A row handed
 * back unsent for a campaign cancelled meanwhile is `skipped`, as cancelling does to queued rows.
 */
async function writeOutcomes(deps: Deps, workerId: string, outcomes: Outcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  const values = outcomes.map((outcome) => {
    const messageId = outcome.status === 'sent' ? outcome.messageId : null;
    const reason = outcome.status === 'sent' ? null : outcome.reason;
    return sql`(${outcome.id}::bigint, ${outcome.status}::text, ${messageId}::text, ${reason}::text)`;
  });
  await sql`
    update ledger
    set status = case
          when v.status = 'queued' and exists (select 1 from campaigns c where c.id = ledger.campaign_id and c.status = 'cancelled')
            then 'skipped'
          else v.status
        end,
        ses_message_id = coalesce(v.message_id, ledger.ses_message_id),
        error = case
          when v.status = 'queued' and exists (select 1 from campaigns c where c.id = ledger.campaign_id and c.status = 'cancelled')
            then 'campaign cancelled'
          else v.reason
        end,
        sent_at = case when v.status = 'sent' then now() else ledger.sent_at end,
        lease_until = null,
        worker_id = case when v.status = 'queued' then null else ledger.worker_id end,
        attempts = case when v.status = 'queued' then greatest(0, ledger.attempts - 1) else ledger.attempts end,
        updated_at = now()
    from (values ${sql.join(values)}) as v(id, status, message_id, reason)
    where ledger.id = v.id
      and ledger.worker_id = ${workerId}
      and (ledger.status = 'sending' or (ledger.status = 'uncertain' and v.status = 'sent'))
  `.execute(deps.db);
}

async function pauseForAccount(deps: Deps, campaignId: string, reason: string): Promise<void> {
  await deps.db
    .updateTable('campaigns')
    .set({ status: 'paused', status_reason: `SES account sending is paused: ${reason}`, updated_at: deps.now() })
    .where('id', '=', campaignId)
    .where('status', '=', 'sending')
    .execute();
}

/**
 * Moves sending campaigns with nothing queued or in flight to `sent`. Uncertain rows do not
 * hold a campaign open; the status reason says how many wait for a staff decision.
 */
export async function finishCampaigns(deps: Deps): Promise<string[]> {
  const result = await sql<{ id: string }>`
    update campaigns c
    set status = 'sent',
        finished_at = now(),
        updated_at = now(),
        status_reason = (
          select case when count(*) > 0
            then count(*) || ' recipients are uncertain (a worker stopped mid-send); resend them or leave them.'
          end
          from ledger u where u.campaign_id = c.id and u.status = 'uncertain'
        )
    where c.status = 'sending'
      and not exists (select 1 from ledger l where l.campaign_id = c.id and l.status in ('queued', 'sending'))
    returning c.id
  `.execute(deps.db);
  for (const row of result.rows) deps.logger.info({ campaignId: row.id }, 'campaign sent');
  return result.rows.map((row) => String(row.id));
}
