/**
 * The per-campaign report: what happened to the mail after it left, from ledger outcomes,
 * the consent log and engagement events. People and machines (scanners, proxies) are counted
 * apart.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { CampaignStatus, Database } from '../db/schema.ts';
import { unsubscribedThrough } from '../campaigns/counts.ts';
import { NotFoundError } from '../errors.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface EngagementCounts {
  /** Distinct recipients. */
  unique: number;
  total: number;
}

export interface CampaignReport {
  campaignId: string;
  status: CampaignStatus;
  statusReason: string | null;
  clickTracking: boolean;
  sent: number;
  /** Messages that reached the mailbox (a complaint implies it did). */
  delivered: number;
  bounced: { hard: number; soft: number; total: number };
  complained: number;
  /** Recipients who unsubscribed through this campaign's links (complaints counted apart). */
  unsubscribed: number;
  opened: { people: EngagementCounts; machines: EngagementCounts };
  clicked: { people: EngagementCounts; machines: EngagementCounts };
  topLinks: { url: string; people: EngagementCounts; machines: number }[];
}

/** Builds the report of one campaign. */
export async function campaignReport(db: Executor, campaignId: string, options: { topLinks?: number } = {}): Promise<CampaignReport> {
  const campaign = await db
    .selectFrom('campaigns')
    .select(['id', 'status', 'status_reason', 'click_tracking'])
    .where('id', '=', campaignId)
    .executeTakeFirst();
  if (!campaign) throw new NotFoundError(`No campaign with id ${campaignId}.`);

  const ledger = await db
    .selectFrom('ledger')
    .select([
      (eb) => eb.fn.countAll<string>().filterWhere('status', '=', 'sent').as('sent'),
      (eb) => eb.fn.countAll<string>().filterWhere('outcome', 'in', ['delivered', 'complained']).as('delivered'),
      (eb) => eb.fn.countAll<string>().filterWhere('outcome', '=', 'bounced').as('hard'),
      (eb) => eb.fn.countAll<string>().filterWhere('outcome', '=', 'soft_bounced').as('soft'),
      (eb) => eb.fn.countAll<string>().filterWhere('outcome', '=', 'complained').as('complained'),
    ])
    .where('campaign_id', '=', campaignId)
    .executeTakeFirstOrThrow();


  const engagement = await db
    .selectFrom('engagement_events')
    .select([
      'kind',
      'is_machine',
      (eb) => eb.fn.countAll<string>().as('total'),
      sql<string>`count(distinct coalesce(subscriber_id::text, 'ledger:' || ledger_id::text))`.as('unique'),
    ])
    .where('campaign_id', '=', campaignId)
    .groupBy(['kind', 'is_machine'])
    .execute();
  const counts = (kind: 'open' | 'click', machine: boolean): EngagementCounts => {
    const row = engagement.find((entry) => entry.kind === kind && entry.is_machine === machine);
    return { unique: Number(row?.unique ?? 0), total: Number(row?.total ?? 0) };
  };

  const links = await db
    .selectFrom('engagement_events')
    .select([
      'url',
      (eb) => eb.fn.countAll<string>().filterWhere('is_machine', '=', false).as('people_total'),
      sql<string>`count(distinct coalesce(subscriber_id::text, 'ledger:' || ledger_id::text)) filter (where not is_machine)`.as(
        'people_unique',
      ),
      (eb) => eb.fn.countAll<string>().filterWhere('is_machine', '=', true).as('machines'),
    ])
    .where('campaign_id', '=', campaignId)
    .where('kind', '=', 'click')
    .where('url', 'is not', null)
    .groupBy('url')
    .orderBy(sql`count(*) filter (where not is_machine)`, 'desc')
    .orderBy('url')
    .limit(options.topLinks ?? 10)
    .execute();

  const hard = Number(ledger.hard);
  const soft = Number(ledger.soft);
  return {
    campaignId: campaign.id,
    status: campaign.status,
    statusReason: campaign.status_reason,
    clickTracking: campaign.click_tracking,
    sent: Number(ledger.sent),
    delivered: Number(ledger.delivered),
    bounced: { hard, soft, total: hard + soft },
    complained: Number(ledger.complained),
    unsubscribed: await unsubscribedThrough(db, campaignId),
    opened: { people: counts('open', false), machines: counts('open', true) },
    clicked: { people: counts('click', false), machines: counts('click', true) },
    topLinks: links.map((row) => ({
      url: row.url!,
      people: { unique: Number(row.people_unique), total: Number(row.people_total) },
      machines: Number(row.machines),
    })),
  };
}
