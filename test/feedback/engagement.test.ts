import { beforeEach, describe, expect, it } from 'vitest';
import { isMachineUserAgent } from '../../src/feedback/engagement.ts';
import { replayNotifications } from '../../src/feedback/replay.ts';
import { rewriteLinks, trackedLinkUrl } from '../../src/feedback/tracking.ts';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { addLedgerRow, createCampaign, createSubscriber } from './seed.ts';

const browser = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';

describe('isMachineUserAgent', () => {
  const machines = [
    'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)',
    'YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html',
    'Mozilla/5.0',
    '',
    'Barracuda Sentinel (EE)',
    'Mimecast URL protection',
    'python-requests/2.31.0',
    'curl/8.4.0',
    'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
    'facebookexternalhit/1.1',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36',
  ];
  for (const agent of machines) {
    it(`machine: ${agent || '(empty)'}`, () => {
      expect(isMachineUserAgent(agent)).toBe(true);
    });
  }

  it('person: desktop browser', () => {
    expect(isMachineUserAgent(browser)).toBe(false);
  });

  it('person: mobile mail app', () => {
    expect(isMachineUserAgent('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148')).toBe(false);
  });
});

describeEachDatabase('engagement', (database) => {
  const email = 'analyst@institute.example';
  let campaignId: string;
  let subscriberId: string;
  let ledgerId: string;
  const sentAt = new Date('2026-03-01T10:00:00.000Z');

  function app(now = new Date('2026-03-01T12:00:00.000Z')) {
    return createTestApp(database().db, { now: () => now });
  }

  function sesEvent(type: 'Open' | 'Click' | 'Delivery', at: string, userAgent = browser, link?: string) {
    const mail = { timestamp: sentAt.toISOString(), messageId: 'ses-engagement', destination: [email] };
    if (type === 'Delivery') return { eventType: type, mail, delivery: { timestamp: at, recipients: [email] } };
    const hit = { timestamp: at, userAgent, ipAddress: '192.0.2.1' };
    return type === 'Open' ? { eventType: type, mail, open: hit } : { eventType: type, mail, click: { ...hit, link } };
  }

  async function engagement() {
    return database()
      .db.selectFrom('engagement_events')
      .select(['kind', 'url', 'is_machine', 'source', 'campaign_id', 'subscriber_id', 'ledger_id'])
      .orderBy('id')
      .execute();
  }

  beforeEach(async () => {
    await database().reset();
    subscriberId = await createSubscriber(database().db, email);
    campaignId = await createCampaign(database().db, 'sent');
    ledgerId = await addLedgerRow(database().db, { campaignId, subscriberId, email, sesMessageId: 'ses-engagement', sentAt });
  });

  it('open soon after delivery is a machine', async () => {
    const { deps } = app();
    await replayNotifications(deps, [
      sesEvent('Delivery', '2026-03-01T10:00:05.000Z'),
      sesEvent('Open', '2026-03-01T10:00:07.000Z'),
      sesEvent('Open', '2026-03-01T11:30:00.000Z'),
    ]);
    const rows = await engagement();
    expect(rows.map((row) => row.is_machine)).toEqual([true, false]);
    expect(rows[1]).toMatchObject({ kind: 'open', source: 'ses', campaign_id: campaignId, subscriber_id: subscriberId, ledger_id: ledgerId });
  });

  it('proxy open is a machine', async () => {
    const { deps } = app();
    await replayNotifications(deps, [sesEvent('Open', '2026-03-01T11:00:00.000Z', 'Mozilla/5.0 (via ggpht.com GoogleImageProxy)')]);
    expect((await engagement()).map((row) => row.is_machine)).toEqual([true]);
  });

  it('tracked link records and redirects', async () => {
    const { deps, request } = app();
    const url = await trackedLinkUrl(
      { signer: deps.signer, publicUrl: deps.config.publicUrl, campaignId, subscriberId, ledgerId },
      'https://www.example.org/forum/2026?lang=en',
    );
    const response = await request('GET', new URL(url).pathname, { token: null, headers: { 'user-agent': browser } });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('https://www.example.org/forum/2026?lang=en');
    expect(await engagement()).toEqual([
      {
        kind: 'click',
        url: 'https://www.example.org/forum/2026?lang=en',
        is_machine: false,
        source: 'redirect',
        campaign_id: campaignId,
        subscriber_id: subscriberId,
        ledger_id: ledgerId,
      },
    ]);
  });

  it('HEAD on a tracked link records nothing', async () => {
    const { deps, request } = app();
    const url = await trackedLinkUrl({ signer: deps.signer, publicUrl: deps.config.publicUrl, campaignId }, 'https://www.example.org/');
    const response = await request('HEAD', new URL(url).pathname, { token: null });
    expect(response.status).toBe(302);
    expect(await engagement()).toEqual([]);
  });

  it('scanner click is a machine', async () => {
    const { deps, request } = app();
    const url = await trackedLinkUrl({ signer: deps.signer, publicUrl: deps.config.publicUrl, campaignId }, 'https://www.example.org/');
    await request('GET', new URL(url).pathname, { token: null, headers: { 'user-agent': 'Proofpoint URL Defense' } });
    expect((await engagement()).map((row) => row.is_machine)).toEqual([true]);
  });

  it('altered tracked link is not found', async () => {
    const { deps, request } = app();
    const url = await trackedLinkUrl({ signer: deps.signer, publicUrl: deps.config.publicUrl, campaignId }, 'https://www.example.org/');
    const token = new URL(url).pathname.slice('/r/'.length);
    const altered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    const response = await request('GET', `/r/${altered}`, { token: null });
    expect(response.status).toBe(404);
    expect(await engagement()).toEqual([]);
  });

  it('rewriteLinks leaves own and mail links', async () => {
    const { deps } = app();
    const html = [
      '<a href="https://www.example.org/report.pdf">Report</a>',
      "<a class='x' href='https://www.example.org/a?x=1&amp;y=2'>A</a>",
      '<a href="mailto:press@example.org">Press</a>',
      '<a href="https://news.example.org/unsubscribe/{{token}}">Unsubscribe</a>',
      '<a href="{{preferencesUrl}}">Preferences</a>',
      '<a data-gz-notrack href="https://www.example.org/private">Private</a>',
    ].join('\n');
    const rewritten = await rewriteLinks(html, { signer: deps.signer, publicUrl: deps.config.publicUrl, campaignId });
    const hrefs = [...rewritten.matchAll(/href=["']([^"']*)["']/g)].map((match) => match[1]!);
    expect(hrefs[0]).toMatch(/^https:\/\/news\.example\.org\/r\//);
    expect(hrefs[1]).toMatch(/^https:\/\/news\.example\.org\/r\//);
    expect(hrefs.slice(2)).toEqual([
      'mailto:press@example.org',
      'https://news.example.org/unsubscribe/{{token}}',
      '{{preferencesUrl}}',
      'https://www.example.org/private',
    ]);
  });

  it('rewritten link decodes the entity', async () => {
    const { deps, request } = app();
    const html = '<a href="https://www.example.org/a?x=1&amp;y=2">A</a>';
    const rewritten = await rewriteLinks(html, { signer: deps.signer, publicUrl: deps.config.publicUrl, campaignId });
    const href = /href="([^"]*)"/.exec(rewritten)![1]!;
    const response = await request('GET', new URL(href).pathname, { token: null, headers: { 'user-agent': browser } });
    expect(response.headers.get('location')).toBe('https://www.example.org/a?x=1&y=2');
  });

  it('click tracking is off until switched on', async () => {
    const { request } = app();
    const before = (await (await request('GET', `/api/campaigns/${campaignId}/report`)).json()) as { clickTracking: boolean };
    expect(before.clickTracking).toBe(false);
    const switched = await request('POST', `/api/campaigns/${campaignId}/click-tracking`, { json: { enabled: true } });
    expect(switched.status).toBe(200);
    const after = (await (await request('GET', `/api/campaigns/${campaignId}/report`)).json()) as { clickTracking: boolean };
    expect(after.clickTracking).toBe(true);
  });

  it('click tracking of unknown campaign is 404', async () => {
    const { request } = app();
    const response = await request('POST', '/api/campaigns/999999/click-tracking', { json: { enabled: true } });
    expect(response.status).toBe(404);
  });

  it('report counts people and machines apart', async () => {
    const { deps, request } = app();
    const other = 'director@agency.example';
    const otherId = await createSubscriber(database().db, other, ['events']);
    const otherLedger = await addLedgerRow(database().db, { campaignId, subscriberId: otherId, email: other, sesMessageId: 'ses-other', sentAt });
    await database().db.updateTable('ledger').set({ outcome: 'bounced' }).where('id', '=', otherLedger).execute();
    await database().db.updateTable('ledger').set({ outcome: 'delivered' }).where('id', '=', ledgerId).execute();

    await replayNotifications(deps, [
      sesEvent('Open', '2026-03-01T11:00:00.000Z'),
      sesEvent('Open', '2026-03-01T11:10:00.000Z'),
      sesEvent('Open', '2026-03-01T11:20:00.000Z', 'Mozilla/5.0'),
      sesEvent('Click', '2026-03-01T11:01:00.000Z', browser, 'https://www.example.org/a'),
      sesEvent('Click', '2026-03-01T11:02:00.000Z', browser, 'https://www.example.org/a'),
      sesEvent('Click', '2026-03-01T11:03:00.000Z', browser, 'https://www.example.org/b'),
      sesEvent('Click', '2026-03-01T11:04:00.000Z', 'Barracuda Sentinel', 'https://www.example.org/b'),
    ]);
    await database()
      .db.insertInto('consent_log')
      .values({ subscriber_id: subscriberId, action: 'unsubscribed', source: 'one_click', details: JSON.stringify({ campaignId }) })
      .execute();

    const response = await request('GET', `/api/campaigns/${campaignId}/report`);
    expect(response.status).toBe(200);
    const report = await response.json();
    expect(report).toMatchObject({
      campaignId,
      sent: 2,
      delivered: 1,
      bounced: { hard: 1, soft: 0, total: 1 },
      complained: 0,
      unsubscribed: 1,
      opened: { people: { unique: 1, total: 2 }, machines: { unique: 1, total: 1 } },
      clicked: { people: { unique: 1, total: 3 }, machines: { unique: 1, total: 1 } },
      topLinks: [
        { url: 'https://www.example.org/a', people: { unique: 1, total: 2 }, machines: 0 },
        { url: 'https://www.example.org/b', people: { unique: 1, total: 1 }, machines: 1 },
      ],
    });
  });

  it('report of unknown campaign is 404', async () => {
    const response = await app().request('GET', '/api/campaigns/999999/report');
    expect(response.status).toBe(404);
  });
});
