import { sql } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { matchingSubscribers } from '../../src/segments/audience.ts';
import { parseRule, type Rule } from '../../src/segments/rule.ts';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { NOW, PEOPLE, seed } from './seed.ts';

const PAYLOADS = [
  "'; drop table subscribers; --",
  '%',
  '_',
  '\\',
  '\\%',
  "O'Brien",
  '"quoted"',
  'a%b_c',
  "x' or '1'='1",
];

const FIELDS = ['country', 'region', 'organisation', 'organisationType', 'language', 'source', 'sector'] as const;
const OPS = ['equals', 'contains', 'startsWith', 'in'] as const;

function valueOf(person: (typeof PEOPLE)[number], field: (typeof FIELDS)[number]): string | undefined {
  if (field === 'source') return person.source;
  const value = person.attributes[field];
  return typeof value === 'string' ? value : undefined;
}

/** Who a literal reading of the condition matches, worked out in JavaScript. */
function literally(field: (typeof FIELDS)[number], op: (typeof OPS)[number], payload: string): string[] {
  return PEOPLE.filter((person) => {
    const value = valueOf(person, field);
    if (value === undefined) return false;
    if (op === 'equals' || op === 'in') return value === payload;
    if (op === 'contains') return value.toLowerCase().includes(payload.toLowerCase());
    return value.toLowerCase().startsWith(payload.toLowerCase());
  })
    .map((person) => person.name)
    .sort();
}

function conditionFor(field: (typeof FIELDS)[number], op: (typeof OPS)[number], payload: string): unknown {
  const value = op === 'in' ? [payload] : payload;
  if (field === 'sector') return { field: 'attribute', name: 'sector', type: 'string', op, value };
  return { field, op, value };
}

const cases = FIELDS.flatMap((field) =>
  OPS.flatMap((op) => PAYLOADS.map((payload) => [`${field} ${op} ${payload}`, field, op, payload] as const)),
);

describeEachDatabase('segment injection', (database) => {
  let names: Record<string, string> = {};

  beforeAll(async () => {
    await database().reset();
    const seeded = await seed(database().db);
    names = Object.fromEntries(Object.entries(seeded.people).map(([name, id]) => [id, name]));
  });

  async function run(input: unknown): Promise<string[]> {
    const parsed = parseRule(input);
    if (!parsed.success) throw new Error(JSON.stringify(parsed.issues));
    const rows = await matchingSubscribers(database().db, parsed.rule as Rule, { now: NOW }).execute();
    return rows.map((row) => names[row.id]!).sort();
  }

  it.each(cases)('%s matches literally', async (_label, field, op, payload) => {
    expect(await run(conditionFor(field, op, payload))).toEqual(literally(field, op, payload));
  });

  it.each(PAYLOADS)('list slug %s matches nobody', async (payload) => {
    expect(await run({ field: 'list', op: 'in', value: [payload] })).toEqual([]);
  });

  it.each(PAYLOADS)('topic slug %s matches nobody', async (payload) => {
    expect(await run({ field: 'topic', op: 'equals', value: payload })).toEqual([]);
  });

  it.each(PAYLOADS)('confirmedAt list %s matches nobody', async (payload) => {
    expect(await run({ field: 'confirmedAt', op: 'exists', list: payload })).toEqual([]);
  });

  it('attribute name with sql is rejected', () => {
    const parsed = parseRule({ field: 'attribute', name: "x'); drop table subscribers; --", type: 'string', op: 'exists' });
    expect(parsed.success).toBe(false);
  });

  it('count over http matches literally', async () => {
    const { request } = createTestApp(database().db, { now: () => NOW });
    const response = await request('POST', '/api/segments/count', {
      json: { lists: ["'; drop table subscribers; --"], rule: { field: 'organisation', op: 'contains', value: '%' } },
    });
    expect(await response.json()).toEqual({ count: 0 });
  });

  it('saved rule keeps the payload', async () => {
    const { request } = createTestApp(database().db, { now: () => NOW });
    const rule = { field: 'region', op: 'equals', value: "'; drop table subscribers; --\\%_" };
    const created = await request('POST', '/api/segments', { json: { name: "Robert'); --", rule } });
    const { id } = (await created.json()) as { id: string };
    const read = await request('GET', `/api/segments/${id}`);
    expect(((await read.json()) as { rule: unknown }).rule).toEqual(rule);
  });

  it('changes nothing', async () => {
    const count = await sql<{ n: string }>`select count(*) as n from subscribers`.execute(database().db);
    expect(Number(count.rows[0]!.n)).toBe(PEOPLE.length);
  });
});
