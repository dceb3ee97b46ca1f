/**
 * Builds the rows a sending test needs: a list, subscribers with subscriptions, and a campaign
 * whose stored html and text carry merge fields.
 */
import { mergeFields } from '../../src/campaigns/merge-fields.ts';
import type { Db } from '../../src/db/connect.ts';
import type { SubscriptionStatus } from '../../src/db/schema.ts';

export interface SeedSubscriber {
  email: string;
  name?: string;
  status?: SubscriptionStatus;
  subscriberStatus?: 'active' | 'blocklisted' | 'erased';
}

export async function createList(db: Db, slug = 'monthly', name = 'Monthly news'): Promise<string> {
  const row = await db.insertInto('lists').values({ slug, name }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/** Inserts subscribers subscribed to `listId`; returns their ids in order. */
export async function addSubscribers(db: Db, listId: string, people: SeedSubscriber[]): Promise<string[]> {
  if (people.length === 0) return [];
  const rows = await db
    .insertInto('subscribers')
    .values(people.map((person) => ({ email: person.email, name: person.name ?? '', status: person.subscriberStatus ?? 'active', attributes: {} })))
    .returning('id')
    .execute();
  await db
    .insertInto('subscriptions')
    .values(rows.map((row, i) => ({ subscriber_id: row.id, list_id: listId, status: people[i]!.status ?? 'confirmed' })))
    .execute();
  return rows.map((row) => row.id);
}

/** Inserts `count` confirmed subscribers named r0…r(count-1)@example.org, in one statement. */
export async function addManySubscribers(db: Db, listId: string, count: number, prefix = 'r'): Promise<void> {
  const people = Array.from({ length: count }, (_, i) => ({ email: `${prefix}${i}@example.org`, name: `Reader ${i}` }));
  for (let start = 0; start < people.length; start += 1000) {
    await addSubscribers(db, listId, people.slice(start, start + 1000));
  }
}

export interface CampaignSeed {
  subject?: string;
  lists?: string[];
  html?: string;
  text?: string;
  status?: 'draft' | 'scheduled';
  sendAt?: Date;
  compose?: Record<string, unknown>;
}

export async function createCampaign(db: Db, seed: CampaignSeed = {}): Promise<string> {
  const row = await db
    .insertInto('campaigns')
    .values({
      subject: seed.subject ?? 'Governance forum: June issue',
      audience: { lists: seed.lists ?? ['monthly'] },
      compose: seed.compose ?? {},
      html:
        seed.html ??
        `<p>Dear ${mergeFields.name},</p><p>News.</p><p><a href="${mergeFields.unsubscribeUrl}">Unsubscribe</a> · <a href="${mergeFields.preferencesUrl}">Preferences</a></p>`,
      text: seed.text ?? `Dear ${mergeFields.name},\n\nNews.\n\nUnsubscribe: ${mergeFields.unsubscribeUrl}\n`,
      status: seed.status ?? 'draft',
      send_at: seed.sendAt ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function ledgerStatuses(db: Db, campaignId: string): Promise<Record<string, string>> {
  const rows = await db.selectFrom('ledger').select(['email', 'status']).where('campaign_id', '=', campaignId).execute();
  return Object.fromEntries(rows.map((row) => [row.email, row.status]));
}
