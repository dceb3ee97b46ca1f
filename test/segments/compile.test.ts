import { beforeAll, expect, it } from 'vitest';
import { matchingSubscribers } from '../../src/segments/audience.ts';
import { parseRule, type Rule } from '../../src/segments/rule.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { EVERYONE, NOW, seed } from './seed.ts';

const but = (...names: string[]) => EVERYONE.filter((name) => !names.includes(name));

/** Each rule and exactly who it matches, before any send exclusion. */
const cases: [string, unknown, string[]][] = [
  ['country equals', { field: 'country', op: 'equals', value: 'FR' }, ['alice', 'farah']],
  ['country notEquals includes missing', { field: 'country', op: 'notEquals', value: 'FR' }, but('alice', 'farah')],
  ['country in', { field: 'country', op: 'in', value: ['DE', 'KR'] }, ['bruno', 'chen']],
  ['organisation contains percent', { field: 'organisation', op: 'contains', value: '100%' }, ['dana']],
  ['organisation contains underscore', { field: 'organisation', op: 'contains', value: 'data_' }, ['dana']],
  ['organisation startsWith quote', { field: 'organisation', op: 'startsWith', value: "o'" }, ['emeka']],
  ['organisationType in', { field: 'organisationType', op: 'in', value: ['government'] }, ['alice', 'chen', 'farah']],
  ['region exists', { field: 'region', op: 'exists' }, but('gus')],
  ['region missing', { field: 'region', op: 'exists', value: false }, ['gus']],
  ['language missing', { field: 'language', op: 'exists', value: false }, ['emeka', 'gus']],
  ['list member', { field: 'list', op: 'equals', value: 'news' }, ['alice', 'bruno', 'dana', 'emeka', 'farah']],
  ['list unsubscribed', { field: 'list', op: 'equals', value: 'news', status: ['unsubscribed'] }, ['chen']],
  [
    'lists confirmed',
    { field: 'list', op: 'in', value: ['events', 'research'], status: ['confirmed'] },
    ['bruno', 'chen', 'gus'],
  ],
  ['list unknown', { field: 'list', op: 'equals', value: 'nowhere' }, []],
  ['topic equals', { field: 'topic', op: 'equals', value: 'digital-government' }, ['alice', 'chen']],
  ['topic in', { field: 'topic', op: 'in', value: ['public-finance', 'open-data'] }, ['alice', 'bruno', 'dana']],
  ['topic none', { field: 'topic', op: 'exists', value: false }, ['emeka', 'farah', 'gus', 'hal']],
  ['source startsWith', { field: 'source', op: 'startsWith', value: 'event:' }, ['bruno', 'chen']],
  ['source equals', { field: 'source', op: 'equals', value: 'form' }, ['alice', 'farah']],
  ['signedUpAt within', { field: 'signedUpAt', op: 'withinLastDays', value: 30 }, ['alice', 'emeka']],
  ['signedUpAt before is strict', { field: 'signedUpAt', op: 'before', value: '2024-01-01' }, ['dana']],
  ['signedUpAt after is inclusive', { field: 'signedUpAt', op: 'after', value: '2024-01-01T00:00:00Z' }, but('dana')],
  [
    'confirmedAt on a list',
    { field: 'confirmedAt', op: 'after', value: '2025-11-12', list: 'research' },
    ['bruno'],
  ],
  ['confirmedAt missing', { field: 'confirmedAt', op: 'exists', value: false }, ['emeka', 'hal']],
  ['number gt', { field: 'attribute', name: 'seats', type: 'number', op: 'gt', value: 5 }, ['alice', 'bruno']],
  ['number lt', { field: 'attribute', name: 'seats', type: 'number', op: 'lt', value: 5 }, ['emeka']],
  ['number in', { field: 'attribute', name: 'seats', type: 'number', op: 'in', value: [7, 3.5] }, ['bruno', 'emeka']],
  [
    'number missing',
    { field: 'attribute', name: 'seats', type: 'number', op: 'exists', value: false },
    ['chen', 'dana', 'farah', 'gus', 'hal'],
  ],
  [
    'date before',
    { field: 'attribute', name: 'memberSince', type: 'date', op: 'before', value: '2021-01-01' },
    ['alice'],
  ],
  ['date exists skips junk', { field: 'attribute', name: 'memberSince', type: 'date', op: 'exists' }, ['alice']],
  [
    'boolean true',
    { field: 'attribute', name: 'partner', type: 'boolean', op: 'equals', value: true },
    ['alice', 'bruno'],
  ],
  ['boolean false', { field: 'attribute', name: 'partner', type: 'boolean', op: 'equals', value: false }, ['dana']],
  ['string custom', { field: 'attribute', name: 'sector', type: 'string', op: 'equals', value: 'health' }, ['alice']],
  ['opened last issue', { field: 'engagement', event: 'opened', op: 'inLastIssues', value: 1 }, ['alice']],
  [
    'opened last three counts clicks',
    { field: 'engagement', event: 'opened', op: 'inLastIssues', value: 3 },
    ['alice', 'bruno', 'gus'],
  ],
  ['clicked within', { field: 'engagement', event: 'clicked', op: 'withinLastDays', value: 120 }, ['bruno', 'gus']],
  ['delivered last issue', { field: 'engagement', event: 'delivered', op: 'inLastIssues', value: 1 }, ['alice', 'chen']],
  ['no opens in 30 days', { field: 'engagement', event: 'opened', op: 'noneWithinDays', value: 30 }, but('alice')],
  ['bounces gt', { field: 'bounces', op: 'gt', value: 1 }, ['dana', 'gus']],
  ['hard bounces', { field: 'bounces', op: 'gt', value: 0, kind: 'hard' }, ['dana']],
  ['bounces lt', { field: 'bounces', op: 'lt', value: 1 }, ['alice', 'chen', 'emeka', 'farah', 'hal']],
  ['bounces lt three', { field: 'bounces', op: 'lt', value: 3 }, but('gus')],
  ['soft bounces equal', { field: 'bounces', op: 'equals', value: 3, kind: 'soft' }, ['gus']],
  ['bounces zero', { field: 'bounces', op: 'equals', value: 0 }, ['alice', 'chen', 'emeka', 'farah', 'hal']],
  ['suppressed', { field: 'suppressed', op: 'equals', value: true }, ['dana']],
  ['not suppressed', { field: 'suppressed', op: 'equals', value: false }, but('dana')],
  [
    'all with none',
    {
      all: [
        { field: 'country', op: 'in', value: ['FR', 'DE'] },
        { none: [{ field: 'topic', op: 'equals', value: 'public-finance' }] },
      ],
    },
    ['alice', 'farah'],
  ],
  [
    'any',
    {
      any: [
        { field: 'organisationType', op: 'equals', value: 'ngo' },
        { field: 'engagement', event: 'delivered', op: 'inLastIssues', value: 1 },
      ],
    },
    ['alice', 'bruno', 'chen'],
  ],
  ['empty any', { any: [] }, []],
  ['empty all', { all: [] }, EVERYONE],
];

describeEachDatabase('segment rules', (database) => {
  let names: Record<string, string> = {};

  beforeAll(async () => {
    await database().reset();
    const seeded = await seed(database().db);
    names = Object.fromEntries(Object.entries(seeded.people).map(([name, id]) => [id, name]));
  });

  it.each(cases)('%s', async (_label, input, expected) => {
    const parsed = parseRule(input);
    if (!parsed.success) throw new Error(JSON.stringify(parsed.issues));
    const rows = await matchingSubscribers(database().db, parsed.rule as Rule, { now: NOW }).execute();
    expect(rows.map((row) => names[row.id]).sort()).toEqual([...expected].sort());
  });
});
