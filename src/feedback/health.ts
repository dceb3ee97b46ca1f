/**
 * Sending health: when notifications last arrived per SNS topic, and the bounce and complaint
 * rates that mailbox providers and SES act on. SES puts an account under review from a 5%
 * bounce or 0.1% complaint rate and may pause its sending from a 10% bounce rate. Gmail's 2024
 * bulk-sender guidelines ask for spam complaints below 0.1% and never at 0.3%. Gazette warns as
 * a rate nears the lower threshold. A sending campaign whose own complaint rate passes
 * `COMPLAINT_PAUSE_RATE` pauses itself.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database, FeedbackEventKind } from '../db/schema.ts';
import type { Deps } from '../deps.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export const rateThresholds = {
  complaint: { review: 0.001, enforcement: 0.003 },
  bounce: { review: 0.05, enforcement: 0.1 },
} as const;

/** Level of a rate against its thresholds; `approaching` starts at 80% of the review threshold. */
export type RateLevel = 'ok' | 'approaching' | 'warning' | 'critical';

export interface RateHealth {
  count: number;
  /** Per sent message; null when nothing was sent in the window. */
  rate: number | null;
  level: RateLevel;
  reviewThreshold: number;
  enforcementThreshold: number;
}

export interface TopicHealth {
  topicArn: string;
  configured: boolean;
  lastNotificationAt: string | null;
  notifications: number;
}

export interface FeedbackHealth {
  status: RateLevel;
  windowDays: number;
  since: string;
  lastNotificationAt: string | null;
  topics: TopicHealth[];
  sends: number;
  bounces: RateHealth;
  complaints: RateHealth;
  warnings: string[];
}

/** Returns the level of a rate against a pair of thresholds. */
export function rateLevel(rate: number | null, thresholds: { review: number; enforcement: number }): RateLevel {
  if (rate === null) return 'ok';
  if (rate >= thresholds.enforcement) return 'critical';
  if (rate >= thresholds.review) return 'warning';
  // 80% of the review threshold, compared as whole multiples so 0.04 against 5% is not lost
  // to floating-point rounding (0.05 * 0.8 is 0.04000000000000001).
  if (rate * 5 >= thresholds.review * 4) return 'approaching';
  return 'ok';
}

/**
 * Counts feedback events by kind between `since` (inclusive) and `until` (exclusive): the
 * figures metrics export (hard_bounce, soft_bounce, complaint, delivery...).
 */
export async function countFeedback(
  db: Executor,
  range: { since?: Date; until?: Date } = {},
): Promise<Record<FeedbackEventKind, number>> {
  let query = db.selectFrom('feedback_events').select(['kind', (eb) => eb.fn.countAll<string>().as('count')]).groupBy('kind');
  if (range.since) query = query.where('occurred_at', '>=', range.since);
  if (range.until) query = query.where('occurred_at', '<', range.until);
  const rows = await query.execute();
  const counts: Record<FeedbackEventKind, number> = {
    hard_bounce: 0,
    soft_bounce: 0,
    uncounted_bounce: 0,
    suppressed_bounce: 0,
    complaint: 0,
    suppressed_complaint: 0,
    delivery: 0,
    delivery_delay: 0,
    reject: 0,
    rendering_failure: 0,
  };
  for (const row of rows) counts[row.kind] = Number(row.count);
  return counts;
}

/** Counts messages sent since a time: campaign ledger rows plus other recorded mail. */
export async function countSends(db: Executor, since: Date): Promise<number> {
  const ledger = await db
    .selectFrom('ledger')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('status', '=', 'sent')
    .where('sent_at', '>=', since)
    .executeTakeFirstOrThrow();
  const other = await db
    .selectFrom('sent_messages')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('sent_at', '>=', since)
    .executeTakeFirstOrThrow();
  return Number(ledger.count) + Number(other.count);
}

/**
 * Returns the sending health over the last `windowDays` days. Bounce rate counts hard bounces
 * only, as SES does; bounces of addresses already on the account suppression list are left out.
 */
export async function feedbackHealth(
  db: Executor,
  options: { topicArns: string[]; now: Date; windowDays?: number },
): Promise<FeedbackHealth> {
  const windowDays = options.windowDays ?? 30;
  const since = new Date(options.now.getTime() - windowDays * 86_400_000);

  const topicRows = await db
    .selectFrom('feedback_notifications')
    .select([
      'topic_arn',
      (eb) => eb.fn.max('received_at').as('last'),
      (eb) => eb.fn.countAll<string>().filterWhere('received_at', '>=', since).as('recent'),
    ])
    .groupBy('topic_arn')
    .execute();
  const seen = new Map(topicRows.map((row) => [row.topic_arn, row]));
  const topicArns = [...new Set([...options.topicArns, ...topicRows.map((row) => row.topic_arn).filter((arn) => arn !== null)])];
  const topics: TopicHealth[] = topicArns.map((topicArn) => {
    const row = seen.get(topicArn);
    return {
      topicArn,
      configured: options.topicArns.includes(topicArn),
      lastNotificationAt: row?.last ? new Date(row.last).toISOString() : null,
      notifications: Number(row?.recent ?? 0),
    };
  });
  const lastTimes = topicRows.map((row) => (row.last ? new Date(row.last).getTime() : 0));
  const lastNotificationAt = lastTimes.length > 0 && Math.max(...lastTimes) > 0 ? new Date(Math.max(...lastTimes)).toISOString() : null;

  const sends = await countSends(db, since);
  const counts = await countFeedback(db, { since });
  const bounces = rateHealth(counts.hard_bounce, sends, rateThresholds.bounce);
  const complaints = rateHealth(counts.complaint, sends, rateThresholds.complaint);

  const warnings: string[] = [];
  for (const topic of topics) {
    if (topic.configured && topic.lastNotificationAt === null) {
      warnings.push(`No notification has arrived from ${topic.topicArn} yet: check that its SNS subscription is confirmed.`);
    }
  }
  if (options.topicArns.length === 0) {
    warnings.push('SNS_TOPIC_ARNS is empty, so the webhook accepts no notification.');
  }
  warnings.push(...rateWarnings('bounce', bounces), ...rateWarnings('complaint', complaints));

  const levels: RateLevel[] = ['ok', 'approaching', 'warning', 'critical'];
  const status = levels[Math.max(levels.indexOf(bounces.level), levels.indexOf(complaints.level))]!;
  return {
    status,
    windowDays,
    since: since.toISOString(),
    lastNotificationAt,
    topics,
    sends,
    bounces,
    complaints,
    warnings,
  };
}

function rateHealth(count: number, sends: number, thresholds: { review: number; enforcement: number }): RateHealth {
  const rate = sends > 0 ? count / sends : null;
  return {
    count,
    rate,
    level: rateLevel(rate, thresholds),
    reviewThreshold: thresholds.review,
    enforcementThreshold: thresholds.enforcement,
  };
}

function rateWarnings(what: 'bounce' | 'complaint', health: RateHealth): string[] {
  if (health.rate === null || health.level === 'ok') return [];
  const percent = (value: number) => `${(value * 100).toFixed(what === 'bounce' ? 1 : 2)}%`;
  const rate = percent(health.rate);
  switch (health.level) {
    case 'approaching':
      return [`The ${what} rate is ${rate}, approaching ${percent(health.reviewThreshold)}, where SES reviews the account.`];
    case 'warning':
      return [`The ${what} rate is ${rate}, above ${percent(health.reviewThreshold)}: SES may review the account.`];
    case 'critical':
      return [`The ${what} rate is ${rate}, above ${percent(health.enforcementThreshold)}: SES and mailbox providers may stop accepting mail.`];
    default:
      return [];
  }
}

/**
 * Pauses a sending campaign whose complaint rate (complained ledger rows per sent row) is above
 * `config.feedback.complaintPauseRate`, once it has at least `complaintPauseMinSends` sent rows.
 * The send worker reads `campaigns.status` before each batch, so the pause stops the send.
 * Returns true when this call paused it.
 */
export async function pauseIfComplaintRateExceeded(
  db: Executor,
  deps: Pick<Deps, 'config' | 'logger' | 'now'>,
  campaignId: string,
): Promise<boolean> {
  const { complaintPauseRate, complaintPauseMinSends } = deps.config.feedback;
  const counts = await db
    .selectFrom('ledger')
    .select([
      (eb) => eb.fn.countAll<string>().filterWhere('status', '=', 'sent').as('sent'),
      (eb) => eb.fn.countAll<string>().filterWhere('outcome', '=', 'complained').as('complained'),
    ])
    .where('campaign_id', '=', campaignId)
    .executeTakeFirstOrThrow();
  const sent = Number(counts.sent);
  const complained = Number(counts.complained);
  if (sent < complaintPauseMinSends) return false;
  const rate = complained / sent;
  if (rate <= complaintPauseRate) return false;

  const reason = `Paused automatically: complaint rate ${(rate * 100).toFixed(2)}% (${complained} of ${sent} sent) is above ${(complaintPauseRate * 100).toFixed(2)}%.`;
  const paused = await db
    .updateTable('campaigns')
    .set({ status: 'paused', status_reason: reason, updated_at: deps.now() })
    .where('id', '=', campaignId)
    .where('status', '=', 'sending')
    .returning('id')
    .executeTakeFirst();
  if (!paused) return false;
  await db
    .insertInto('audit_log')
    .values({
      actor: 'feedback',
      action: 'campaign.paused',
      target: `campaign:${campaignId}`,
      details: JSON.stringify({ reason, sent, complained, limit: complaintPauseRate }),
    })
    .execute();
  deps.logger.warn({ campaignId, sent, complained, rate }, 'campaign paused: complaint rate above the limit');
  return true;
}
