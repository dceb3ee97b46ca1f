import { beforeEach, describe, expect, it } from 'vitest';
import { loadRenderedCampaign } from '../../src/campaigns/load-rendered.ts';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { clock, seedContent, seedItems, type SeedKey } from './seed.ts';

interface CampaignBody {
  id: string;
  status: string;
  items: { id: string; title: string }[];
  warnings: string[];
  archiveUrl: string;
  counts: Record<string, number>;
}

describeEachDatabase('campaigns', (database) => {
  let ids: Record<SeedKey, string>;

  beforeEach(async () => {
    await database().reset();
    ids = await seedContent(database().db);
  });

  const compose = async (now: Date, json: object) => {
    const { request, deps } = createTestApp(database().db, { now: () => now });
    const response = await request('POST', '/api/campaigns', { json });
    return { response, body: (await response.json()) as CampaignBody, request, deps };
  };

  describe('compose from a fixed clock and content set', () => {
    const chosen: SeedKey[] = ['seoul', 'paris', 'report', 'brief', 'news'];
    const left: SeedKey[] = ['farEvent', 'pastEvent', 'oldPaper'];
    let html = '';
    let text = '';

    beforeEach(async () => {
      const { response, body, request } = await compose(clock, {
        subject: 'January issue',
        intro: 'Welcome to **2027**. <script>alert(1)</script>',
        lists: ['monthly'],
        compose: { since: '2026-12-15T00:00:00Z', eventsWithinDays: 60 },
      });
      expect(response.status).toBe(201);
      expect(body.items.map((item) => item.id)).toEqual([ids.seoul, ids.paris, ids.brief, ids.report, ids.news]);
      html = await (await request('GET', `/api/campaigns/${body.id}/preview?format=html`)).text();
      text = await (await request('GET', `/api/campaigns/${body.id}/preview?format=text`)).text();
    });

    for (const key of chosen) {
      it(`html holds ${key}`, () => {
        expect(html).toContain(seedItems[key].title);
      });
      it(`text holds ${key}`, () => {
        expect(text).toContain(seedItems[key].title);
      });
      it(`both link ${key}`, () => {
        expect(html).toContain(`href="${seedItems[key].url}"`);
        expect(text).toContain(seedItems[key].url!);
      });
    }

    for (const key of left) {
      it(`html leaves out ${key}`, () => {
        expect(html).not.toContain(seedItems[key].title);
      });
      it(`text leaves out ${key}`, () => {
        expect(text).not.toContain(seedItems[key].title);
      });
    }

    it('shows event time in its own zone', () => {
      expect(html).toContain('Tuesday, 12 January 2027, 09:00–17:00 (Asia/Seoul)');
      expect(text).toContain('Tuesday, 12 January 2027, 09:00–17:00 (Asia/Seoul)');
    });

    it('shows online events as Online', () => {
      expect(text).toMatch(/Wednesday, 10 February 2027, 14:00–16:00 \(Europe\/Paris\)\s+Online/);
    });

    it('shows the venue', () => {
      expect(text).toContain('Conference Centre, Seoul, Republic of Korea');
    });

    it('links registration in both parts', () => {
      expect(html).toContain(seedItems.seoul.registration_url!);
      expect(text).toContain(seedItems.seoul.registration_url!);
    });

    it('links add to calendar in both parts', () => {
      const calendar = `https://news.example.org/events/${ids.seoul}.ics`;
      expect(html).toContain(calendar);
      expect(text).toContain(calendar);
    });

    it('renders the intro markdown', () => {
      expect(html).toContain('<strong>2027</strong>');
    });

    it('drops scripts from the intro', () => {
      expect(html).not.toContain('<script>alert');
    });

    it('puts the postal address in the footer', () => {
      expect(text).toContain('1 Example Plaza, 10000 Example City, Example Country');
    });

    it('says why the reader receives it', () => {
      expect(text).toContain('You receive this because you subscribed to Monthly newsletter');
    });

    it('fills preview merge fields with neutral values', () => {
      expect(html).not.toContain('{{gz:');
    });
  });

  it('stores merge-field placeholders in the render', async () => {
    const { body } = await compose(clock, { subject: 'Placeholders', lists: ['monthly'] });
    const row = await database().db.selectFrom('campaigns').select(['html', 'text']).where('id', '=', body.id).executeTakeFirstOrThrow();
    for (const field of ['{{gz:name}}', '{{gz:unsubscribe_url}}', '{{gz:preferences_url}}']) {
      expect(row.html).toContain(field);
      expect(row.text).toContain(field);
    }
  });

  it('defaults since to the previous sent issue', async () => {
    const first = await compose(clock, { subject: 'First', lists: ['monthly'], compose: { since: '2026-12-15T00:00:00Z' } });
    const sentAt = new Date('2027-01-05T00:00:00Z');
    await database()
      .db.updateTable('campaigns')
      .set({ status: 'sent', started_at: sentAt, finished_at: sentAt })
      .where('id', '=', first.body.id)
      .execute();
    const later = await database()
      .db.insertInto('content_items')
      .values({ kind: 'publication', guid: 'later', content_hash: 'later', title: 'Later Paper', published_at: '2027-01-10T00:00:00Z' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const second = await compose(new Date('2027-01-15T00:00:00Z'), { subject: 'Second', lists: ['monthly'] });
    expect(second.body.items.map((item) => item.id)).toEqual([later.id]);
  });

  it('never repeats an item of the series', async () => {
    const first = await compose(clock, { subject: 'First', lists: ['monthly'], compose: { since: '2026-12-15T00:00:00Z' } });
    await database().db.updateTable('campaigns').set({ status: 'sent', started_at: clock }).where('id', '=', first.body.id).execute();
    // The brief is edited and published again after the first issue went out.
    await database()
      .db.updateTable('content_items')
      .set({ published_at: '2027-01-06T00:00:00Z' })
      .where('id', '=', ids.brief)
      .execute();
    const second = await compose(new Date('2027-01-15T00:00:00Z'), { subject: 'Second', lists: ['monthly'] });
    expect(second.body.items.map((item) => item.id)).not.toContain(ids.brief);
  });

  it('unknown list slug answers 422', async () => {
    const { response } = await compose(clock, { subject: 'Nope', lists: ['monthly', 'missing'] });
    expect(response.status).toBe(422);
  });

  it('unknown list slug stores nothing', async () => {
    await compose(clock, { subject: 'Nope', lists: ['missing'] });
    const rows = await database().db.selectFrom('campaigns').select('id').execute();
    expect(rows).toEqual([]);
  });

  it('unknown list slug names the path', async () => {
    const { body } = await compose(clock, { subject: 'Nope', lists: ['monthly', 'missing'] });
    expect((body as unknown as { error: { details: { path: string }[] } }).error.details[0]!.path).toBe('lists.1');
  });

  it('patch changes a draft', async () => {
    const { body, request } = await compose(clock, { subject: 'Draft', lists: ['monthly'] });
    const response = await request('PATCH', `/api/campaigns/${body.id}`, { json: { subject: 'Renamed' } });
    expect(((await response.json()) as { subject: string }).subject).toBe('Renamed');
  });

  it('patch on a non-draft answers 409', async () => {
    const { body, request } = await compose(clock, { subject: 'Sent', lists: ['monthly'] });
    await database().db.updateTable('campaigns').set({ status: 'sent' }).where('id', '=', body.id).execute();
    const response = await request('PATCH', `/api/campaigns/${body.id}`, { json: { subject: 'Too late' } });
    expect(response.status).toBe(409);
  });

  it('preview html answers text/html', async () => {
    const { body, request } = await compose(clock, { subject: 'Preview', lists: ['monthly'] });
    const response = await request('GET', `/api/campaigns/${body.id}/preview?format=html`);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('preview text answers text/plain', async () => {
    const { body, request } = await compose(clock, { subject: 'Preview', lists: ['monthly'] });
    const response = await request('GET', `/api/campaigns/${body.id}/preview?format=text`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it('preview of an unknown id answers 404', async () => {
    const { request } = createTestApp(database().db);
    const response = await request('GET', '/api/campaigns/999/preview');
    expect(response.status).toBe(404);
  });

  it('get reports counts', async () => {
    const { body, request } = await compose(clock, { subject: 'Counts', lists: ['monthly'] });
    const response = await request('GET', `/api/campaigns/${body.id}`);
    expect(((await response.json()) as CampaignBody).counts).toEqual({
      audience: 0,
      queued: 0,
      sent: 0,
      failed: 0,
      uncertain: 0,
      bounced: 0,
      complained: 0,
      unsubscribed: 0,
    });
  });

  it('list pages campaigns', async () => {
    const { request } = await compose(clock, { subject: 'One', lists: ['monthly'] });
    await request('POST', '/api/campaigns', { json: { subject: 'Two', lists: ['monthly'] } });
    const response = await request('GET', '/api/campaigns?pageSize=1');
    const page = (await response.json()) as { items: CampaignBody[]; total: number };
    expect([page.items.length, page.total]).toEqual([1, 2]);
  });

  it('flags an html body over 100 KB', async () => {
    await database()
      .db.insertInto('content_items')
      .values(
        Array.from({ length: 250 }, (_, index) => ({
          kind: 'news' as const,
          guid: `bulk-${index}`,
          content_hash: `bulk-${index}`,
          title: `Bulk news item ${index}`,
          url: `https://www.example.org/news/bulk-${index}`,
          summary: 'A long summary sentence about governance. '.repeat(8),
          published_at: '2027-01-01T00:00:00Z',
        })),
      )
      .execute();
    const { body } = await compose(clock, { subject: 'Long', lists: ['monthly'] });
    expect(body.warnings[0]).toMatch(/Gmail clips/);
  });

  it('render links the archive page in both parts', async () => {
    const { body } = await compose(clock, { subject: 'Web version', lists: ['monthly'] });
    const row = await database().db.selectFrom('campaigns').select(['html', 'text']).where('id', '=', body.id).executeTakeFirstOrThrow();
    expect(row.html).toContain(`href="${body.archiveUrl}"`);
    expect(row.text).toContain(body.archiveUrl);
  });

  it('rendered campaign links the web version', async () => {
    const { body, deps } = await compose(clock, { subject: 'Rendered', lists: ['monthly'] });
    const rendered = await loadRenderedCampaign(deps, body.id);
    expect(rendered.bodyFor({ subscriberId: '1' })!.html).toContain(body.archiveUrl);
  });

  it('rendered campaign keeps the unsubscribe placeholder', async () => {
    const { body, deps } = await compose(clock, { subject: 'Rendered', lists: ['monthly'] });
    const rendered = await loadRenderedCampaign(deps, body.id);
    expect(rendered.bodyFor({ subscriberId: '1' })!.text).toContain('{{gz:unsubscribe_url}}');
  });

  describe('archive', () => {
    let campaign: CampaignBody;
    let request: ReturnType<typeof createTestApp>['request'];

    beforeEach(async () => {
      const composed = await compose(clock, { subject: 'Archived issue', lists: ['monthly'], compose: { since: '2026-12-15T00:00:00Z' } });
      campaign = composed.body;
      request = composed.request;
      await database().db.updateTable('campaigns').set({ status: 'sent', started_at: clock, finished_at: clock }).where('id', '=', campaign.id).execute();
    });

    it('index lists the sent issue', async () => {
      const page = await (await request('GET', '/archive', { token: null })).text();
      expect(page).toContain(campaign.archiveUrl);
    });

    it('issue page shows the content', async () => {
      const page = await (await request('GET', new URL(campaign.archiveUrl).pathname, { token: null })).text();
      expect(page).toContain(seedItems.report.title);
    });

    it('issue page carries no merge field', async () => {
      const page = await (await request('GET', new URL(campaign.archiveUrl).pathname, { token: null })).text();
      expect(page).not.toContain('{{gz:');
    });

    it('issue page carries no unsubscribe token', async () => {
      const page = await (await request('GET', new URL(campaign.archiveUrl).pathname, { token: null })).text();
      expect(page).not.toContain('/unsubscribe/');
    });

    it('draft issues are not archived', async () => {
      const draft = await compose(clock, { subject: 'Draft only', lists: ['monthly'] });
      const response = await request('GET', new URL(draft.body.archiveUrl).pathname, { token: null });
      expect(response.status).toBe(404);
    });

    it('atom feed holds the issue', async () => {
      const response = await request('GET', '/archive.xml', { token: null });
      expect(await response.text()).toContain(`<title>Archived issue</title>`);
    });
  });
});
