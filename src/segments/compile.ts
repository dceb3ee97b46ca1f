/**
 * Compiles a segment rule to one SQL predicate over `subscribers`, with Kysely's expression
 * builder. Every value a user typed travels as a bind parameter; the only SQL text that varies
 * is chosen from constants here (built-in attribute keys are literals so that the expression
 * indexes on `attributes->>'country'` and friends match). `contains` and `startsWith` escape
 * `%`, `_` and `\` so they match literally.
 *
 * Shapes chosen for the planner (see the indexes in `migrations/0060_segments.ts`):
 * - list, topic and engagement conditions are `EXISTS` subqueries, which PostgreSQL turns into
 *   semi-joins (or anti-joins under `none`), one pass over each side instead of a probe per row;
 * - bounce counts group the ledger once (`id IN (... GROUP BY ... HAVING count(*) > n)`) rather
 *   than counting per subscriber;
 * - custom number and date attributes are read through a pattern check first, so a stray value
 *   such as "n/a" never makes the whole query fail on a cast.
 */
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database } from '../db/schema.ts';
import { BUILT_IN_ATTRIBUTES, GROUP_KINDS, type Condition, type GroupKind, type Rule } from './rule.ts';

export type SubscriberExpressions = ExpressionBuilder<Database, 'subscribers'>;

export interface CompileOptions {
  /** The moment "within the last N days" counts back from. */
  now: Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** A custom number attribute: plain decimals only, short enough that `::numeric` cannot fail. */
const NUMBER_PATTERN = '^-?[0-9]{1,30}([.][0-9]{1,30})?$';
/** A custom date attribute: compared by its `YYYY-MM-DD` prefix, as text. */
const DATE_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}';

/** Escapes LIKE wildcards so a typed value matches literally (PostgreSQL's default escape is `\`). */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** Returns a predicate for `WHERE`: `query.where(compileRule(rule, { now }))`. */
export function compileRule(rule: Rule, options: CompileOptions): (eb: SubscriberExpressions) => Expression<SqlBool> {
  return (eb) => compileNode(eb, rule, options);
}

function compileNode(eb: SubscriberExpressions, rule: Rule, options: CompileOptions): Expression<SqlBool> {
  for (const kind of GROUP_KINDS) {
    if (kind in rule) return compileGroup(eb, kind, (rule as Record<GroupKind, Rule[]>)[kind], options);
  }
  return compileCondition(eb, rule as Condition, options);
}

function compileGroup(eb: SubscriberExpressions, kind: GroupKind, rules: Rule[], options: CompileOptions): Expression<SqlBool> {
  const parts = rules.map((rule) => compileNode(eb, rule, options));
  if (kind === 'all') return parts.length === 0 ? eb.lit(true) : eb.and(parts);
  if (kind === 'any') return parts.length === 0 ? eb.lit(false) : eb.or(parts);
  return parts.length === 0 ? eb.lit(true) : eb.not(eb.or(parts));
}

function daysAgo(options: CompileOptions, days: number): Date {
  return new Date(options.now.getTime() - days * DAY_MS);
}

/** The UTC day of a date or date-time value, as `YYYY-MM-DD`. */
function dayOf(value: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : new Date(value).toISOString().slice(0, 10);
}

function compileCondition(eb: SubscriberExpressions, condition: Condition, options: CompileOptions): Expression<SqlBool> {
  switch (condition.field) {
    case 'list':
      return listCondition(eb, condition);
    case 'topic':
      return topicCondition(eb, condition);
    case 'source':
      return stringCondition(sql<string | null>`subscribers.source`, condition);
    case 'signedUpAt':
      return timestampCondition(sql<Date | null>`subscribers.created_at`, condition, options);
    case 'confirmedAt':
      return confirmedCondition(eb, condition, options);
    case 'attribute':
      return customAttributeCondition(condition, options);
    case 'engagement':
      return engagementCondition(eb, condition, options);
    case 'bounces':
      return bounceCondition(eb, condition);
    case 'suppressed':
      return condition.value ? suppressedExpression(eb) : eb.not(suppressedExpression(eb));
    default:
      if ((BUILT_IN_ATTRIBUTES as readonly string[]).includes(condition.field)) {
        // A literal key (one of our constants), so the expression indexes apply.
        return stringCondition(sql<string | null>`(subscribers.attributes ->> ${sql.lit(condition.field)})`, condition);
      }
      throw new Error(`No compiler for field ${(condition as { field: string }).field}.`);
  }
}

type StringTest =
  | { op: 'equals' | 'notEquals' | 'contains' | 'startsWith'; value: string }
  | { op: 'in'; value: string[] }
  | { op: 'exists'; value: boolean };

function stringCondition(value: Expression<string | null>, condition: StringTest): Expression<SqlBool> {
  switch (condition.op) {
    case 'equals':
      return sql<SqlBool>`${value} = ${condition.value}`;
    case 'notEquals':
      // Someone without the attribute is "not equal" too.
      return sql<SqlBool>`${value} is distinct from ${condition.value}`;
    case 'in':
      return sql<SqlBool>`${value} in (${sql.join(condition.value)})`;
    case 'contains':
      return sql<SqlBool>`${value} ilike ${`%${escapeLike(condition.value)}%`}`;
    case 'startsWith':
      return sql<SqlBool>`${value} ilike ${`${escapeLike(condition.value)}%`}`;
    case 'exists':
      return condition.value ? sql<SqlBool>`coalesce(${value}, '') <> ''` : sql<SqlBool>`coalesce(${value}, '') = ''`;
  }
}

type DateTest =
  | { op: 'before' | 'after'; value: string }
  | { op: 'withinLastDays'; value: number }
  | { op: 'exists'; value: boolean };

function timestampCondition(
  value: Expression<Date | null>,
  condition: DateTest,
  options: CompileOptions,
): Expression<SqlBool> {
  switch (condition.op) {
    case 'before':
      return sql<SqlBool>`${value} < ${new Date(condition.value)}`;
    case 'after':
      return sql<SqlBool>`${value} >= ${new Date(condition.value)}`;
    case 'withinLastDays':
      return sql<SqlBool>`${value} >= ${daysAgo(options, condition.value)}`;
    case 'exists':
      return condition.value ? sql<SqlBool>`${value} is not null` : sql<SqlBool>`${value} is null`;
  }
}

function listCondition(eb: SubscriberExpressions, condition: Extract<Condition, { field: 'list' }>): Expression<SqlBool> {
  const slugs = condition.op === 'equals' ? [condition.value] : condition.value;
  // Without a status, a member is anyone who has not unsubscribed.
  const statuses = condition.status ?? ['confirmed', 'unconfirmed'];
  return eb.exists(
    eb
      .selectFrom('subscriptions')
      .innerJoin('lists', 'lists.id', 'subscriptions.list_id')
      .select(sql`1`.as('one'))
      .whereRef('subscriptions.subscriber_id', '=', 'subscribers.id')
      .where('lists.slug', 'in', slugs)
      .where('subscriptions.status', 'in', statuses),
  );
}

function topicCondition(eb: SubscriberExpressions, condition: Extract<Condition, { field: 'topic' }>): Expression<SqlBool> {
  if (condition.op === 'exists') {
    const any = eb.exists(
      eb
        .selectFrom('subscriber_topics')
        .select(sql`1`.as('one'))
        .whereRef('subscriber_topics.subscriber_id', '=', 'subscribers.id'),
    );
    return condition.value ? any : eb.not(any);
  }
  const slugs = condition.op === 'equals' ? [condition.value] : condition.value;
  return eb.exists(
    eb
      .selectFrom('subscriber_topics')
      .innerJoin('topics', 'topics.id', 'subscriber_topics.topic_id')
      .select(sql`1`.as('one'))
      .whereRef('subscriber_topics.subscriber_id', '=', 'subscribers.id')
      .where('topics.slug', 'in', slugs),
  );
}

function confirmedCondition(
  eb: SubscriberExpressions,
  condition: Extract<Condition, { field: 'confirmedAt' }>,
  options: CompileOptions,
): Expression<SqlBool> {
  const { list } = condition;
  const confirmedAt = sql<Date | null>`subscriptions.confirmed_at`;
  // "Has no confirmation date" means no subscription (on that list) carries one.
  const wanted = condition.op === 'exists' ? { op: 'exists' as const, value: true } : condition;
  let subquery = eb
    .selectFrom('subscriptions')
    .select(sql`1`.as('one'))
    .whereRef('subscriptions.subscriber_id', '=', 'subscribers.id')
    .where(timestampCondition(confirmedAt, wanted, options));
  if (list !== undefined) {
    subquery = subquery.where('subscriptions.list_id', 'in', eb.selectFrom('lists').select('lists.id').where('lists.slug', '=', list));
  }
  const found = eb.exists(subquery);
  return condition.op === 'exists' && !condition.value ? eb.not(found) : found;
}

function customAttributeCondition(
  condition: Extract<Condition, { field: 'attribute' }>,
  options: CompileOptions,
): Expression<SqlBool> {
  // The attribute name is a bind parameter like any value.
  const raw = sql<string | null>`(subscribers.attributes ->> ${condition.name})`;
  switch (condition.type) {
    case 'string':
      return stringCondition(raw, condition);
    case 'boolean': {
      // JSON true and the text "true" (from a CSV import) both count, in any case.
      const lowered = sql<string | null>`lower(${raw})`;
      if (condition.op === 'equals') return sql<SqlBool>`${lowered} = ${condition.value ? 'true' : 'false'}`;
      return condition.value
        ? sql<SqlBool>`${lowered} in ('true', 'false')`
        : sql<SqlBool>`${lowered} is null or ${lowered} not in ('true', 'false')`;
    }
    case 'number': {
      const numeric = sql<number | null>`(case when ${raw} ~ ${NUMBER_PATTERN} then (${raw})::numeric end)`;
      switch (condition.op) {
        case 'equals':
          return sql<SqlBool>`${numeric} = ${condition.value}::numeric`;
        case 'notEquals':
          return sql<SqlBool>`${numeric} is distinct from ${condition.value}::numeric`;
        case 'in':
          return sql<SqlBool>`${numeric} in (${sql.join(condition.value.map((value) => sql`${value}::numeric`))})`;
        case 'gt':
          return sql<SqlBool>`${numeric} > ${condition.value}::numeric`;
        case 'lt':
          return sql<SqlBool>`${numeric} < ${condition.value}::numeric`;
        case 'exists':
          return condition.value ? sql<SqlBool>`${numeric} is not null` : sql<SqlBool>`${numeric} is null`;
      }
      break;
    }
    case 'date': {
      // Day precision, compared as `YYYY-MM-DD` text: valid days sort like dates, and a
      // malformed value such as "2024-02-30" can never abort the query on a cast.
      const day = sql<string | null>`(case when ${raw} ~ ${DATE_PATTERN} then left(${raw}, 10) end)`;
      switch (condition.op) {
        case 'before':
          return sql<SqlBool>`${day} < ${dayOf(condition.value)}`;
        case 'after':
          return sql<SqlBool>`${day} >= ${dayOf(condition.value)}`;
        case 'withinLastDays':
          return sql<SqlBool>`${day} >= ${daysAgo(options, condition.value).toISOString().slice(0, 10)}`;
        case 'exists':
          return condition.value ? sql<SqlBool>`${day} is not null` : sql<SqlBool>`${day} is null`;
      }
    }
  }
  throw new Error('Unreachable: unknown custom attribute condition.');
}

/** The last `n` issues that started sending, newest first. */
function lastIssues(eb: SubscriberExpressions, n: number) {
  return eb
    .selectFrom('campaigns')
    .select('campaigns.id')
    .where('campaigns.started_at', 'is not', null)
    .orderBy('campaigns.started_at', 'desc')
    .orderBy('campaigns.id', 'desc')
    .limit(n);
}

function engagementCondition(
  eb: SubscriberExpressions,
  condition: Extract<Condition, { field: 'engagement' }>,
  options: CompileOptions,
): Expression<SqlBool> {
  let found: Expression<SqlBool>;
  if (condition.event === 'delivered') {
    let subquery = eb
      .selectFrom('ledger')
      .select(sql`1`.as('one'))
      .whereRef('ledger.subscriber_id', '=', 'subscribers.id')
      .where('ledger.outcome', '=', 'delivered');
    subquery =
      condition.op === 'inLastIssues'
        ? subquery.where('ledger.campaign_id', 'in', lastIssues(eb, condition.value))
        : subquery.where('ledger.sent_at', '>=', daysAgo(options, condition.value));
    found = eb.exists(subquery);
  } else {
    // A click means the message was opened, even when the open pixel was blocked.
    const kinds: ('open' | 'click')[] = condition.event === 'opened' ? ['open', 'click'] : ['click'];
    let subquery = eb
      .selectFrom('engagement_events')
      .select(sql`1`.as('one'))
      .whereRef('engagement_events.subscriber_id', '=', 'subscribers.id')
      .where('engagement_events.is_machine', '=', false)
      .where('engagement_events.kind', 'in', kinds);
    subquery =
      condition.op === 'inLastIssues'
        ? subquery.where('engagement_events.campaign_id', 'in', lastIssues(eb, condition.value))
        : subquery.where('engagement_events.created_at', '>=', daysAgo(options, condition.value));
    found = eb.exists(subquery);
  }
  return condition.op === 'noneWithinDays' ? eb.not(found) : found;
}

function bounceCondition(eb: SubscriberExpressions, condition: Extract<Condition, { field: 'bounces' }>): Expression<SqlBool> {
  const outcomes: ('bounced' | 'soft_bounced')[] =
    condition.kind === 'hard' ? ['bounced'] : condition.kind === 'soft' ? ['soft_bounced'] : ['bounced', 'soft_bounced'];
  const counted = (having: (n: Expression<number>) => Expression<SqlBool>) =>
    eb(
      'subscribers.id',
      'in',
      eb
        .selectFrom('ledger')
        .select('ledger.subscriber_id')
        .where('ledger.outcome', 'in', outcomes)
        .groupBy('ledger.subscriber_id')
        .having((h) => having(h.fn.countAll<number>())),
    );
  const n = condition.value;
  switch (condition.op) {
    case 'gt':
      return counted((c) => sql<SqlBool>`${c} > ${n}`);
    case 'lt':
      return n === 0 ? eb.lit(false) : eb.not(counted((c) => sql<SqlBool>`${c} >= ${n}`));
    case 'equals':
      return n === 0 ? eb.not(counted((c) => sql<SqlBool>`${c} > 0`)) : counted((c) => sql<SqlBool>`${c} = ${n}`);
  }
}

/** True when the subscriber's address is on the suppression list. */
export function suppressedExpression(eb: SubscriberExpressions): Expression<SqlBool> {
  return eb.exists(
    eb
      .selectFrom('suppressions')
      .select(sql`1`.as('one'))
      .where(sql<boolean>`lower(suppressions.email) = lower(subscribers.email)`),
  );
}
