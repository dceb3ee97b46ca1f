/**
 * The audience of a send: subscribers who may receive a campaign, as one SQL query that the
 * ledger, digests, exports and counts all share.
 *
 * Always excluded: subscribers who are not active, addresses on the suppression list, and
 * anyone without a confirmed subscription to one of the chosen lists.
 */
import { sql, type Kysely, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { AudienceSpec, Database } from '../db/schema.ts';

type Executor = Kysely<Database> | Transaction<Database>;

/** The columns an audience query selects. */
export interface AudienceRow {
  subscriber_id: string;
  email: string;
  name: string;
}

/**
 * Returns a query selecting `subscriber_id, email, name` for every sendable subscriber in the
 * audience. List slugs are resolved inside the query; an unknown slug matches nobody.
 */
export function audienceQuery(
  db: Executor,
  audience: AudienceSpec,
): SelectQueryBuilder<Database, 'subscribers', AudienceRow> {
  const lists = audience.lists ?? [];
  let query = db
    .selectFrom('subscribers')
    .select(['subscribers.id as subscriber_id', 'subscribers.email', 'subscribers.name'])
    .where('subscribers.status', '=', 'active')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('suppressions')
            .select(sql`1`.as('one'))
            .where(sql<boolean>`lower(suppressions.email) = lower(subscribers.email)`),
        ),
      ),
    );

  // TODO: segments and inline rules narrow this further once the rule compiler lands.
  query = query.where(({ exists, selectFrom }) =>
    exists(
      selectFrom('subscriptions')
        .innerJoin('lists', 'lists.id', 'subscriptions.list_id')
        .select(sql`1`.as('one'))
        .whereRef('subscriptions.subscriber_id', '=', 'subscribers.id')
        .where('subscriptions.status', '=', 'confirmed')
        .where('lists.slug', 'in', lists.length > 0 ? lists : ['\u0000none']),
    ),
  );
  return query as SelectQueryBuilder<Database, 'subscribers', AudienceRow>;
}

/** Counts the audience. */
export async function countAudience(db: Executor, audience: AudienceSpec): Promise<number> {
  const row = await db
    .selectFrom(audienceQuery(db, audience).as('audience'))
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
