/**
 * The audience of a send: subscribers who may receive a campaign, as one SQL query that the
 * ledger, digests, exports and counts all share.
 *
 * Always excluded: subscribers who are not active, addresses on the suppression list, and
 * anyone without a confirmed subscription to one of the chosen lists (or, when no lists are
 * given but a segment or rule is, to any list). A segment or an inline rule narrows that.
 *
 * A saved segment lives in the database, and this function builds its query without a round
 * trip, so an audience naming a `segment` goes through `resolveAudience` first (which reads the
 * segment's rule and inlines it). `countAudience` does that itself.
 */
import { sql, type Kysely, type SelectQueryBuilder, type Transaction } from 'kysely';
import { z } from 'zod';
import type { AudienceSpec, Database } from '../db/schema.ts';
import { ValidationError } from '../errors.ts';
import { validate } from '../http/validate.ts';
import { compileRule, suppressedExpression } from './compile.ts';
import { ruleSchema, type Rule } from './rule.ts';

type Executor = Kysely<Database> | Transaction<Database>;

/** The columns an audience query selects. */
export interface AudienceRow {
  subscriber_id: string;
  email: string;
  name: string;
}

export interface AudienceOptions {
  /** The moment relative rules ("within the last 30 days") count back from; defaults to now. */
  now?: Date;
}

const inlineRule = z.object({ rule: ruleSchema });

/**
 * Returns a query selecting `subscriber_id, email, name` for every sendable subscriber in the
 * audience. List and topic slugs are resolved inside the query; an unknown slug matches nobody.
 * An invalid `rule` throws a `ValidationError` whose details name `rule.<path>`; an unresolved
 * `segment` throws (call `resolveAudience` first).
 *
 * @example
 * const audience = await resolveAudience(db, campaign.audience);
 * await db.insertInto('ledger').columns(['campaign_id', 'subscriber_id', 'email'])
 *   .expression(audienceQuery(db, audience).select(sql.lit(campaignId).as('campaign_id')) ...)
 */
export function audienceQuery(
  db: Executor,
  audience: AudienceSpec,
  options: AudienceOptions = {},
): SelectQueryBuilder<Database, 'subscribers', AudienceRow> {
  if (audience.segment !== undefined && audience.segment !== null) {
    throw new Error('audienceQuery got an unresolved segment id: pass the audience through resolveAudience first.');
  }
  const lists = audience.lists ?? [];
  const rule =
    audience.rule === undefined || audience.rule === null
      ? undefined
      : validate(inlineRule, { rule: audience.rule }, 'The audience rule').rule;

  let query = db
    .selectFrom('subscribers')
    .select(['subscribers.id as subscriber_id', 'subscribers.email', 'subscribers.name'])
    .where('subscribers.status', '=', 'active')
    .where((eb) => eb.not(suppressedExpression(eb)));

  // With neither lists nor a rule, nobody: an empty audience is never "everyone".
  if (lists.length === 0 && rule === undefined) {
    return query.where(sql<boolean>`false`) as SelectQueryBuilder<Database, 'subscribers', AudienceRow>;
  }
  query = query.where(({ exists, selectFrom }) => {
    let confirmed = selectFrom('subscriptions')
      .select(sql`1`.as('one'))
      .whereRef('subscriptions.subscriber_id', '=', 'subscribers.id')
      .where('subscriptions.status', '=', 'confirmed');
    if (lists.length > 0) {
      confirmed = confirmed.where('subscriptions.list_id', 'in', selectFrom('lists').select('lists.id').where('lists.slug', 'in', lists));
    }
    return exists(confirmed);
  });
  if (rule !== undefined) query = query.where(compileRule(rule, { now: options.now ?? new Date() }));
  return query as SelectQueryBuilder<Database, 'subscribers', AudienceRow>;
}

/**
 * Inlines a saved segment's rule into the audience (beside any inline rule, both must match),
 * so `audienceQuery` can build it. An unknown segment id is a `ValidationError` on `segment`.
 */
export async function resolveAudience(db: Executor, audience: AudienceSpec): Promise<AudienceSpec> {
  if (audience.segment === undefined || audience.segment === null) return audience;
  // Check the inline rule on its own first, so its errors keep their `rule.` paths.
  if (audience.rule !== undefined && audience.rule !== null) validate(inlineRule, { rule: audience.rule }, 'The audience rule');
  const id = String(audience.segment);
  const row = /^[0-9]{1,18}$/.test(id)
    ? await db.selectFrom('segments').select('rule').where('id', '=', id).executeTakeFirst()
    : undefined;
  if (!row) {
    throw new ValidationError(`The audience names segment ${id}, which does not exist.`, [
      { path: 'segment', message: 'expected the id of a saved segment' },
    ]);
  }
  const rules: Rule[] = [row.rule as Rule];
  if (audience.rule !== undefined && audience.rule !== null) rules.push(audience.rule as Rule);
  const { segment: _segment, ...rest } = audience;
  return { ...rest, rule: rules.length === 1 ? rules[0] : { all: rules } };
}

/** Counts the audience, resolving a saved segment first. */
export async function countAudience(db: Executor, audience: AudienceSpec, options: AudienceOptions = {}): Promise<number> {
  const resolved = await resolveAudience(db, audience);
  const row = await db
    .selectFrom(audienceQuery(db, resolved, options).as('audience'))
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * Everyone a rule matches, without the send exclusions (suppressed, inactive and unconfirmed
 * subscribers are included), for staff views that explain who a rule reaches and who is held
 * back. The API's counts and previews use `audienceQuery` instead.
 */
export function matchingSubscribers(db: Executor, rule: Rule, options: AudienceOptions = {}) {
  return db
    .selectFrom('subscribers')
    .select(['subscribers.id', 'subscribers.email', 'subscribers.name', 'subscribers.status'])
    .where(compileRule(rule, { now: options.now ?? new Date() }));
}
