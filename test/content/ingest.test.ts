import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { ingestDocument } from '../../src/content/ingest.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { projectFixture, readSharedFixture, sharedFixturesDir, sharedFixturesMissing } from '../helpers/fixtures.ts';

const now = new Date('2026-12-01T08:00:00Z');
const encoder = new TextEncoder();

function rss(items: string): Uint8Array {
  return encoder.encode(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Office news</title><link>https://example.org</link><description>d</description>
${items}
</channel></rss>`);
}

describeEachDatabase('content ingest', (database) => {
  beforeEach(() => database().reset());

  const titles = async () =>
    (await database().db.selectFrom('content_items').select('title').orderBy('id').execute()).map((row) => row.title);

  describe.skipIf(!sharedFixturesDir)(`shared feeds${sharedFixturesDir ? '' : ` (${sharedFixturesMissing})`}`, () => {
    it('guardian rss 2.0 stores every item', async () => {
      const result = await ingestDocument(database().db, readSharedFixture('feeds', 'guardian.rss'), { kind: 'news', source: 'import', now });
      expect(result.format).toBe('rss');
      expect(result.counts.created).toBe(55);
      expect(result.counts.failed).toBe(0);
      expect((await titles())[0]).toBe('Trump State of the Union address promised unity but emphasized discord');
    });

    it('guardian items keep dates and topics', async () => {
      await ingestDocument(database().db, readSharedFixture('feeds', 'guardian.rss'), { kind: 'news', source: 'import', now });
      const row = await database().db.selectFrom('content_items').selectAll().orderBy('id').limit(1).executeTakeFirstOrThrow();
      expect(new Date(row.published_at!).getUTCFullYear()).toBe(2018);
      expect(row.topics).toContain('us-politics');
      expect(new Date(row.ingested_at).toISOString()).toBe(now.toISOString());
    });

    it('feedburner atom stores every entry', async () => {
      const result = await ingestDocument(database().db, readSharedFixture('feeds', 'feedburner.atom'), { kind: 'news', source: 'import', now });
      expect(result.format).toBe('atom');
      expect(result.counts.created).toBe(25);
      expect(result.feed.title).toBe('Google Ads Developer Blog');
    });

    it('heraldsun rss 0.92 reads the odd date', async () => {
      const result = await ingestDocument(database().db, readSharedFixture('feeds', 'heraldsun.rss'), { kind: 'news', source: 'import', now });
      expect(result.feed.publishedAt).toBe('2002-04-03T15:00:00.000Z');
      expect(await titles()).toEqual(['The First Item', 'The Second Item']);
    });

    it('heraldsun items without a date have no published time', async () => {
      await ingestDocument(database().db, readSharedFixture('feeds', 'heraldsun.rss'), { kind: 'news', source: 'import', now });
      const row = await database().db.selectFrom('content_items').selectAll().orderBy('id').limit(1).executeTakeFirstOrThrow();
      expect(row.published_at).toBeNull();
      expect(row.language).toBe('en-gb');
    });

    it('encoding rss decodes iso-8859-1 titles', async () => {
      const result = await ingestDocument(database().db, readSharedFixture('feeds', 'encoding.rss'), { kind: 'news', source: 'import', now });
      expect(result.encoding).toBe('windows-1252');
      expect(result.feed.title).toBe('Jornal de Notícias - Últimas Notícias');
      expect((await titles())[0]).toBe('Mãe de utente é a nova presidente da Raríssimas');
    });

    it('encoding rss drops the tracking pixel', async () => {
      await ingestDocument(database().db, readSharedFixture('feeds', 'encoding.rss'), { kind: 'news', source: 'import', now });
      const row = await database().db.selectFrom('content_items').selectAll().orderBy('id').limit(1).executeTakeFirstOrThrow();
      expect(row.summary).toContain('Sónia Laygue');
      expect(row.summary).not.toContain('<img');
    });

    it('content-encoded rss keeps guid and authors', async () => {
      const result = await ingestDocument(database().db, readSharedFixture('feeds', 'content-encoded.rss'), { kind: 'publication', source: 'import', now });
      expect(result.counts.created).toBe(7);
      const row = await database().db.selectFrom('content_items').selectAll().orderBy('id').limit(1).executeTakeFirstOrThrow();
      expect(row.title).toBe('THE CREATIVE FORAGER');
      expect(row.guid).toBe('https://medium.com/p/125af37d838f');
      expect(row.authors).toEqual(['Jeremy Puma']);
    });

    it('second ingest of a feed changes nothing', async () => {
      const bytes = readSharedFixture('feeds', 'guardian.rss');
      await ingestDocument(database().db, bytes, { kind: 'news', source: 'import', now });
      const again = await ingestDocument(database().db, bytes, { kind: 'news', source: 'import', now });
      expect(again.counts.unchanged).toBe(55);
      expect(again.counts.created).toBe(0);
    });
  });

  it('edited entry updates its row', async () => {
    const first = rss('<item><guid>g-1</guid><title>Forum on open government</title><link>https://example.org/a</link><description>Draft</description></item>');
    const edited = rss('<item><guid>g-1</guid><title>Regional forum on open government</title><link>https://example.org/a</link><description>Final</description></item>');
    await ingestDocument(database().db, first, { kind: 'news', source: 'import', now });
    const result = await ingestDocument(database().db, edited, { kind: 'news', source: 'import', now: new Date('2026-12-02T08:00:00Z') });
    expect(result.counts.updated).toBe(1);
    expect(await titles()).toEqual(['Regional forum on open government']);
  });

  it('edited entry keeps its first ingest time', async () => {
    const first = rss('<item><guid>g-1</guid><title>One</title></item>');
    const edited = rss('<item><guid>g-1</guid><title>Two</title></item>');
    await ingestDocument(database().db, first, { kind: 'news', source: 'import', now });
    await ingestDocument(database().db, edited, { kind: 'news', source: 'import', now: new Date('2026-12-02T08:00:00Z') });
    const row = await database().db.selectFrom('content_items').selectAll().executeTakeFirstOrThrow();
    expect(new Date(row.ingested_at).toISOString()).toBe(now.toISOString());
    expect(new Date(row.updated_at).toISOString()).toBe('2026-12-02T08:00:00.000Z');
  });

  it('entry without guid is matched by link', async () => {
    const first = rss('<item><title>One</title><link>https://example.org/x</link></item>');
    const edited = rss('<item><title>One, revised</title><link>https://example.org/x</link></item>');
    await ingestDocument(database().db, first, { kind: 'news', source: 'import', now });
    const result = await ingestDocument(database().db, edited, { kind: 'news', source: 'import', now });
    expect(result.counts.updated).toBe(1);
    expect(await titles()).toEqual(['One, revised']);
  });

  it('sanitisation strips scripts handlers and javascript urls', async () => {
    const hostile = rss(`<item><guid>h</guid><title>Safe &lt;b&gt;title&lt;/b&gt;</title>
      <link>javascript:alert(1)</link>
      <description><![CDATA[<p onclick="steal()">Hello <script>alert(1)</script><a href="javascript:alert(2)">x</a><a href="https://example.org/ok" onmouseover="x()">ok</a><img src="x" onerror="boom()"></p>]]></description></item>`);
    await ingestDocument(database().db, hostile, { kind: 'news', source: 'import', now });
    const row = await database().db.selectFrom('content_items').selectAll().executeTakeFirstOrThrow();
    expect(row.summary).not.toMatch(/script/i);
    expect(row.summary).not.toMatch(/onclick|onmouseover|onerror/i);
    expect(row.summary).not.toMatch(/javascript:/i);
    expect(row.summary).toContain('<a href="https://example.org/ok">ok</a>');
    expect(row.title).toBe('Safe title');
    expect(row.url).toBeNull();
  });

  it('failed entry does not stop the others', async () => {
    const mixed = rss('<item><guid>a</guid><title>Good one</title></item><item><guid>b</guid><description>no title</description></item><item><guid>c</guid><title>Good two</title></item>');
    const result = await ingestDocument(database().db, mixed, { kind: 'news', source: 'import', now });
    expect(result.counts).toEqual({ created: 2, updated: 0, unchanged: 0, failed: 1 });
    expect(result.entries[1]).toMatchObject({ position: 2, outcome: 'failed', reason: 'missing title' });
  });

  it('undeclared windows-1252 feed is detected', async () => {
    const text = '<rss version="2.0"><channel><title>x</title><item><title>Coopération régionale – bilan</title></item></channel></rss>';
    const bytes = new Uint8Array(Buffer.from(text, 'latin1').length);
    const iconv = (await import('iconv-lite')).default;
    bytes.set(iconv.encode(text, 'windows-1252'));
    const result = await ingestDocument(database().db, bytes, { kind: 'news', source: 'import', now });
    expect(result.encoding).toBe('windows-1252');
    expect(await titles()).toEqual(['Coopération régionale – bilan']);
  });

  it('json feed entries are stored', async () => {
    const feed = JSON.stringify({
      version: 'https://jsonfeed.org/version/1.1',
      title: 'Research',
      items: [{ id: 'p1', url: 'https://example.org/p1', title: 'Digital government review', content_html: '<p>Abstract</p>', date_published: '2026-11-20T10:00:00+01:00', tags: ['Digital Government'], authors: [{ name: 'A. Researcher' }] }],
    });
    const result = await ingestDocument(database().db, encoder.encode(feed), { kind: 'publication', source: 'import', now });
    expect(result.format).toBe('json');
    const row = await database().db.selectFrom('content_items').selectAll().executeTakeFirstOrThrow();
    expect(row.topics).toEqual(['digital-government']);
    expect(new Date(row.published_at!).toISOString()).toBe('2026-11-20T09:00:00.000Z');
  });

  it('csv rows report bad lines', async () => {
    const csv = readFileSync(projectFixture('content', 'events.csv'));
    const result = await ingestDocument(database().db, csv, { kind: 'event', filename: 'events.csv', source: 'import', now });
    expect(result.counts.created).toBe(2);
    expect(result.counts.failed).toBe(2);
    expect(result.entries.find((entry) => entry.position === 3)?.reason).toMatch(/unknown time zone "Mars\/Olympus"/);
    expect(result.entries.find((entry) => entry.position === 4)?.reason).toMatch(/invalid startsAt "not a date"/);
  });

  it('csv event times use the row time zone', async () => {
    const csv = readFileSync(projectFixture('content', 'events.csv'));
    await ingestDocument(database().db, csv, { kind: 'event', filename: 'events.csv', source: 'import', now });
    const row = await database().db.selectFrom('content_items').selectAll().orderBy('id').limit(1).executeTakeFirstOrThrow();
    expect(new Date(row.starts_at!).toISOString()).toBe('2027-03-10T00:00:00.000Z');
    expect(row.timezone).toBe('Asia/Seoul');
    expect(row.city).toBe('Seoul');
  });

  it('non-feed text stores nothing', async () => {
    await expect(
      ingestDocument(database().db, encoder.encode('<html><body>Not a feed</body></html>'), { kind: 'news', source: 'import', now }),
    ).rejects.toMatchObject({ status: 422 });
    expect(await titles()).toEqual([]);
  });
});
