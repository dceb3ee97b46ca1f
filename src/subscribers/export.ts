/**
 * CSV export of subscribers, streamed: rows are read in pages of 1,000 by id (keyset paging, so
 * each page is an index range scan) and written as they arrive, whatever the list's size.
 */
import { stringify } from 'csv-stringify/sync';
import { sql } from 'kysely';
import { z } from 'zod';
import type { SubscriberStatus, SubscriptionStatus } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { resolveLists } from '../lists/lists.ts';
import { audienceQuery, resolveAudience } from '../segments/audience.ts';
import { subscriberFilter } from './subscribers.ts';

export const exportQuery = z.object({
  /** A list slug: its subscribers, with their status on that list. */
  list: z.string().trim().min(1).optional(),
  /** A segment id: its sendable audience (combined with `list` when both are given). */
  segment: z.string().trim().min(1).optional(),
  /** Only subscribers who would receive a send to `list` (confirmed, active, not suppressed). */
  sendable: z.enum(['true', 'false']).optional().transform((value) => value === 'true'),
  /** A subscription status (on `list` when given, else on any list) or a subscriber status. */
  status: z.enum(['active', 'blocklisted', 'unconfirmed', 'confirmed', 'unsubscribed']).optional(),
  /** A substring of the address or name, as in the search. */
  q: z.string().trim().max(200).optional(),
  /** The `country` attribute, exactly as stored. */
  country: z.string().trim().min(1).max(100).optional(),
  /** A topic slug. */
  topic: z.string().trim().min(1).optional(),
});

export type ExportQuery = z.output<typeof exportQuery>;

const pageSize = 1000;
const header = ['email', 'name', 'status', 'list_status', 'country', 'organisation', 'organisation_type', 'topics', 'attributes', 'created_at'];

interface ExportRow {
  id: string;
  email: string;
  name: string;
  status: SubscriberStatus;
  attributes: unknown;
  created_at: Date | string;
  list_status: SubscriptionStatus | null;
  topics: string | null;
}

/**
 * Returns the export as a stream of CSV bytes. Unknown list slugs throw before the stream
 * starts, so the caller still answers with an error.
 */
export async function exportSubscribersCsv(deps: Deps, query: ExportQuery): Promise<ReadableStream<Uint8Array>> {
  const [list] = query.list ? await resolveLists(deps.db, [query.list], { path: 'list' }) : [];
  // A saved segment is read once here (an unknown id throws before the stream starts).
  const audience =
    query.sendable || query.segment
      ? await resolveAudience(deps.db, { ...(query.list ? { lists: [query.list] } : {}), ...(query.segment ? { segment: query.segment } : {}) })
      : undefined;
  // The same filter as the search, so an export of a filtered console view has the same rows.
  const filter = await subscriberFilter(deps.db, { list: query.list, status: query.status, q: query.q, country: query.country, topic: query.topic });
  const encoder = new TextEncoder();
  const db = deps.db;
  let lastId = '0';
  let headerSent = false;

  const nextPage = async (): Promise<ExportRow[]> => {
    let q = db
      .selectFrom('subscribers')
      .select([
        'subscribers.id',
        'subscribers.email',
        'subscribers.name',
        'subscribers.status',
        'subscribers.attributes',
        'subscribers.created_at',
      ])
      .select((eb) => [
        list
          ? eb
              .selectFrom('subscriptions')
              .select('subscriptions.status')
              .whereRef('subscriptions.subscriber_id', '=', 'subscribers.id')
              .where('subscriptions.list_id', '=', list.id)
              .as('list_status')
          : sql<SubscriptionStatus | null>`null`.as('list_status'),
        eb
          .selectFrom('subscriber_topics')
          .innerJoin('topics', 'topics.id', 'subscriber_topics.topic_id')
          .select(sql<string>`string_agg(topics.slug, ' ' order by topics.slug)`.as('slugs'))
          .whereRef('subscriber_topics.subscriber_id', '=', 'subscribers.id')
          .as('topics'),
      ])
      .where(sql<boolean>`subscribers.id > ${lastId}::bigint`)
      .orderBy('subscribers.id')
      .limit(pageSize);
    if (audience) q = q.where('subscribers.id', 'in', audienceQuery(db, audience).clearSelect().select('subscribers.id'));
    q = q.where(filter);
    return (await q.execute()) as ExportRow[];
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(encoder.encode(stringify([header])));
        }
        const rows = await nextPage();
        if (rows.length === 0) {
          controller.close();
          return;
        }
        lastId = rows[rows.length - 1]!.id;
        controller.enqueue(encoder.encode(stringify(rows.map(toRecord))));
      } catch (error) {
        deps.logger.error({ err: error }, 'subscriber export failed');
        controller.error(error);
      }
    },
  });
}

function toRecord(row: ExportRow): string[] {
  const attributes = (typeof row.attributes === 'string' ? JSON.parse(row.attributes) : row.attributes) as Record<string, unknown>;
  const { country, organisation, organisationType, ...rest } = attributes;
  return [
    row.email,
    row.name,
    row.status,
    row.list_status ?? '',
    typeof country === 'string' ? country : '',
    typeof organisation === 'string' ? organisation : '',
    typeof organisationType === 'string' ? organisationType : '',
    row.topics ?? '',
    Object.keys(rest).length > 0 ? JSON.stringify(rest) : '',
    new Date(row.created_at).toISOString(),
  ];
}
