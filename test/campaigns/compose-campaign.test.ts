import { beforeEach, describe, expect, it } from 'vitest';
import { composeCampaign } from '../../src/campaigns/campaigns.ts';
import { loadRenderedCampaign } from '../../src/campaigns/load-rendered.ts';
import { testDeps } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { clock, seedContent, seedItems, type SeedKey } from './seed.ts';

describeEachDatabase('composeCampaign', (database) => {
  let ids: Record<SeedKey, string>;

  beforeEach(async () => {
    await database().reset();
    ids = await seedContent(database().db);
  });

  const deps = (now = clock) => testDeps(database().db, { now: () => now });

  it('skips an empty window without writing', async () => {
    const result = await composeCampaign(
      deps(),
      { subject: 'Digest', lists: ['monthly'], compose: { since: '2027-01-03T00:00:00Z', eventsWithinDays: 1 } },
      { series: 'digest:monthly', skipWhenEmpty: true },
    );
    const rows = await database().db.selectFrom('campaigns').select('id').execute();
    expect(result.campaign).toBeNull();
    expect(rows).toEqual([]);
  });

  it('limits items per section', async () => {
    const result = await composeCampaign(
      deps(),
      { subject: 'Digest', lists: ['monthly'], compose: { since: '2026-12-15T00:00:00Z', maxItemsPerSection: 1 } },
      { series: 'digest:monthly' },
    );
    expect(result.campaign!.items.map((item) => item.id)).toEqual([ids.seoul, ids.brief, ids.news]);
  });

  it('keeps series apart', async () => {
    const window = { since: '2026-12-15T00:00:00Z' };
    const first = await composeCampaign(deps(), { subject: 'A', lists: ['monthly'], compose: window }, { series: 'digest:a' });
    await database().db.updateTable('campaigns').set({ status: 'sent', started_at: clock }).where('id', '=', first.campaign!.id).execute();
    const other = await composeCampaign(deps(), { subject: 'B', lists: ['monthly'], compose: window }, { series: 'digest:b' });
    expect(other.campaign!.items).toHaveLength(first.campaign!.items.length);
  });

  it('never repeats an event of the series', async () => {
    const window = { since: '2026-12-15T00:00:00Z', eventsWithinDays: 60 };
    const first = await composeCampaign(deps(), { subject: 'A', lists: ['monthly'], compose: window }, { series: 'digest:a' });
    await database().db.updateTable('campaigns').set({ status: 'sent', started_at: clock }).where('id', '=', first.campaign!.id).execute();
    const second = await composeCampaign(deps(new Date('2027-01-05T00:00:00Z')), { subject: 'B', lists: ['monthly'], compose: window }, { series: 'digest:a' });
    expect(second.campaign!.items.map((item) => item.id)).not.toContain(ids.seoul);
  });

  describe('per-topic variants', () => {
    beforeEach(async () => {
      const db = database().db;
      const list = await db.selectFrom('lists').select('id').where('slug', '=', 'monthly').executeTakeFirstOrThrow();
      const digital = await db.insertInto('topics').values({ slug: 'digital', name: 'Digital government' }).returning('id').executeTakeFirstOrThrow();
      const reader = await db.insertInto('subscribers').values({ email: 'digital@example.org', attributes: {} }).returning('id').executeTakeFirstOrThrow();
      await db.insertInto('subscriber_topics').values({ subscriber_id: reader.id, topic_id: digital.id }).execute();
      await db.insertInto('subscriptions').values({ subscriber_id: reader.id, list_id: list.id, status: 'confirmed' }).execute();
    });

    it('gives a reader only their topics', async () => {
      const { campaign } = await composeCampaign(
        deps(),
        { subject: 'Digest', lists: ['monthly'], compose: { since: '2026-12-15T00:00:00Z' } },
        { series: 'digest:topics', perTopic: true },
      );
      const rendered = await loadRenderedCampaign(deps(), campaign!.id);
      const body = rendered.bodyFor({ subscriberId: '1', topics: ['digital'] })!;
      expect(body.text).toContain(seedItems.report.title);
      expect(body.text).not.toContain(seedItems.brief.title);
      expect(body.html).not.toContain(seedItems.brief.title);
    });

    it('keeps untagged items in every variant', async () => {
      const { campaign } = await composeCampaign(
        deps(),
        { subject: 'Digest', lists: ['monthly'], compose: { since: '2026-12-15T00:00:00Z' } },
        { series: 'digest:topics', perTopic: true },
      );
      const rendered = await loadRenderedCampaign(deps(), campaign!.id);
      expect(rendered.bodyFor({ subscriberId: '1', topics: ['digital'] })!.text).toContain(seedItems.news.title);
    });

    it('stores each variant once', async () => {
      const { campaign } = await composeCampaign(
        deps(),
        { subject: 'Digest', lists: ['monthly'], compose: { since: '2026-12-15T00:00:00Z' } },
        { series: 'digest:topics', perTopic: true },
      );
      await loadRenderedCampaign(deps(), campaign!.id);
      await loadRenderedCampaign(deps(), campaign!.id);
      const rows = await database().db.selectFrom('campaign_variants').select('variant_key').execute();
      expect(rows).toHaveLength(1);
    });
  });
});
