import { sql } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { audienceQuery, countAudience, resolveAudience } from '../../src/segments/audience.ts';
import { createSegment } from '../../src/segments/segments.ts';
import type { AudienceSpec } from '../../src/db/schema.ts';
import type { Rule } from '../../src/segments/rule.ts';
import { ValidationError } from '../../src/errors.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { NOW, seed, type Seeded } from './seed.ts';

const government: Rule = { field: 'organisationType', op: 'in', value: ['government', 'academic'] };

describeEachDatabase('audienceQuery', (database) => {
  let seeded: Seeded;
  let names: Record<string, string> = {};
  let segmentId = '';

  beforeAll(async () => {
    await database().reset();
    seeded = await seed(database().db);
    names = Object.fromEntries(Object.entries(seeded.people).map(([name, id]) => [id, name]));
    segmentId = (await createSegment(database().db, { name: 'Officials and academics', rule: government })).id;
  });

  async function who(audience: AudienceSpec): Promise<string[]> {
    const resolved = await resolveAudience(database().db, audience);
    const rows = await audienceQuery(database().db, resolved, { now: NOW }).execute();
    return rows.map((row) => names[row.subscriber_id]!).sort();
  }

  it('lists alone keep confirmed, active, unsuppressed', async () => {
    expect(await who({ lists: ['news'] })).toEqual(['alice', 'bruno']);
  });

  it('rule alone needs a confirmed list', async () => {
    expect(await who({ rule: { field: 'country', op: 'in', value: ['FR', 'NG', 'US'] } })).toEqual(['alice']);
  });

  it('segment alone excludes suppressed and blocklisted', async () => {
    expect(await who({ segment: segmentId })).toEqual(['alice', 'chen']);
  });

  it('segment with lists', async () => {
    expect(await who({ segment: segmentId, lists: ['news'] })).toEqual(['alice']);
  });

  it('segment and rule both apply', async () => {
    expect(await who({ segment: segmentId, rule: { field: 'language', op: 'equals', value: 'ko' } })).toEqual(['chen']);
  });

  it('unconfirmed subscriber is excluded', async () => {
    expect(await who({ rule: { field: 'country', op: 'equals', value: 'NG' } })).toEqual([]);
  });

  it('suppressed rule cannot reach suppressed', async () => {
    expect(await who({ lists: ['news'], rule: { field: 'suppressed', op: 'equals', value: true } })).toEqual([]);
  });

  it('nothing chosen means nobody', async () => {
    expect(await who({})).toEqual([]);
  });

  it('countAudience resolves the segment', async () => {
    expect(await countAudience(database().db, { segment: segmentId }, { now: NOW })).toBe(2);
  });

  it('unresolved segment throws', () => {
    expect(() => audienceQuery(database().db, { segment: segmentId })).toThrow(/resolveAudience/);
  });

  it('unknown segment is a validation error', async () => {
    await expect(resolveAudience(database().db, { segment: '999999' })).rejects.toBeInstanceOf(ValidationError);
  });

  it('invalid rule names its path', () => {
    let caught: unknown;
    try {
      audienceQuery(database().db, { rule: { all: [{ field: 'country', op: 'equals', value: 7 }] } });
    } catch (error) {
      caught = error;
    }
    expect((caught as ValidationError).details?.[0]?.path).toBe('rule.all.0.value');
  });

  it('materialises the ledger in one statement', async () => {
    const db = database().db;
    const campaign = await db
      .insertInto('campaigns')
      .values({ subject: 'ledger', audience: { segment: segmentId } })
      .returning('id')
      .executeTakeFirstOrThrow();
    const audience = await resolveAudience(db, { segment: segmentId });
    await db
      .insertInto('ledger')
      .columns(['campaign_id', 'subscriber_id', 'email'])
      .expression(
        db
          .selectFrom(audienceQuery(db, audience, { now: NOW }).as('audience'))
          .select([sql<string>`${campaign.id}::bigint`.as('campaign_id'), 'audience.subscriber_id', 'audience.email']),
      )
      .execute();
    const rows = await db.selectFrom('ledger').select('subscriber_id').where('campaign_id', '=', campaign.id).execute();
    expect(rows.map((row) => names[row.subscriber_id]).sort()).toEqual(['alice', 'chen']);
  });
});
