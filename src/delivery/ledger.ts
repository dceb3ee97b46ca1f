/**
 * The recipient ledger: one row per campaign and subscriber, written when a send starts and
 * walked by the workers. Rows move `queued → sending → sent | failed | skipped`; a lease that
 * expires mid-send makes a row `uncertain`; only a recorded staff resend (`controls.ts`) moves
 * failed or uncertain rows back to `queued`.
 */
import { sql, type Transaction } from 'kysely';
import type { CampaignStatus, Database, LedgerOutcome, LedgerStatus } from '../db/schema.ts';
import type { Db } from '../db/connect.ts';
import type { Deps } from '../deps.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { offsetOf, type Page } from '../http/pagination.ts';
import { audienceQuery, resolveAudience } from '../segments/audience.ts';
import { bodySizeWarning } from './personalise.ts';
import { renderedForSend, type RenderedLoader } from './rendered-source.ts';

export interface StartSendOptions {
  /** Who started it, for the audit log (`scheduler` for due scheduled campaigns). */
  actor?: string;
  loadRendered?: RenderedLoader;
}

export interface StartSendResult {
  campaignId: string;
  status: CampaignStatus;
  audienceSize: number;
  /** False when the send had already started (calling twice is harmless). */
  started: boolean;
  /** Problems found before sending, such as an HTML body Gmail would clip. */
  warnings: string[];
}

/**
 * Starts sending a draft or scheduled campaign: writes one ledger row per recipient of the
 * audience in a single `INSERT ... SELECT`, records the audience size and moves the campaign to
 * `sending`. Idempotent: a campaign already sending, paused or sent is returned as it is.
 */
export async function startSend(deps: Deps, campaignId: string, options: StartSendOptions = {}): Promise<StartSendResult> {
  // Fails with a 404 or 422 before anything is written when there is nothing to send.
  const rendered = await (options.loadRendered ?? renderedForSend)(deps, campaignId);
  const warning = bodySizeWarning(rendered);
  const warnings = warning ? [warning] : [];
  const log = deps.logger.child({ campaignId });

  const result = await deps.db.transaction().execute(async (trx) => {
    // The row lock serialises concurrent starts (staff and the scheduler loop, several processes).
    const campaign = await trx
      .selectFrom('campaigns')
      .select(['id', 'status', 'audience', 'audience_size'])
      .where('id', '=', campaignId)
      .forUpdate()
      .executeTakeFirst();
    if (!campaign) throw new NotFoundError(`Campaign ${campaignId} not found.`);
    if (campaign.status === 'sending' || campaign.status === 'paused' || campaign.status === 'sent') {
      return { campaignId, status: campaign.status, audienceSize: campaign.audience_size ?? 0, started: false, warnings };
    }
    if (campaign.status === 'cancelled') {
      throw new ConflictError(`Campaign ${campaignId} is cancelled and cannot be sent.`);
    }

    // The audience query already excludes inactive subscribers, suppressed addresses and anyone
    // without a confirmed subscription to one of the chosen lists. A saved segment is read
    // inside this transaction, so the ledger matches the segment as it is at the start.
    const audience = audienceQuery(trx, await resolveAudience(trx, campaign.audience));
    await trx
      .insertInto('ledger')
      .columns(['campaign_id', 'subscriber_id', 'email'])
      .expression(
        trx
          .selectFrom(audience.as('audience'))
          .select([sql<string>`${campaignId}::bigint`.as('campaign_id'), 'audience.subscriber_id', 'audience.email']),
      )
      .onConflict((conflict) => conflict.columns(['campaign_id', 'subscriber_id']).doNothing())
      .execute();
    const size = await countRows(trx, campaignId);

    await trx
      .updateTable('campaigns')
      .set({
        status: 'sending',
        audience_size: size,
        started_at: deps.now(),
        finished_at: null,
        status_reason: null,
        updated_at: deps.now(),
      })
      .where('id', '=', campaignId)
      .execute();
    await recordAudit(trx, options.actor ?? 'system', 'campaign.send', campaignId, { audienceSize: size, from: campaign.status });
    return { campaignId, status: 'sending' as const, audienceSize: size, started: true, warnings };
  });

  if (result.started) log.info({ audienceSize: result.audienceSize }, 'send started');
  for (const text of warnings) log.warn({ warning: text }, 'campaign flagged before sending');
  return result;
}

async function countRows(db: Db | Transaction<Database>, campaignId: string): Promise<number> {
  const row = await db
    .selectFrom('ledger')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('campaign_id', '=', campaignId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Appends a row to the staff audit log. */
export async function recordAudit(
  db: Db | Transaction<Database>,
  actor: string,
  action: string,
  campaignId: string,
  details: Record<string, unknown>,
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({ actor, action, target: `campaign:${campaignId}`, details })
    .execute();
}

/** Per-campaign counts of ledger rows, by send state and by feedback outcome. */
export interface SendCounts {
  audience: number;
  queued: number;
  sending: number;
  sent: number;
  failed: number;
  skipped: number;
  uncertain: number;
  delivered: number;
  softBounced: number;
  bounced: number;
  complained: number;
}

/** Counts a campaign's ledger rows by status and outcome. */
export async function sendCounts(db: Db, campaignId: string): Promise<SendCounts> {
  const rows = await db
    .selectFrom('ledger')
    .select(['status', 'outcome', (eb) => eb.fn.countAll<string>().as('count')])
    .where('campaign_id', '=', campaignId)
    .groupBy(['status', 'outcome'])
    .execute();
  const counts: SendCounts = {
    audience: 0,
    queued: 0,
    sending: 0,
    sent: 0,
    failed: 0,
    skipped: 0,
    uncertain: 0,
    delivered: 0,
    softBounced: 0,
    bounced: 0,
    complained: 0,
  };
  const outcomeKey: Record<LedgerOutcome, keyof SendCounts> = {
    delivered: 'delivered',
    soft_bounced: 'softBounced',
    bounced: 'bounced',
    complained: 'complained',
  };
  for (const row of rows) {
    const n = Number(row.count);
    counts.audience += n;
    counts[row.status] += n;
    if (row.outcome) counts[outcomeKey[row.outcome]] += n;
  }
  return counts;
}

export interface RecipientRow {
  id: string;
  subscriberId: string;
  email: string;
  status: LedgerStatus;
  outcome: LedgerOutcome | null;
  attempts: number;
  sesMessageId: string | null;
  /** Why the row failed, was skipped or is uncertain. */
  reason: string | null;
  sentAt: string | null;
  updatedAt: string;
}

export interface RecipientQuery {
  status?: LedgerStatus;
  /** Part of the address, case-insensitive. */
  q?: string;
  page: number;
  pageSize: number;
}

/** Lists a campaign's recipients with their send state, filtered and paged. */
export async function listRecipients(db: Db, campaignId: string, query: RecipientQuery): Promise<Page<RecipientRow>> {
  let base = db.selectFrom('ledger').where('campaign_id', '=', campaignId);
  if (query.status) base = base.where('status', '=', query.status);
  if (query.q) base = base.where(sql<boolean>`lower(email) like ${`%${escapeLike(query.q.toLowerCase())}%`}`);

  const total = await base.select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow();
  const rows = await base
    .selectAll()
    .orderBy('id')
    .limit(query.pageSize)
    .offset(offsetOf(query.page, query.pageSize))
    .execute();
  return {
    items: rows.map((row) => ({
      id: row.id,
      subscriberId: row.subscriber_id,
      email: row.email,
      status: row.status,
      outcome: row.outcome,
      attempts: row.attempts,
      sesMessageId: row.ses_message_id,
      reason: row.error,
      sentAt: row.sent_at ? new Date(row.sent_at).toISOString() : null,
      updatedAt: new Date(row.updated_at).toISOString(),
    })),
    total: Number(total.count),
    page: query.page,
    pageSize: query.pageSize,
  };
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (match) => `\\${match}`);
}
