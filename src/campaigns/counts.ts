/**
 * Campaign counts, read from the recipient ledger. Before a send has written the ledger, the
 * audience is counted from the audience query instead.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { AudienceSpec, Database } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { countAudience } from '../segments/audience.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface CampaignCounts {
  audience: number;
  queued: number;
  sent: number;
  failed: number;
  uncertain: number;
  bounced: number;
  complained: number;
  unsubscribed: number;
}

/** Returns the counts of one campaign; `unsubscribed` is `unsubscribedThrough`. */
export async function campaignCounts(db: Executor, campaignId: string): Promise<CampaignCounts> {
  const campaign = await db
    .selectFrom('campaigns')
    .select(['id', 'audience', 'audience_size'])
    .where('id', '=', campaignId)
    .executeTakeFirst();
  if (!campaign) throw new NotFoundError(`No campaign with id ${campaignId}.`);

  // One pass over the campaign's ledger rows (the (campaign_id, status) index serves it).
  const ledger = await db
    .selectFrom('ledger')
    .select([
      sql<string>`count(*)`.as('total'),
      sql<string>`count(*) filter (where status in ('queued', 'sending'))`.as('queued'),
      sql<string>`count(*) filter (where status = 'sent')`.as('sent'),
      sql<string>`count(*) filter (where status = 'failed')`.as('failed'),
      sql<string>`count(*) filter (where status = 'uncertain')`.as('uncertain'),
      sql<string>`count(*) filter (where outcome = 'bounced')`.as('bounced'),
      sql<string>`count(*) filter (where outcome = 'complained')`.as('complained'),
    ])
    .where('campaign_id', '=', campaignId)
    .executeTakeFirstOrThrow();

  const total = Number(ledger.total);
  const audience =
    total > 0 ? total : (campaign.audience_size ?? (await countAudience(db, campaign.audience as AudienceSpec)));
  return {
    audience,
    queued: Number(ledger.queued),
    sent: Number(ledger.sent),
    failed: Number(ledger.failed),
    uncertain: Number(ledger.uncertain),
    bounced: Number(ledger.bounced),
    complained: Number(ledger.complained),
    unsubscribed: await unsubscribedThrough(db, campaignId),
  };
}

/**
 * Counts the people who unsubscribed through one campaign's links: consent-log unsubscriptions
 * whose details name the campaign (`details.campaignId`, as the unsubscribe link of each copy
 * records it), each person once, complaints left out (they are counted as complaints).
 */
export async function unsubscribedThrough(db: Executor, campaignId: string): Promise<number> {
  const row = await db
    .selectFrom('consent_log')
    .select(sql<string>`count(distinct subscriber_id)`.as('count'))
    .where('action', '=', 'unsubscribed')
    .where('source', '<>', 'complaint')
    .where(sql<boolean>`details->>'campaignId' = ${campaignId}`)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
