/**
 * The main job end to end, through the staff API, as the README walk-through does it. A list gets
 * subscribers from CSV, events and publications are ingested, and an issue composed from them is
 * sent by the worker through the SES API. Every message is then checked as SES received it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSesMailer } from '../../src/delivery/ses.ts';
import { createSendWorker } from '../../src/delivery/worker.ts';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { sharedFixture, sharedFixturesDir, sharedFixturesMissing } from '../helpers/fixtures.ts';
import { rawHeader, startRecordingSes, type RecordingSes } from '../helpers/recording-ses.ts';

const demo = (name: string) => path.join(import.meta.dirname, '..', '..', 'demo', name);

/** The demo subscribers whose rows are valid; the file's last row is not an address. */
const demoAddresses = readFileSync(demo('subscribers.csv'), 'utf8')
  .split('\n')
  .slice(1)
  .map((line) => line.split(',')[0]!)
  .filter((email) => email.includes('@'));

const now = new Date('2026-12-04T09:00:00Z');

interface CampaignBody {
  id: string;
  status: string;
  items: { id: string; title: string }[];
  counts: Record<string, number>;
}

describeEachDatabase('the main job end to end', (database) => {
  let ses: RecordingSes;
  beforeAll(async () => {
    ses = await startRecordingSes({ maxSendRate: 1000 });
  });
  afterAll(async () => {
    await ses.close();
  });
  beforeEach(async () => {
    await database().reset();
    ses.clear();
  });

  function setup() {
    const test = createTestApp(database().db, {
      now: () => now,
      env: { SES_ENDPOINT: ses.url, UNSUBSCRIBE_MAILTO: 'unsubscribe@news.example.org' },
    });
    test.deps.mailer = createSesMailer(test.deps.config.ses);
    return test;
  }
  type Test = ReturnType<typeof setup>;

  async function json<T>(response: Response, status: number): Promise<T> {
    const body = await response.text();
    expect(response.status, body).toBe(status);
    return JSON.parse(body) as T;
  }

  async function upload(test: Test, route: string, file: string, fields: Record<string, string>) {
    const form = new FormData();
    form.set('file', new File([new Uint8Array(readFileSync(file))], path.basename(file)));
    for (const [name, value] of Object.entries(fields)) form.set(name, value);
    return test.request('POST', route, { body: form });
  }

  async function createNewsletter(test: Test) {
    await json(
      await test.request('POST', '/api/lists', {
        json: { name: 'Governance Newsletter', slug: 'newsletter', optIn: 'single', visibility: 'public' },
      }),
      201,
    );
  }

  async function importDemoSubscribers(test: Test) {
    const accepted = await json<{ id: string }>(await upload(test, '/api/imports', demo('subscribers.csv'), { list: 'newsletter' }), 202);
    await test.deps.jobs.idle();
    return json<{ status: string; counts: Record<string, number>; errors: { line: number; message: string }[] }>(
      await test.request('GET', `/api/imports/${accepted.id}`),
      200,
    );
  }

  /** Composes, sends and drains the worker; returns the campaign as the API reports it after. */
  async function composeAndSend(test: Test, subject: string, since = '2026-01-01T00:00:00Z') {
    const draft = await json<CampaignBody>(
      await test.request('POST', '/api/campaigns', {
        json: { subject, lists: ['newsletter'], compose: { since, eventsWithinDays: 365 } },
      }),
      201,
    );
    expect(draft.items.length).toBeGreaterThan(0);
    await json(await test.request('POST', `/api/campaigns/${draft.id}/send`), 202);
    await createSendWorker(test.deps, { backoff: { baseMs: 1, maxMs: 5, maxRetries: 20 } }).drain();
    const after = await json<CampaignBody>(await test.request('GET', `/api/campaigns/${draft.id}`), 200);
    return { draft, after };
  }

  /** Checks every recorded message: one per address, the bulk headers, the titles in both parts. */
  async function expectDelivered(campaign: CampaignBody, addresses: string[]) {
    expect([...ses.countsByAddress().entries()].sort()).toEqual(addresses.map((email) => [email, 1]).sort());
    for (const message of ses.messages) {
      const mail = await ses.parse(message);
      const unsubscribe = rawHeader(mail, 'List-Unsubscribe') ?? '';
      expect(unsubscribe).toMatch(/<https:\/\/news\.example\.org\/unsubscribe\/[^>]+>/);
      expect(unsubscribe).toContain('<mailto:unsubscribe@news.example.org');
      expect(rawHeader(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      expect(rawHeader(mail, 'List-Id')).toContain('newsletter');
      expect(rawHeader(mail, 'X-Gazette-Campaign')).toBe(campaign.id);
      const html = visibleText(typeof mail.html === 'string' ? mail.html : '');
      const text = squeeze(mail.text ?? '');
      for (const item of campaign.items) {
        expect(html).toContain(squeeze(item.title));
        expect(text).toContain(squeeze(item.title));
      }
    }
  }

  it('sends the demo issue once each', async () => {
    const test = setup();
    await createNewsletter(test);

    const imported = await importDemoSubscribers(test);
    expect(imported.status).toBe('done');
    expect(imported.errors).toEqual([expect.objectContaining({ line: 11 })]);

    await json(await upload(test, '/api/content/import', demo('events.ics'), { kind: 'event' }), 200);
    await json(await upload(test, '/api/content/import', demo('publications.json'), { kind: 'publication' }), 200);

    const { draft, after } = await composeAndSend(test, 'Governance Newsletter: December');
    const titles = draft.items.map((item) => item.title);
    expect(titles).toEqual(expect.arrayContaining(['Global Forum on Public Service Innovation 2027']));
    expect(titles).toEqual(expect.arrayContaining(['Buying AI responsibly: guidance for public procurement officers']));

    expect(after.status).toBe('sent');
    expect(after.counts).toMatchObject({ audience: demoAddresses.length, sent: demoAddresses.length, failed: 0 });
    await expectDelivered(after, demoAddresses);
  });

  it('sends nothing twice on resend', async () => {
    const test = setup();
    await createNewsletter(test);
    await importDemoSubscribers(test);
    await upload(test, '/api/content/import', demo('publications.json'), { kind: 'publication' });
    const { draft } = await composeAndSend(test, 'Once only');

    const again = await test.request('POST', `/api/campaigns/${draft.id}/send`);
    expect(again.status).toBeLessThan(500);
    await createSendWorker(test.deps).drain();
    expect(ses.messages).toHaveLength(demoAddresses.length);
  });

  describe.skipIf(!sharedFixturesDir)('with each real feed', () => {
    const feeds = sharedFixturesDir ? readdirSync(sharedFixture('feeds')).filter((name) => !name.startsWith('.') && name !== 'README.md') : [];
    for (const feed of feeds) {
      it(`sends an issue made from ${feed}`, async () => {
        const test = setup();
        await createNewsletter(test);
        await importDemoSubscribers(test);
        const ingested = await upload(test, '/api/content/import', sharedFixture('feeds', feed), { kind: 'news' });
        expect(ingested.status, await ingested.clone().text()).toBe(200);

        // The sample feeds are years old, so the issue looks back far enough to include them.
        const { after } = await composeAndSend(test, `News from ${feed}`, '2000-01-01T00:00:00Z');
        expect(after.counts).toMatchObject({ sent: demoAddresses.length, failed: 0 });
        await expectDelivered(after, demoAddresses);
      });
    }
  });
  if (!sharedFixturesDir) it.skip(`with each real feed: ${sharedFixturesMissing}`, () => {});
});

/** The text a reader sees in an HTML body: tags dropped, character references decoded. */
function visibleText(html: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
  const decoded = html
    .replace(/<(style|head)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref: string) => {
      if (ref.startsWith('#x') || ref.startsWith('#X')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
      if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
      return named[ref.toLowerCase()] ?? whole;
    });
  return squeeze(decoded);
}

/** Collapses runs of white space, since both parts wrap and indent freely. */
function squeeze(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}
