import { beforeEach, expect, it } from 'vitest';
import type { Mailer, OutgoingMessage } from '../../src/delivery/mailer.ts';
import { createDigest, type DigestInput } from '../../src/digests/digests.ts';
import { runDueFires } from '../../src/digests/fires.ts';
import { runDigest, runScheduledDigest } from '../../src/digests/run.ts';
import { createSchedule } from '../../src/digests/schedules.ts';
import { createTestApp, testDeps } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { content, runAt, seedContent, titlesIn, type ContentKey } from './content.ts';
import { seedAudience } from './setup.ts';

const monthly: DigestInput = {
  name: 'Governance Innovation Monthly',
  lists: ['monthly'],
  subject: 'Governance Innovation Monthly: {month}',
  intro: 'The forums, workshops and research of the past month.',
  compose: { eventsWithinDays: 45, maxItemsPerSection: 2, order: 'newest' },
  skipWhenEmpty: true,
  autoSend: true,
};

const title = (key: ContentKey) => content[key].title;

describeEachDatabase('digest runs', (database) => {
  let ids: Record<ContentKey, string>;
  let sent: OutgoingMessage[];
  const mailer: Mailer = {
    async send(message) {
      sent.push(message);
      return { messageId: `m-${sent.length}` };
    },
  };

  beforeEach(async () => {
    await database().reset();
    await seedAudience(database().db);
    ids = await seedContent(database().db);
    sent = [];
  });

  const deps = (now = runAt) => testDeps(database().db, { now: () => now, mailer });

  async function campaign(id: string) {
    return database().db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  it('composes each item in html and text', async () => {
    const digest = await createDigest(database().db, monthly);
    const result = await runDigest(deps(), digest.id, { at: runAt, timeZone: 'Asia/Seoul' });
    const row = await campaign(result.campaignId!);

    const expected = [title('forum'), title('lab'), title('brief'), title('report'), title('partnership')];
    expect(result.status).toBe('scheduled');
    expect(result.itemCount).toBe(5);
    expect(titlesIn(row.html!)).toEqual(expected);
    expect(titlesIn(row.text!)).toEqual(expected);
    expect(row.subject).toBe('Governance Innovation Monthly: January 2027');
  });

  it('shows event times and calendar links', async () => {
    const digest = await createDigest(database().db, monthly);
    const result = await runDigest(deps(), digest.id, { at: runAt, timeZone: 'Asia/Seoul' });
    const row = await campaign(result.campaignId!);

    for (const body of [row.html!, row.text!]) {
      expect(body).toContain('Tuesday, 12 January 2027, 09:00–17:00 (Asia/Seoul)');
      expect(body).toContain('Wednesday, 20 January 2027, 15:00–17:00 (Europe/Berlin)');
      expect(body).toContain(`https://news.example.org/events/${ids.forum}.ics`);
      expect(body).toContain(`https://news.example.org/events/${ids.lab}.ics`);
      expect(body).toContain('https://www.example.org/events/forum-seoul/register');
      expect(body).toContain('https://www.example.org/publications/innovation-report.pdf');
    }
  });

  it('leaves out what is outside the window', async () => {
    const digest = await createDigest(database().db, monthly);
    const result = await runDigest(deps(), digest.id, { at: runAt });
    const row = await campaign(result.campaignId!);

    for (const key of ['workshop', 'summit', 'roundtable', 'paper'] as const) {
      expect(row.html).not.toContain(title(key));
      expect(row.text).not.toContain(title(key));
    }
  });

  it('auto-send hands the issue to the send worker', async () => {
    const digest = await createDigest(database().db, monthly);
    const result = await runDigest(deps(), digest.id, { at: runAt });
    const row = await campaign(result.campaignId!);

    expect(row.status).toBe('scheduled');
    expect(new Date(row.send_at!).toISOString()).toBe(runAt.toISOString());
    expect(row.digest_id).toBe(digest.id);
    expect(row.series).toBe(`digest:${digest.id}`);
  });

  it('next issue holds only new content', async () => {
    const digest = await createDigest(database().db, { ...monthly, compose: { eventsWithinDays: 60 } });
    const first = await runDigest(deps(), digest.id, { at: runAt });
    await database()
      .db.updateTable('campaigns')
      .set({ status: 'sent', started_at: runAt, finished_at: runAt })
      .where('id', '=', first.campaignId!)
      .execute();
    await database()
      .db.insertInto('content_items')
      .values({ kind: 'publication', guid: 'late', content_hash: 'late', title: 'Handbook on Digital Identity', published_at: '2027-01-20T00:00:00Z' })
      .execute();

    const second = await runDigest(deps(new Date('2027-02-01T00:00:00Z')), digest.id, { at: new Date('2027-02-01T00:00:00Z') });
    const row = await campaign(second.campaignId!);
    expect(titlesIn(row.text!)).toEqual([]);
    expect(row.text).toContain('Handbook on Digital Identity');
    expect(row.html).toContain('Handbook on Digital Identity');
    expect(second.itemCount).toBe(1);
  });

  it('an empty period is skipped', async () => {
    const digest = await createDigest(database().db, monthly);
    const schedule = await createSchedule(database().db, { digest: digest.id, cron: '0 9 * * 1#1', timezone: 'Asia/Seoul' }, runAt);
    // Everything new was published before July; the first Monday of July has nothing.
    const july = new Date('2027-07-05T00:00:00Z');
    await database().db.updateTable('schedules').set({ effective_from: new Date('2027-07-01T00:00:00Z') }).execute();

    const outcomes = await runDueFires(deps(july), { instanceId: 'test', runFire: runScheduledDigest });
    const campaigns = await database().db.selectFrom('campaigns').select('id').execute();
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['skipped_empty']);
    expect(campaigns).toEqual([]);

    const fires = await database().db.selectFrom('schedule_fires').selectAll().where('schedule_id', '=', schedule.id).execute();
    expect(fires.map((fire) => fire.status)).toEqual(['skipped_empty']);
  });

  it('without skipWhenEmpty an empty run still composes', async () => {
    const digest = await createDigest(database().db, { ...monthly, skipWhenEmpty: false, autoSend: false });
    const result = await runDigest(deps(new Date('2027-07-05T00:00:00Z')), digest.id);
    expect(result.status).toBe('draft');
    expect(result.itemCount).toBe(0);
  });

  it('draft run notifies the editors', async () => {
    await database()
      .db.insertInto('staff_users')
      .values([
        { email: 'editor@example.org', name: 'Eda Editor', role: 'editor', password_hash: 'x' },
        { email: 'viewer@example.org', name: 'Vic Viewer', role: 'viewer', password_hash: 'x' },
      ])
      .execute();
    const digest = await createDigest(database().db, { ...monthly, autoSend: false });
    const result = await runDigest(deps(), digest.id, { at: runAt, timeZone: 'Asia/Seoul' });
    const row = await campaign(result.campaignId!);

    expect(result.status).toBe('draft');
    expect(row.status).toBe('draft');
    const notes = await database().db.selectFrom('editor_notifications').selectAll().execute();
    expect(notes.map((note) => [note.kind, note.campaign_id, note.digest_id])).toEqual([
      ['digest_awaiting_approval', result.campaignId, digest.id],
    ]);
    expect(notes[0]!.message).toContain('Digest ready for approval: Governance Innovation Monthly: January 2027');
    expect(sent.map((message) => message.to)).toEqual([['editor@example.org']]);
    expect(Buffer.from(sent[0]!.raw).toString()).toContain(`/api/campaigns/${result.campaignId}/preview`);
  });

  it('run route runs now', async () => {
    const digest = await createDigest(database().db, { ...monthly, autoSend: false });
    const { request } = createTestApp(database().db, { now: () => runAt });
    const response = await request('POST', `/api/digests/${digest.id}/run`);
    const body = (await response.json()) as { status: string; campaignId: string; subject: string; itemCount: number };
    expect(response.status).toBe(201);
    expect(body.status).toBe('draft');
    expect(body.subject).toBe('Governance Innovation Monthly: January 2027');
    expect(body.itemCount).toBe(5);

    const notes = await request('GET', '/api/notifications?unread=true');
    const list = (await notes.json()) as { items: { id: string; campaignId: string }[] };
    expect(list.items.map((note) => note.campaignId)).toEqual([body.campaignId]);
    expect((await request('POST', `/api/notifications/${list.items[0]!.id}/read`)).status).toBe(204);
    const after = (await (await request('GET', '/api/notifications?unread=true')).json()) as { total: number };
    expect(after.total).toBe(0);
  });

  it('per-subscriber topics render variants', async () => {
    const digest = await createDigest(database().db, { ...monthly, perSubscriberTopics: true });
    const result = await runDigest(deps(), digest.id, { at: runAt });
    const row = await campaign(result.campaignId!);
    expect(row.per_topic).toBe(true);
  });
});
