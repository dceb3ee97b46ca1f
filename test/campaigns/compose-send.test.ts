import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { composeCampaign } from '../../src/campaigns/campaigns.ts';
import type { Db } from '../../src/db/connect.ts';
import { createSesMailer } from '../../src/delivery/ses.ts';
import { createSendWorker } from '../../src/delivery/worker.ts';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { rawHeader, startRecordingSes, type RecordingSes } from '../helpers/recording-ses.ts';
import { clock, seedContent, seedItems, type SeedKey } from './seed.ts';

const quickBackoff = { baseMs: 1, maxMs: 5, maxRetries: 50 };
const chosen: SeedKey[] = ['seoul', 'paris', 'report', 'brief', 'news'];

describeEachDatabase('compose and send', (database) => {
  let ses: RecordingSes;

  beforeAll(async () => {
    ses = await startRecordingSes();
  });

  afterAll(async () => {
    await ses.close();
  });

  beforeEach(async () => {
    await database().reset();
    ses.clear();
    await seedContent(database().db);
  });

  const setup = () => {
    const test = createTestApp(database().db, {
      now: () => clock,
      env: { SES_ENDPOINT: ses.url, SES_MAX_SEND_RATE: '5000', SEND_BATCH_SIZE: '10' },
    });
    test.deps.mailer = createSesMailer(test.deps.config.ses);
    return { ...test, db: database().db as Db };
  };

  /** Adds subscribers to the seeded "monthly" list; returns their ids by address. */
  const subscribe = async (
    db: Db,
    people: { email: string; name: string; status?: 'confirmed' | 'unconfirmed'; topic?: string; timeZone?: string }[],
  ) => {
    const list = await db.selectFrom('lists').select('id').where('slug', '=', 'monthly').executeTakeFirstOrThrow();
    const ids = new Map<string, string>();
    for (const person of people) {
      const attributes = person.timeZone ? { timeZone: person.timeZone } : {};
      const row = await db.insertInto('subscribers').values({ email: person.email, name: person.name, attributes }).returning('id').executeTakeFirstOrThrow();
      await db.insertInto('subscriptions').values({ subscriber_id: row.id, list_id: list.id, status: person.status ?? 'confirmed' }).execute();
      if (person.topic) {
        const topic =
          (await db.selectFrom('topics').select('id').where('slug', '=', person.topic).executeTakeFirst()) ??
          (await db.insertInto('topics').values({ slug: person.topic, name: person.topic }).returning('id').executeTakeFirstOrThrow());
        await db.insertInto('subscriber_topics').values({ subscriber_id: row.id, topic_id: topic.id }).execute();
      }
      ids.set(person.email, row.id);
    }
    return ids;
  };

  describe('one issue to a list', () => {
    let campaignId = '';
    let archiveUrl = '';
    let request: ReturnType<typeof setup>['request'];

    beforeEach(async () => {
      const test = setup();
      request = test.request;
      await subscribe(test.db, [
        { email: 'ana@example.org', name: 'Ana', timeZone: 'Europe/Paris' },
        { email: 'bo@example.org', name: 'Bo' },
        { email: 'pending@example.org', name: 'Pending', status: 'unconfirmed' },
      ]);
      const composed = await request('POST', '/api/campaigns', {
        json: { subject: 'January issue', lists: ['monthly'], compose: { since: '2026-12-15T00:00:00Z' } },
      });
      const campaign = (await composed.json()) as { id: string; archiveUrl: string };
      campaignId = campaign.id;
      archiveUrl = campaign.archiveUrl;
      const sent = await request('POST', `/api/campaigns/${campaignId}/send`);
      expect(sent.status).toBeLessThan(300);
      await createSendWorker(test.deps, { backoff: quickBackoff }).drain();
    });

    it('sends one message per confirmed subscriber', () => {
      expect(ses.messages.map((message) => message.to).flat().sort()).toEqual(['ana@example.org', 'bo@example.org']);
    });

    it('shows events in the reader time zone when the reader gave one', async () => {
      const byAddress = new Map(ses.messages.map((message) => [message.to[0], message]));
      const ana = await ses.parse(byAddress.get('ana@example.org')!);
      const bo = await ses.parse(byAddress.get('bo@example.org')!);
      const seoulInParis = 'Tuesday, 12 January 2027, 09:00–17:00 (Asia/Seoul); your time: Tuesday, 12 January 2027, 01:00–09:00 (Europe/Paris)';
      expect(ana.html).toContain(seoulInParis);
      expect(ana.text).toContain(seoulInParis);
      // The Paris event is already in her zone, so it is shown once.
      expect(ana.text).toContain('Wednesday, 10 February 2027, 14:00–16:00 (Europe/Paris)\n');
      expect(ana.text?.match(/your time/g)).toHaveLength(1);
      expect(bo.html).not.toContain('your time');
      expect(bo.text).not.toContain('{{gz:');
      expect(bo.html).not.toContain('{{gz:');
    });

    it('puts every item in both parts', async () => {
      for (const message of ses.messages) {
        const mail = await ses.parse(message);
        for (const key of chosen) {
          expect(mail.html).toContain(seedItems[key].title);
          expect(mail.text).toContain(seedItems[key].title);
        }
      }
    });

    it('fills the greeting per recipient', async () => {
      const mail = await ses.parse(ses.messages.find((message) => message.to.includes('ana@example.org'))!);
      expect(mail.text).toContain('Dear Ana,');
    });

    it('fills the footer links', async () => {
      for (const message of ses.messages) {
        const mail = await ses.parse(message);
        expect(mail.html).toContain('https://news.example.org/unsubscribe/');
        expect(mail.html).toContain('https://news.example.org/preferences/');
        expect(mail.text).toContain(archiveUrl);
        expect(mail.html).not.toContain('{{gz:');
      }
    });

    it('carries the bulk-mail headers', async () => {
      for (const message of ses.messages) {
        const mail = await ses.parse(message);
        expect(rawHeader(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
        expect(rawHeader(mail, 'List-Id')).toBe('Monthly newsletter <monthly.news.example.org>');
        expect(rawHeader(mail, 'X-Gazette-Campaign')).toBe(campaignId);
      }
    });

    it('reports the sent counts', async () => {
      const campaign = (await (await request('GET', `/api/campaigns/${campaignId}`)).json()) as {
        status: string;
        counts: { audience: number; sent: number };
      };
      expect(campaign.status).toBe('sent');
      expect(campaign.counts.audience).toBe(2);
      expect(campaign.counts.sent).toBe(2);
    });

    it('publishes the issue in the archive', async () => {
      const page = await (await request('GET', new URL(archiveUrl).pathname, { token: null })).text();
      expect(page).toContain(seedItems.report.title);
      expect(page).not.toContain('ana@example.org');
      expect(page).not.toContain('Dear Ana');
    });
  });

  it('sends each reader the variant of their topics', async () => {
    const test = setup();
    await subscribe(test.db, [
      { email: 'digital@example.org', name: 'Dee', topic: 'digital' },
      { email: 'budgets@example.org', name: 'Bud', topic: 'budgets' },
    ]);
    const { campaign } = await composeCampaign(
      test.deps,
      { subject: 'Digest', lists: ['monthly'], compose: { since: '2026-12-15T00:00:00Z' } },
      { series: 'digest:topics', perTopic: true },
    );
    const sent = await test.request('POST', `/api/campaigns/${campaign!.id}/send`);
    expect(sent.status).toBeLessThan(300);
    await createSendWorker(test.deps, { backoff: quickBackoff }).drain();

    const digital = await ses.parse(ses.messages.find((message) => message.to.includes('digital@example.org'))!);
    expect(digital.text).toContain(seedItems.report.title);
    expect(digital.text).not.toContain(seedItems.brief.title);
    const budgets = await ses.parse(ses.messages.find((message) => message.to.includes('budgets@example.org'))!);
    expect(budgets.text).toContain(seedItems.brief.title);
    expect(budgets.text).not.toContain(seedItems.report.title);
  });
});
