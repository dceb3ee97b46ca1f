import { readFileSync } from 'node:fs';
import { beforeEach, expect, it } from 'vitest';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { readSharedFixture, sharedFixturesDir, sharedFixturesMissing } from '../helpers/fixtures.ts';
import { snapshotSubscriberTables } from '../helpers/subscribers.ts';

interface ImportBody {
  id: string;
  status: string;
  counts: Record<string, number>;
  errors: { line: number; email: string; reason: string }[];
  errorCount: number;
  error: string | null;
}

describeEachDatabase('subscriber import', (database) => {
  beforeEach(async () => {
    await database().reset();
    const { request } = createTestApp(database().db);
    await request('POST', '/api/lists', { json: { name: 'Newsletter', slug: 'newsletter' } });
  });

  /** Posts a CSV as the raw body, waits for the import job, and returns the import record. */
  async function importCsv(csv: string | Uint8Array, query = 'list=newsletter'): Promise<ImportBody> {
    const { request, deps } = createTestApp(database().db);
    const started = await request('POST', `/api/imports?${query}`, { body: typeof csv === 'string' ? csv : new Blob([new Uint8Array(csv)]), headers: { 'content-type': 'text/csv' } });
    expect(started.status).toBe(202);
    const { id } = await started.json();
    await deps.jobs.idle();
    return (await request('GET', `/api/imports/${id}`)).json();
  }

  async function subscribers() {
    return database()
      .db.selectFrom('subscribers')
      .leftJoin('subscriptions', 'subscriptions.subscriber_id', 'subscribers.id')
      .select(['subscribers.email', 'subscribers.name', 'subscribers.attributes', 'subscriptions.status'])
      .orderBy('subscribers.email')
      .execute();
  }

  it('imports a plain email,name file', async () => {
    const result = await importCsv('email,name\nana@example.org,Ana\nbo@example.org,Bo\n');
    expect([result.status, result.counts.created, result.counts.subscribed]).toEqual(['done', 2, 2]);
    expect(await subscribers()).toEqual([
      { email: 'ana@example.org', name: 'Ana', attributes: {}, status: 'confirmed' },
      { email: 'bo@example.org', name: 'Bo', attributes: {}, status: 'confirmed' },
    ]);
  });

  it('reports a bad row with its line and imports the rest', async () => {
    const result = await importCsv('email,name\nana@example.org,Ana\nnot-an-address,Broken\nbo@example.org,Bo\n');
    expect(result.counts.invalid).toBe(1);
    expect(result.errors).toEqual([{ line: 3, email: 'not-an-address', reason: expect.stringContaining('invalid email address') }]);
    expect((await subscribers()).map((row) => row.email)).toEqual(['ana@example.org', 'bo@example.org']);
  });

  it('strips a byte-order mark and reads CRLF lines', async () => {
    const result = await importCsv('\ufeffemail,name\r\nana@example.org,Ana\r\nbo@example.org,Bo\r\n');
    expect([result.counts.created, result.counts.invalid]).toEqual([2, 0]);
  });

  it('detects semicolons and tabs', async () => {
    await importCsv('email;name;country\nana@example.org;Ana;Chile\n');
    await importCsv('email\tname\nbo@example.org\tBo\n');
    expect(await subscribers()).toEqual([
      { email: 'ana@example.org', name: 'Ana', attributes: { country: 'Chile' }, status: 'confirmed' },
      { email: 'bo@example.org', name: 'Bo', attributes: {}, status: 'confirmed' },
    ]);
  });

  it('reads quoted commas and line breaks', async () => {
    const result = await importCsv('email,name,organisation\nana@example.org,"Ruiz, Ana","Office of\nthe Mayor"\nnot valid,x,y\n');
    expect((await subscribers())[0]).toMatchObject({ name: 'Ruiz, Ana', attributes: { organisation: 'Office of\nthe Mayor' } });
    expect(result.errors[0]?.line).toBe(4);
  });

  it('merges case variants of one address and says so', async () => {
    const result = await importCsv('email,name\nAna@Example.org,Ana\nana@example.org,\nANA@EXAMPLE.ORG,Other\n');
    expect([result.counts.created, result.counts.duplicates]).toEqual([1, 2]);
    expect(result.errors.map((error) => [error.line, error.reason])).toEqual([
      [3, 'duplicate of line 2; merged into it'],
      [4, 'duplicate of line 2; merged into it'],
    ]);
    expect((await subscribers()).map((row) => row.name)).toEqual(['Ana']);
  });

  it('never re-subscribes an unsubscribed address unless asked', async () => {
    await importCsv('email\nana@example.org\n');
    await database().db.updateTable('subscriptions').set({ status: 'unsubscribed' }).execute();
    const again = await importCsv('email\nana@example.org\n');
    expect([again.counts.skippedUnsubscribed, (await subscribers())[0]?.status]).toEqual([1, 'unsubscribed']);
    const forced = await importCsv('email\nana@example.org\n', 'list=newsletter&resubscribe=true');
    expect([forced.counts.subscribed, (await subscribers())[0]?.status]).toEqual([1, 'confirmed']);
  });

  it('skips a suppressed address', async () => {
    const { request } = createTestApp(database().db);
    await request('POST', '/api/suppressions', { json: { email: 'ana@example.org', reason: 'complaint' } });
    const result = await importCsv('email\nana@example.org\nbo@example.org\n');
    expect(result.counts.skippedSuppressed).toBe(1);
    expect((await subscribers()).map((row) => row.email)).toEqual(['bo@example.org']);
  });

  it('does not re-add an erased subscriber', async () => {
    const { request } = createTestApp(database().db);
    await importCsv('email\nana@example.org\n');
    const [row] = await database().db.selectFrom('subscribers').select('id').execute();
    await request('DELETE', `/api/subscribers/${row!.id}`);
    const result = await importCsv('email\nAna@example.org\n');
    expect([result.counts.skippedSuppressed, (await subscribers()).length]).toEqual([1, 0]);
  });

  it('keeps existing names unless overwrite is set', async () => {
    await importCsv('email,name\nana@example.org,Ana\n');
    await importCsv('email,name\nana@example.org,Ana Ruiz\n');
    expect((await subscribers())[0]?.name).toBe('Ana');
    await importCsv('email,name\nana@example.org,Ana Ruiz\n', 'list=newsletter&overwrite=true');
    expect((await subscribers())[0]?.name).toBe('Ana Ruiz');
  });

  it('blocklists and suppresses in blocklist mode', async () => {
    const result = await importCsv('email\nana@example.org\n', 'mode=blocklist');
    expect([result.counts.blocklisted, result.counts.suppressed]).toEqual([1, 1]);
    const row = await database().db.selectFrom('subscribers').select('status').executeTakeFirstOrThrow();
    expect(row.status).toBe('blocklisted');
  });

  it('writes an imported entry to the consent log', async () => {
    const result = await importCsv('email\nana@example.org\n');
    const entry = await database().db.selectFrom('consent_log').selectAll().executeTakeFirstOrThrow();
    expect([entry.action, entry.source, entry.lists]).toEqual(['imported', 'import', ['newsletter']]);
    expect(entry.details).toEqual({ importId: result.id, line: 2, status: 'confirmed' });
  });

  it('downloads the bad rows as csv', async () => {
    const result = await importCsv('email,name\nnot-an-address,Broken\n');
    const { request } = createTestApp(database().db);
    const response = await request('GET', `/api/imports/${result.id}/errors`);
    expect(response.headers.get('content-type')).toContain('text/csv');
    expect((await response.text()).split('\n')[1]).toMatch(/^2,not-an-address,invalid email address/);
  });

  it('takes a multipart upload', async () => {
    const { request, deps } = createTestApp(database().db);
    const form = new FormData();
    form.append('file', new Blob(['email,name\nana@example.org,Ana\n'], { type: 'text/csv' }), 'people.csv');
    form.append('list', 'newsletter');
    const started = await request('POST', '/api/imports', { body: form });
    expect(started.status).toBe(202);
    await deps.jobs.idle();
    const record = await (await request('GET', `/api/imports/${(await started.json()).id}`)).json();
    expect([record.status, record.fileName, record.counts.created]).toEqual(['done', 'people.csv', 1]);
  });

  it('rejects an unknown list with 422 and stores nothing', async () => {
    const { request } = createTestApp(database().db);
    const before = await snapshotSubscriberTables(database().db);
    const response = await request('POST', '/api/imports?list=nope', { body: 'email\na@example.org\n', headers: { 'content-type': 'text/csv' } });
    expect(response.status).toBe(422);
    expect(await database().db.selectFrom('imports').select('id').execute()).toEqual([]);
    expect(await snapshotSubscriberTables(database().db)).toEqual(before);
  });

  it('rejects an upload without a file with 400', async () => {
    const { request } = createTestApp(database().db);
    const form = new FormData();
    form.append('list', 'newsletter');
    expect((await request('POST', '/api/imports', { body: form })).status).toBe(400);
  });

  it('rejects an import without a token with 401', async () => {
    const { request } = createTestApp(database().db);
    const response = await request('POST', '/api/imports?list=newsletter', { token: null, body: 'email\na@example.org\n', headers: { 'content-type': 'text/csv' } });
    expect(response.status).toBe(401);
  });

  it('fails a file without an email column and changes nothing', async () => {
    const before = await snapshotSubscriberTables(database().db);
    const result = await importCsv('name,country\nAna,Chile\n');
    expect([result.status, result.error]).toEqual(['failed', expect.stringContaining('no email column')]);
    expect(await snapshotSubscriberTables(database().db)).toEqual(before);
  });

  it('imports the demo subscribers and reports the invalid row', async () => {
    const result = await importCsv(readFileSync(new URL('../../demo/subscribers.csv', import.meta.url)));
    expect([result.counts.created, result.counts.invalid]).toEqual([9, 1]);
    expect(result.errors).toEqual([{ line: 11, email: 'not-an-address', reason: expect.stringContaining('invalid email address') }]);
    const topics = await database().db.selectFrom('topics').select('slug').orderBy('slug').execute();
    expect(topics.map((topic) => topic.slug)).toContain('digital-government');
  });

  describeShared('mailchimp and listmonk exports', () => {
    it('imports the Mailchimp subscribed export with names and attributes', async () => {
      const result = await importCsv(readSharedFixture('csv', 'mailchimp_subscribed_members.csv'));
      expect([result.counts.created, result.counts.invalid]).toEqual([3, 0]);
      const rows = await subscribers();
      expect(rows.map((row) => row.name)).toEqual(['', 'Zoë Müller', 'Lorem Ipsum']);
      expect(rows[1]?.attributes).toMatchObject({ organisation: 'Example GmbH, Berlin', zipCode: '10115', tags: ['Lorem Editors'] });
      expect(rows[2]?.attributes).toMatchObject({ tags: ['Lorem Editors', 'VIP, Early'] });
    });

    it('imports the Mailchimp unsubscribed export as unsubscribed', async () => {
      const result = await importCsv(readSharedFixture('csv', 'mailchimp_unsubscribed_members.csv'));
      expect(result.counts.unsubscribed).toBe(2);
      expect((await subscribers()).map((row) => row.status)).toEqual(['unsubscribed', 'unsubscribed']);
    });

    it('imports the Mailchimp cleaned export as suppressed', async () => {
      const result = await importCsv(readSharedFixture('csv', 'mailchimp_cleaned_members.csv'));
      expect(result.counts.suppressed).toBe(2);
      const reasons = await database().db.selectFrom('suppressions').select(['email', 'reason']).orderBy('email').execute();
      expect(reasons).toEqual([
        { email: 'c1@example.org', reason: 'hard_bounce' },
        { email: 'c2@example.org', reason: 'hard_bounce' },
      ]);
    });

    it('imports listmonk attributes and merges the case variant', async () => {
      const result = await importCsv(readSharedFixture('csv', 'listmonk_import.csv'));
      expect([result.counts.created, result.counts.invalid]).toEqual([4, 0]);
      const rows = await subscribers();
      expect(rows.find((row) => row.email === 'user1@example.org')?.attributes).toEqual({ age: 42, planet: 'Mars' });
      expect(rows.find((row) => row.email.toLowerCase() === 'user4@example.org')?.name).toBe('Four, User');
    });

    it('imports the listmonk file with a byte-order mark and CRLF', async () => {
      const result = await importCsv(readSharedFixture('csv', 'listmonk_import_bom_crlf.csv'));
      expect([result.counts.created, result.counts.invalid]).toEqual([2, 0]);
      const rows = await subscribers();
      expect(rows[0]?.attributes).toEqual({ city: 'Zürich' });
    });
  });
});

function describeShared(name: string, body: () => void) {
  if (sharedFixturesDir) body();
  else it.skip(`${name} (${sharedFixturesMissing})`, () => {});
}
