/**
 * The figures the dashboard shows, each one query: subscribers over time, the last issues with
 * their results, and bounce and complaint health over the last 30 days.
 */
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';

export interface WeekCount {
  weekStart: Date;
  count: number;
}

/** New subscribers per week for the last `weeks` weeks (weeks start on Monday, UTC). */
export async function subscribersPerWeek(db: Db, now: Date, weeks = 12): Promise<WeekCount[]> {
  const start = new Date(now.getTime() - weeks * 7 * 86_400_000);
  const rows = await db
    .selectFrom('subscribers')
    .select([sql<Date>`date_trunc('week', created_at)`.as('week'), sql<string>`count(*)`.as('n')])
    .where('created_at', '>=', start)
    .where('status', '!=', 'erased')
    .groupBy(sql`date_trunc('week', created_at)`)
    .execute();
  const counts = new Map(rows.map((row) => [new Date(row.week).toISOString().slice(0, 10), Number(row.n)]));
  const result: WeekCount[] = [];
  const monday = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
  for (let i = weeks - 1; i >= 0; i--) {
    const week = new Date(monday.getTime() - i * 7 * 86_400_000);
    result.push({ weekStart: week, count: counts.get(week.toISOString().slice(0, 10)) ?? 0 });
  }
  return result;
}

export interface Totals {
  activeSubscribers: number;
  confirmedSubscriptions: number;
  lists: number;
  suppressed: number;
}

export async function totals(db: Db): Promise<Totals> {
  const row = await db
    .selectNoFrom([
      sql<string>`(select count(*) from subscribers where status = 'active')`.as('active'),
      sql<string>`(select count(*) from subscriptions where status = 'confirmed')`.as('confirmed'),
      sql<string>`(select count(*) from lists)`.as('lists'),
      sql<string>`(select count(*) from suppressions)`.as('suppressed'),
    ])
    .executeTakeFirstOrThrow();
  return {
    activeSubscribers: Number(row.active),
    confirmedSubscriptions: Number(row.confirmed),
    lists: Number(row.lists),
    suppressed: Number(row.suppressed),
  };
}

export interface IssueResult {
  id: string;
  subject: string;
  status: string;
  finishedAt: Date | null;
  sendAt: Date | null;
  recipients: number;
  sent: number;
  failed: number;
  bounced: number;
  complained: number;
}

/** The last `limit` issues that were sent or are going out, with their ledger counts. */
export async function recentIssues(db: Db, limit = 5): Promise<IssueResult[]> {
  const rows = await db
    .selectFrom('campaigns')
    .leftJoin('ledger', 'ledger.campaign_id', 'campaigns.id')
    .select([
      'campaigns.id',
      'campaigns.subject',
      'campaigns.status',
      'campaigns.finished_at',
      'campaigns.send_at',
      sql<string>`count(ledger.id)`.as('recipients'),
      sql<string>`count(*) filter (where ledger.status = 'sent')`.as('sent'),
      sql<string>`count(*) filter (where ledger.status in ('failed', 'uncertain'))`.as('failed'),
      sql<string>`count(*) filter (where ledger.outcome = 'bounced')`.as('bounced'),
      sql<string>`count(*) filter (where ledger.outcome = 'complained')`.as('complained'),
    ])
    .where('campaigns.status', 'in', ['sending', 'paused', 'sent', 'scheduled'])
    .groupBy('campaigns.id')
    .orderBy(sql`coalesce(campaigns.finished_at, campaigns.started_at, campaigns.send_at, campaigns.created_at)`, 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    subject: row.subject,
    status: row.status,
    finishedAt: row.finished_at,
    sendAt: row.send_at,
    recipients: Number(row.recipients),
    sent: Number(row.sent),
    failed: Number(row.failed),
    bounced: Number(row.bounced),
    complained: Number(row.complained),
  }));
}
