/**
 * Opens and clicks, from SES event publishing (Open, Click) or from Gazette's own redirect
 * links. Each is stored in `engagement_events` and flagged `is_machine` when a link scanner or
 * mail proxy made it rather than a person.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';

type Executor = Kysely<Database> | Transaction<Database>;

/** Hits this soon after delivery are security scanners following every link, not readers. */
export const machineWindowMs = 10_000;

// User agents of link scanners, security gateways, image proxies, previewers and HTTP
// libraries. Apple Mail Privacy Protection fetches with the bare "Mozilla/5.0".
const machineAgents: RegExp[] = [
  /GoogleImageProxy/i,
  /YahooMailProxy/i,
  /\bbot\b|bot\/|crawler|spider|slurp/i,
  /Barracuda/i,
  /Mimecast/i,
  /Proofpoint|urldefense/i,
  /MessageLabs|Symantec/i,
  /IronPort|Cisco/i,
  /Trend ?Micro/i,
  /Forcepoint|Websense/i,
  /FireEye|Trellix/i,
  /Sophos/i,
  /SafeLinks|Microsoft Defender/i,
  /facebookexternalhit|LinkedInBot|Slackbot|Twitterbot|WhatsApp|TelegramBot|Discordbot/i,
  /bingpreview|Google-Read-Aloud|Google Web Preview/i,
  /HeadlessChrome|PhantomJS|Puppeteer|Playwright/i,
  /python-requests|python-urllib|aiohttp|curl\/|Wget|Go-http-client|Java\/|okhttp|libwww-perl|node-fetch|undici|axios/i,
];

/** Returns true when a user agent belongs to a scanner or proxy (an empty one counts as a machine). */
export function isMachineUserAgent(userAgent: string | null | undefined): boolean {
  const agent = userAgent?.trim();
  if (!agent || agent === 'Mozilla/5.0') return true;
  return machineAgents.some((pattern) => pattern.test(agent));
}

/** Returns true when a hit came too soon after delivery for a person to have made it. */
export function isTooSoon(at: Date, deliveredAt: Date | undefined): boolean {
  if (!deliveredAt) return false;
  const elapsed = at.getTime() - deliveredAt.getTime();
  return elapsed < machineWindowMs;
}

export interface EngagementInput {
  kind: 'open' | 'click';
  source: 'ses' | 'redirect';
  campaignId?: string;
  subscriberId?: string;
  ledgerId?: string;
  url?: string;
  userAgent?: string | null;
  at: Date;
  /** When the message reached the mailbox (or was sent, when no delivery was reported). */
  deliveredAt?: Date;
}

/** Stores one open or click and returns whether it was counted as a machine. */
export async function recordEngagement(db: Executor, input: EngagementInput): Promise<{ isMachine: boolean }> {
  const isMachine = isMachineUserAgent(input.userAgent) || isTooSoon(input.at, input.deliveredAt);
  await db
    .insertInto('engagement_events')
    .values({
      kind: input.kind,
      source: input.source,
      campaign_id: input.campaignId ?? null,
      subscriber_id: input.subscriberId ?? null,
      ledger_id: input.ledgerId ?? null,
      url: input.url ?? null,
      user_agent: input.userAgent?.slice(0, 1000) ?? null,
      is_machine: isMachine,
      created_at: input.at,
    })
    .execute();
  return { isMachine };
}

/** Returns when a message was delivered, from its Delivery notification, if one arrived. */
export async function deliveredAt(db: Executor, sesMessageId: string): Promise<Date | undefined> {
  const row = await db
    .selectFrom('feedback_events')
    .select('occurred_at')
    .where('ses_message_id', '=', sesMessageId)
    .where('kind', '=', 'delivery')
    .orderBy('occurred_at')
    .executeTakeFirst();
  return row?.occurred_at;
}

/** A subscriber's mail and engagement totals, as the console's subscriber page shows them. */
export interface SubscriberEngagement {
  /** Campaign messages sent to the subscriber (test sends excluded). */
  sent: number;
  lastSentAt: Date | null;
  bounced: number;
  complained: number;
  /** Opens and clicks made by a person; scanner and proxy hits are left out. */
  opens: number;
  clicks: number;
  lastEngagedAt: Date | null;
}

/** Counts a subscriber's sends, bounces, complaints, opens and clicks. */
export async function subscriberEngagement(db: Executor, subscriberId: string): Promise<SubscriberEngagement> {
  const [sends, events] = await Promise.all([
    db
      .selectFrom('ledger')
      .select([
        sql<string>`count(*) filter (where status = 'sent')`.as('sent'),
        sql<Date | string | null>`max(sent_at)`.as('last_sent_at'),
        sql<string>`count(*) filter (where outcome = 'bounced')`.as('bounced'),
        sql<string>`count(*) filter (where outcome = 'complained')`.as('complained'),
      ])
      .where('subscriber_id', '=', subscriberId)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('engagement_events')
      .select([
        sql<string>`count(*) filter (where kind = 'open')`.as('opens'),
        sql<string>`count(*) filter (where kind = 'click')`.as('clicks'),
        sql<Date | string | null>`max(created_at)`.as('last_at'),
      ])
      .where('subscriber_id', '=', subscriberId)
      .where('is_machine', '=', false)
      .executeTakeFirstOrThrow(),
  ]);
  const time = (value: Date | string | null) => (value === null ? null : new Date(value));
  return {
    sent: Number(sends.sent),
    lastSentAt: time(sends.last_sent_at),
    bounced: Number(sends.bounced),
    complained: Number(sends.complained),
    opens: Number(events.opens),
    clicks: Number(events.clicks),
    lastEngagedAt: time(events.last_at),
  };
}
