/**
 * The fixed data set the segment tests run on: seven people with distinct attributes, lists,
 * topics, sign-up sources and dates, ledger outcomes, engagement (human and machine) and one
 * suppression, plus `hal`, whose every string value is a piece of SQL or a LIKE wildcard.
 */
import type { Db } from '../../src/db/connect.ts';

/** The clock every rule in these tests counts back from. */
export const NOW = new Date('2026-06-01T00:00:00Z');

export interface Person {
  name: string;
  status?: 'active' | 'blocklisted' | 'erased';
  source: string;
  createdAt: string;
  attributes: Record<string, unknown>;
  lists: Record<string, { status: 'confirmed' | 'unconfirmed' | 'unsubscribed'; confirmedAt?: string }>;
  topics: string[];
}

export const PEOPLE: Person[] = [
  {
    name: 'alice',
    source: 'form',
    createdAt: '2026-05-20T10:00:00Z',
    attributes: {
      country: 'FR',
      region: 'Europe',
      organisation: 'Ministry of Finance',
      organisationType: 'government',
      language: 'fr',
      seats: 12,
      memberSince: '2020-05-01',
      partner: true,
      sector: 'health',
    },
    lists: { news: { status: 'confirmed', confirmedAt: '2026-05-21T08:00:00Z' }, events: { status: 'unconfirmed' } },
    topics: ['digital-government', 'open-data'],
  },
  {
    name: 'bruno',
    source: 'event:forum-2025',
    createdAt: '2025-11-10T09:00:00Z',
    attributes: {
      country: 'DE',
      region: 'Europe',
      organisation: 'Open Knowledge',
      organisationType: 'ngo',
      language: 'de',
      seats: '7',
      partner: 'TRUE',
    },
    lists: {
      news: { status: 'confirmed', confirmedAt: '2025-11-11T09:00:00Z' },
      research: { status: 'confirmed', confirmedAt: '2025-11-12T00:00:00Z' },
    },
    topics: ['public-finance'],
  },
  {
    name: 'chen',
    source: 'event:forum-2025',
    createdAt: '2024-01-01T00:00:00Z',
    attributes: {
      country: 'KR',
      region: 'Asia',
      organisation: 'Seoul Digital Office',
      organisationType: 'government',
      language: 'ko',
    },
    lists: {
      news: { status: 'unsubscribed', confirmedAt: '2024-01-01T01:00:00Z' },
      events: { status: 'confirmed', confirmedAt: '2024-01-02T00:00:00Z' },
    },
    topics: ['digital-government'],
  },
  {
    name: 'dana',
    source: 'import',
    createdAt: '2023-06-15T12:00:00Z',
    attributes: {
      country: 'US',
      region: 'Americas',
      organisation: '100% Data_Lab',
      organisationType: 'academic',
      language: 'en',
      partner: false,
    },
    lists: { news: { status: 'confirmed', confirmedAt: '2023-06-15T12:05:00Z' } },
    topics: ['open-data'],
  },
  {
    name: 'emeka',
    source: 'api',
    createdAt: '2026-05-30T18:00:00Z',
    attributes: {
      country: 'NG',
      region: 'Africa',
      organisation: "O'Brien & Partners",
      organisationType: 'private',
      seats: 3.5,
      memberSince: 'not a date',
    },
    lists: { news: { status: 'unconfirmed' } },
    topics: [],
  },
  {
    name: 'farah',
    status: 'blocklisted',
    source: 'form',
    createdAt: '2025-01-01T00:00:00Z',
    attributes: {
      country: 'FR',
      region: 'Europe',
      organisation: 'Ville de Paris',
      organisationType: 'government',
      language: 'fr',
    },
    lists: { news: { status: 'confirmed', confirmedAt: '2025-01-01T00:10:00Z' } },
    topics: [],
  },
  {
    name: 'gus',
    source: 'api',
    createdAt: '2025-06-01T00:00:00Z',
    attributes: {},
    lists: { research: { status: 'confirmed', confirmedAt: '2025-06-02T00:00:00Z' } },
    topics: [],
  },
  {
    name: 'hal',
    source: '\\%',
    createdAt: '2025-02-02T00:00:00Z',
    attributes: {
      country: "'; drop table subscribers; --",
      region: '%',
      organisation: 'a%b_c\\d',
      organisationType: '_',
      language: '\\',
      sector: '"quoted"',
    },
    lists: { research: { status: 'unconfirmed' } },
    topics: [],
  },
];

export const EVERYONE = PEOPLE.map((person) => person.name);

/** Seeded ids by name (people, lists, topics, campaigns). */
export interface Seeded {
  people: Record<string, string>;
  campaigns: Record<string, string>;
}

export async function seed(db: Db): Promise<Seeded> {
  const lists: Record<string, string> = {};
  for (const slug of ['news', 'events', 'research']) {
    const row = await db.insertInto('lists').values({ slug, name: slug }).returning('id').executeTakeFirstOrThrow();
    lists[slug] = row.id;
  }
  const topics: Record<string, string> = {};
  for (const slug of ['digital-government', 'public-finance', 'open-data']) {
    const row = await db.insertInto('topics').values({ slug, name: slug }).returning('id').executeTakeFirstOrThrow();
    topics[slug] = row.id;
  }

  const people: Record<string, string> = {};
  for (const person of PEOPLE) {
    const row = await db
      .insertInto('subscribers')
      .values({
        email: `${person.name}@example.org`,
        name: person.name,
        status: person.status ?? 'active',
        source: person.source,
        attributes: person.attributes,
        created_at: person.createdAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    people[person.name] = row.id;
    for (const [slug, subscription] of Object.entries(person.lists)) {
      await db
        .insertInto('subscriptions')
        .values({
          subscriber_id: row.id,
          list_id: lists[slug]!,
          status: subscription.status,
          confirmed_at: subscription.confirmedAt ?? null,
        })
        .execute();
    }
    for (const slug of person.topics) {
      await db.insertInto('subscriber_topics').values({ subscriber_id: row.id, topic_id: topics[slug]! }).execute();
    }
  }

  await db
    .insertInto('suppressions')
    .values({ email: 'dana@example.org', email_hash: 'hash-of-dana', reason: 'manual' })
    .execute();

  const campaigns: Record<string, string> = {};
  const starts: Record<string, string | null> = {
    c1: '2026-03-01T09:00:00Z',
    c2: '2026-04-01T09:00:00Z',
    c3: '2026-05-25T09:00:00Z',
    c4: null,
  };
  for (const [key, startedAt] of Object.entries(starts)) {
    const row = await db
      .insertInto('campaigns')
      .values({ subject: key, status: startedAt ? 'sent' : 'draft', started_at: startedAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    campaigns[key] = row.id;
  }

  const ledger: [string, string, 'delivered' | 'soft_bounced' | 'bounced'][] = [
    ['c1', 'bruno', 'delivered'],
    ['c1', 'dana', 'bounced'],
    ['c1', 'gus', 'soft_bounced'],
    ['c2', 'bruno', 'soft_bounced'],
    ['c2', 'dana', 'soft_bounced'],
    ['c2', 'gus', 'soft_bounced'],
    ['c3', 'alice', 'delivered'],
    ['c3', 'chen', 'delivered'],
    ['c3', 'gus', 'soft_bounced'],
  ];
  for (const [campaign, person, outcome] of ledger) {
    await db
      .insertInto('ledger')
      .values({
        campaign_id: campaigns[campaign]!,
        subscriber_id: people[person]!,
        email: `${person}@example.org`,
        status: 'sent',
        outcome,
        sent_at: starts[campaign]!,
      })
      .execute();
  }

  const events: [string, string, 'open' | 'click', boolean, string][] = [
    ['c3', 'alice', 'open', false, '2026-05-26T07:00:00Z'],
    ['c1', 'bruno', 'click', false, '2026-03-02T10:00:00Z'],
    ['c3', 'chen', 'open', true, '2026-05-26T07:00:00Z'],
    ['c1', 'gus', 'click', false, '2026-03-02T10:00:00Z'],
    ['c1', 'gus', 'open', true, '2026-03-01T09:00:05Z'],
  ];
  for (const [campaign, person, kind, isMachine, at] of events) {
    await db
      .insertInto('engagement_events')
      .values({
        campaign_id: campaigns[campaign]!,
        subscriber_id: people[person]!,
        kind,
        is_machine: isMachine,
        created_at: at,
      })
      .execute();
  }
  return { people, campaigns };
}
