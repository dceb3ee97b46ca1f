/**
 * The segment rule language: a JSON tree of groups (`all`, `any`, `none`) whose leaves are
 * conditions on one field of a subscriber. `docs/segments.md` describes every field and operator
 * with examples; this module is the one definition the API, the compiler and the console share.
 *
 * Validation walks the tree itself instead of leaving it to a zod union, so that an error names
 * the exact path of the offending condition (`rule.all.2.value`) and what that spot expects,
 * rather than "no union member matched" at the root. Each condition is still checked by a strict
 * zod object, chosen by its `field`, its `type` (custom attributes) and its `op`.
 */
import { z } from 'zod';

/** Built-in attributes, stored under these keys of `subscribers.attributes`. */
export const BUILT_IN_ATTRIBUTES = ['country', 'region', 'organisation', 'organisationType', 'language'] as const;
export type BuiltInAttribute = (typeof BUILT_IN_ATTRIBUTES)[number];

export const SUBSCRIPTION_STATUSES = ['unconfirmed', 'confirmed', 'unsubscribed'] as const;
export const ENGAGEMENT_EVENTS = ['delivered', 'opened', 'clicked'] as const;
export const CUSTOM_TYPES = ['string', 'number', 'date', 'boolean'] as const;

/** Deepest nesting of groups, and most nodes in one rule: enough for any hand-built rule. */
export const MAX_DEPTH = 8;
export const MAX_NODES = 300;

const text = z.string().min(1, 'expected a non-empty string').max(500, 'expected at most 500 characters');
const textList = z.array(text).min(1, 'expected at least one value').max(1000, 'expected at most 1000 values');
const slug = z.string().min(1, 'expected a slug').max(200, 'expected a slug of at most 200 characters');
const slugList = z.array(slug).min(1, 'expected at least one slug').max(200, 'expected at most 200 slugs');
const date = z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
  error: 'expected an ISO 8601 date (2025-01-31) or date-time with a zone (2025-01-31T09:00:00Z)',
});
const days = z
  .number({ error: 'expected a whole number of days' })
  .int('expected a whole number of days')
  .min(1, 'expected at least 1 day')
  .max(36500, 'expected at most 36500 days');
const count = z.number({ error: 'expected a whole number' }).int('expected a whole number').min(0).max(1_000_000);
const number = z.number({ error: 'expected a number' }).refine(Number.isFinite, 'expected a finite number');
const exists = z.boolean({ error: 'expected true or false' }).default(true);
const attributeName = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_-]{0,63}$/,
    'expected an attribute name: a letter, then up to 63 letters, digits, "_" or "-"',
  );

type Shape = Record<string, z.ZodType>;

/** Every condition schema, keyed by `field`, then `type` ('' when none), then `op`. */
const registry = new Map<string, Map<string, Map<string, z.ZodType>>>();

function condition<F extends string, O extends string, S extends Shape>(field: F, op: O, shape: S, type = '') {
  const schema = z.strictObject({ field: z.literal(field), op: z.literal(op), ...shape });
  let byType = registry.get(field);
  if (!byType) registry.set(field, (byType = new Map()));
  let byOp = byType.get(type);
  if (!byOp) byType.set(type, (byOp = new Map()));
  byOp.set(op, schema);
  return schema;
}

function stringConditions<F extends string, E extends Shape = {}>(field: F, extra: E = {} as E, type = '') {
  return [
    condition(field, 'equals', { ...extra, value: text }, type),
    condition(field, 'notEquals', { ...extra, value: text }, type),
    condition(field, 'in', { ...extra, value: textList }, type),
    condition(field, 'contains', { ...extra, value: text }, type),
    condition(field, 'startsWith', { ...extra, value: text }, type),
    condition(field, 'exists', { ...extra, value: exists }, type),
  ] as const;
}

function dateConditions<F extends string, E extends Shape = {}>(field: F, extra: E = {} as E, type = '') {
  return [
    condition(field, 'before', { ...extra, value: date }, type),
    condition(field, 'after', { ...extra, value: date }, type),
    condition(field, 'withinLastDays', { ...extra, value: days }, type),
    condition(field, 'exists', { ...extra, value: exists }, type),
  ] as const;
}

const listStatus = z
  .array(z.enum(SUBSCRIPTION_STATUSES))
  .min(1, 'expected at least one status')
  .optional();

const customName = { name: attributeName };
const engagementEvent = { event: z.enum(ENGAGEMENT_EVENTS) };
const bounceKind = { kind: z.enum(['hard', 'soft', 'any']).default('any') };

const conditionSchemas = [
  condition('list', 'equals', { value: slug, status: listStatus }),
  condition('list', 'in', { value: slugList, status: listStatus }),
  condition('topic', 'equals', { value: slug }),
  condition('topic', 'in', { value: slugList }),
  condition('topic', 'exists', { value: exists }),
  ...BUILT_IN_ATTRIBUTES.flatMap((field) => stringConditions(field)),
  ...stringConditions('source'),
  ...dateConditions('signedUpAt'),
  ...dateConditions('confirmedAt', { list: slug.optional() }),
  ...stringConditions('attribute', { ...customName, type: z.literal('string') }, 'string'),
  condition('attribute', 'equals', { ...customName, type: z.literal('number'), value: number }, 'number'),
  condition('attribute', 'notEquals', { ...customName, type: z.literal('number'), value: number }, 'number'),
  condition(
    'attribute',
    'in',
    { ...customName, type: z.literal('number'), value: z.array(number).min(1).max(1000) },
    'number',
  ),
  condition('attribute', 'gt', { ...customName, type: z.literal('number'), value: number }, 'number'),
  condition('attribute', 'lt', { ...customName, type: z.literal('number'), value: number }, 'number'),
  condition('attribute', 'exists', { ...customName, type: z.literal('number'), value: exists }, 'number'),
  ...dateConditions('attribute', { ...customName, type: z.literal('date') }, 'date'),
  condition(
    'attribute',
    'equals',
    { ...customName, type: z.literal('boolean'), value: z.boolean({ error: 'expected true or false' }) },
    'boolean',
  ),
  condition('attribute', 'exists', { ...customName, type: z.literal('boolean'), value: exists }, 'boolean'),
  condition('engagement', 'inLastIssues', {
    ...engagementEvent,
    value: count.min(1, 'expected at least 1 issue').max(1000, 'expected at most 1000 issues'),
  }),
  condition('engagement', 'withinLastDays', { ...engagementEvent, value: days }),
  condition('engagement', 'noneWithinDays', { ...engagementEvent, value: days }),
  condition('bounces', 'equals', { ...bounceKind, value: count }),
  condition('bounces', 'gt', { ...bounceKind, value: count }),
  condition('bounces', 'lt', { ...bounceKind, value: count }),
  condition('suppressed', 'equals', { value: z.boolean({ error: 'expected true or false' }) }),
] as const;

/** One leaf of a rule: a field, an operator and a value. */
export type Condition = z.output<(typeof conditionSchemas)[number]>;
export type ConditionField = Condition['field'];

/** A rule: a group of rules, or one condition. */
export type Rule = { all: Rule[] } | { any: Rule[] } | { none: Rule[] } | Condition;
export type GroupKind = 'all' | 'any' | 'none';
export const GROUP_KINDS: readonly GroupKind[] = ['all', 'any', 'none'];

type Issue = { path: PropertyKey[]; message: string };

function describeChoices(values: Iterable<string>): string {
  return [...values].map((value) => (value === '' ? '(none)' : value)).join(', ');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks one node, returning the parsed rule or pushing issues with their paths. */
function parseNode(
  value: unknown,
  path: PropertyKey[],
  depth: number,
  state: { nodes: number; issues: Issue[] },
): Rule | undefined {
  state.nodes += 1;
  if (state.nodes > MAX_NODES) {
    if (state.nodes === MAX_NODES + 1) {
      state.issues.push({ path, message: `expected at most ${MAX_NODES} groups and conditions in one rule` });
    }
    return undefined;
  }
  if (!isObject(value)) {
    state.issues.push({
      path,
      message: 'expected a group ({ "all" | "any" | "none": [rules] }) or a condition ({ "field", "op", "value" })',
    });
    return undefined;
  }

  const groupKeys = GROUP_KINDS.filter((kind) => kind in value);
  if (groupKeys.length > 0) {
    const keys = Object.keys(value);
    if (keys.length !== 1) {
      state.issues.push({ path, message: 'expected a group with exactly one key: "all", "any" or "none"' });
      return undefined;
    }
    const kind = groupKeys[0]!;
    const children = value[kind];
    if (!Array.isArray(children)) {
      state.issues.push({ path: [...path, kind], message: 'expected an array of rules' });
      return undefined;
    }
    if (depth >= MAX_DEPTH) {
      state.issues.push({ path: [...path, kind], message: `expected groups nested at most ${MAX_DEPTH} deep` });
      return undefined;
    }
    const parsed = children.map((child, index) => parseNode(child, [...path, kind, index], depth + 1, state));
    if (parsed.some((child) => child === undefined)) return undefined;
    return { [kind]: parsed as Rule[] } as Rule;
  }

  if (!('field' in value)) {
    state.issues.push({
      path,
      message: 'expected a group ({ "all" | "any" | "none": [rules] }) or a condition ({ "field", "op", "value" })',
    });
    return undefined;
  }
  const field = value.field;
  const byType = typeof field === 'string' ? registry.get(field) : undefined;
  if (!byType) {
    state.issues.push({ path: [...path, 'field'], message: `expected one of ${describeChoices(registry.keys())}` });
    return undefined;
  }
  let type = '';
  if (!byType.has('')) {
    const given = value.type;
    if (typeof given !== 'string' || !byType.has(given)) {
      state.issues.push({ path: [...path, 'type'], message: `expected one of ${describeChoices(byType.keys())}` });
      return undefined;
    }
    type = given;
  }
  const byOp = byType.get(type)!;
  const schema = typeof value.op === 'string' ? byOp.get(value.op) : undefined;
  if (!schema) {
    const what = type ? `a ${type} attribute` : `field "${field as string}"`;
    state.issues.push({ path: [...path, 'op'], message: `expected one of ${describeChoices(byOp.keys())} for ${what}` });
    return undefined;
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    for (const issue of result.error.issues) state.issues.push({ path: [...path, ...issue.path], message: issue.message });
    return undefined;
  }
  return result.data as Rule;
}

/**
 * Parses a rule, returning it or the issues found, each with its path relative to the rule.
 */
export function parseRule(value: unknown): { success: true; rule: Rule } | { success: false; issues: Issue[] } {
  const state = { nodes: 0, issues: [] as Issue[] };
  const rule = parseNode(value, [], 0, state);
  if (rule === undefined || state.issues.length > 0) return { success: false, issues: state.issues };
  return { success: true, rule };
}

/**
 * The zod schema of a rule, for request bodies: `z.object({ rule: ruleSchema })` reports
 * `rule.all.2.value` for a bad value in the third condition of an `all` group.
 */
export const ruleSchema = z.unknown().transform((value, ctx): Rule => {
  const result = parseRule(value);
  if (result.success) return result.rule;
  for (const issue of result.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  return z.NEVER;
});

/** The rule's shape as JSON Schema-friendly zod, for route documentation only. */
export const ruleDocSchema: z.ZodType = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(ruleDocSchema) }),
    z.strictObject({ any: z.array(ruleDocSchema) }),
    z.strictObject({ none: z.array(ruleDocSchema) }),
    ...conditionSchemas,
  ]),
);

/** Visits every condition of a rule. */
export function eachCondition(rule: Rule, visit: (condition: Condition, path: PropertyKey[]) => void, path: PropertyKey[] = []): void {
  for (const kind of GROUP_KINDS) {
    if (kind in rule) {
      (rule as Record<GroupKind, Rule[]>)[kind].forEach((child, index) => eachCondition(child, visit, [...path, kind, index]));
      return;
    }
  }
  visit(rule as Condition, path);
}
