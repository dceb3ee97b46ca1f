/**
 * Audiences and segment rules as console forms submit them: lists, topics and a saved segment
 * as plain fields, and a rule as rows of (condition, value) with a match mode, or as JSON.
 * Each row's condition names a field and an operator of the rule language. A form built
 * without script can so express the common rules, and anything else goes in the JSON box.
 */
import type { AudienceSpec } from '../db/schema.ts';
import { ValidationError } from '../errors.ts';
import { parseRule, type GroupKind, type Rule } from '../segments/rule.ts';
import { field, fields, type FormValues } from './http.ts';

type ValueKind = 'text' | 'days' | 'count' | 'date';

/** A condition the row builder offers: the rule it builds from one value. */
export interface ConditionChoice {
  key: string;
  label: string;
  kind: ValueKind;
  build: (value: string | number) => Rule;
}

const attribute = (name: 'country' | 'region' | 'organisation' | 'organisationType' | 'language', label: string): ConditionChoice[] => [
  { key: `${name}.equals`, label: `${label} is`, kind: 'text', build: (value) => ({ field: name, op: 'equals', value: String(value) }) as Rule },
  { key: `${name}.contains`, label: `${label} contains`, kind: 'text', build: (value) => ({ field: name, op: 'contains', value: String(value) }) as Rule },
];

export const conditionChoices: ConditionChoice[] = [
  { key: 'list.equals', label: 'Confirmed on list (slug)', kind: 'text', build: (value) => ({ field: 'list', op: 'equals', value: String(value), status: ['confirmed'] }) },
  { key: 'topic.equals', label: 'Follows topic (slug)', kind: 'text', build: (value) => ({ field: 'topic', op: 'equals', value: String(value) }) },
  ...attribute('country', 'Country'),
  ...attribute('region', 'Region'),
  ...attribute('organisation', 'Organisation'),
  ...attribute('organisationType', 'Organisation type'),
  ...attribute('language', 'Language'),
  { key: 'signedUpAt.withinLastDays', label: 'Signed up within the last N days', kind: 'days', build: (value) => ({ field: 'signedUpAt', op: 'withinLastDays', value: Number(value) }) },
  { key: 'signedUpAt.before', label: 'Signed up before (YYYY-MM-DD)', kind: 'date', build: (value) => ({ field: 'signedUpAt', op: 'before', value: String(value) }) },
  { key: 'opened.withinLastDays', label: 'Opened an issue within the last N days', kind: 'days', build: (value) => ({ field: 'engagement', op: 'withinLastDays', event: 'opened', value: Number(value) }) },
  { key: 'clicked.withinLastDays', label: 'Clicked a link within the last N days', kind: 'days', build: (value) => ({ field: 'engagement', op: 'withinLastDays', event: 'clicked', value: Number(value) }) },
  { key: 'opened.noneWithinDays', label: 'Opened nothing for N days', kind: 'days', build: (value) => ({ field: 'engagement', op: 'noneWithinDays', event: 'opened', value: Number(value) }) },
  { key: 'bounces.gt', label: 'Soft or hard bounces more than N', kind: 'count', build: (value) => ({ field: 'bounces', op: 'gt', kind: 'any', value: Number(value) }) },
];

/** Rows the builder shows: enough for everyday rules; longer rules go in the JSON box. */
export const BUILDER_ROWS = 5;

const matchModes: GroupKind[] = ['all', 'any', 'none'];

/**
 * Builds a rule from the form: the JSON box (`ruleJson`) when filled, otherwise the rows
 * (`condition` and `value`, repeated) joined by `match`. Returns undefined when neither is
 * filled. Throws a ValidationError naming the row or the JSON problem.
 */
export function ruleFromForm(form: FormValues): Rule | undefined {
  const json = field(form, 'ruleJson');
  if (json) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (error) {
      throw new ValidationError(`The rule JSON is not valid JSON (${(error as Error).message}). Fix it or clear the box and use the rows.`, [
        { path: 'ruleJson', message: 'expected valid JSON' },
      ]);
    }
    const result = parseRule(parsed);
    if (!result.success) {
      const first = result.issues[0]!;
      throw new ValidationError(`The rule is invalid at ${['rule', ...first.path].join('.')}: ${first.message}.`, [{ path: 'ruleJson', message: first.message }]);
    }
    return result.rule;
  }

  const conditions = asArray(form.condition);
  const values = asArray(form.value);
  const rules: Rule[] = [];
  conditions.forEach((key, index) => {
    const value = (values[index] ?? '').trim();
    if (!key || !value) return;
    const choice = conditionChoices.find((c) => c.key === key);
    if (!choice) throw new ValidationError(`Row ${index + 1}: "${key}" is not a condition the builder knows. Pick one from the list.`, [{ path: `condition.${index}`, message: 'unknown condition' }]);
    rules.push(choice.build(parseValue(choice, value, index)));
  });
  if (rules.length === 0) return undefined;
  const match = (field(form, 'match') || 'all') as GroupKind;
  const mode = matchModes.includes(match) ? match : 'all';
  const rule = { [mode]: rules } as Rule;
  const checked = parseRule(rule);
  if (!checked.success) {
    const first = checked.issues[0]!;
    const row = typeof first.path[1] === 'number' ? `Row ${first.path[1] + 1}` : 'The rule';
    throw new ValidationError(`${row}: ${first.message}.`, [{ path: 'value', message: first.message }]);
  }
  return checked.rule;
}

function parseValue(choice: ConditionChoice, value: string, index: number): string | number {
  if (choice.kind === 'days' || choice.kind === 'count') {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 0) {
      throw new ValidationError(`Row ${index + 1}: "${value}" is not a whole number. ${choice.label} needs one, such as 30.`, [{ path: `value.${index}`, message: 'expected a whole number' }]);
    }
    return number;
  }
  return value;
}

function asArray(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Rows to show again for a rule the builder made (a flat group of known conditions). */
export function rowsFromRule(rule: Rule | undefined): { match: GroupKind; rows: Array<{ condition: string; value: string }> } | undefined {
  if (!rule) return { match: 'all', rows: [] };
  const mode = matchModes.find((m) => m in rule);
  if (!mode) return undefined;
  const children = (rule as Record<GroupKind, Rule[]>)[mode];
  const rows: Array<{ condition: string; value: string }> = [];
  for (const child of children) {
    const found = conditionChoices.find((choice) => JSON.stringify(choice.build(valueOf(child))) === JSON.stringify(child));
    if (!found) return undefined;
    rows.push({ condition: found.key, value: String(valueOf(child)) });
  }
  return rows.length <= BUILDER_ROWS ? { match: mode, rows } : undefined;
}

function valueOf(rule: Rule): string | number {
  const value = (rule as { value?: unknown }).value;
  return typeof value === 'number' ? value : String(value ?? '');
}

/**
 * Reads the audience a compose or count form names: `lists` (slugs, repeated), `segment` (an id)
 * and `topics` (slugs, repeated), which become a rule matching subscribers who follow any of
 * them.
 */
export function audienceFromForm(form: FormValues): AudienceSpec {
  const lists = fields(form, 'lists');
  const segment = field(form, 'segment');
  const topics = fields(form, 'topics');
  const audience: AudienceSpec = {};
  if (lists.length > 0) audience.lists = lists;
  if (segment) audience.segment = segment;
  if (topics.length > 0) audience.rule = { field: 'topic', op: 'in', value: topics };
  return audience;
}

/** True when the audience names no list, segment or topic. */
export function isEmptyAudience(audience: AudienceSpec): boolean {
  return !audience.lists?.length && !audience.segment && audience.rule === undefined;
}
