import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { connectDatabase } from '../../src/db/connect.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import type { SnsEnvelope } from '../../src/feedback/sns.ts';
import { createTestApp } from '../helpers/app.ts';
import { createPostgresDatabase, databaseKinds, describeEachDatabase } from '../helpers/database.ts';
import { sharedFixturesDir, sharedFixturesMissing } from '../helpers/fixtures.ts';
import { createSigningIdentity, fakeSnsFetch, notificationEnvelope, TEST_TOPIC_ARN } from '../helpers/sns.ts';
import { feedbackState, notificationCount, seedFixtureSends, sesFixture } from './seed.ts';

const identity = createSigningIdentity();

// Every SES feedback fixture, in the order an outage would have lost them.
const fixtures = [
  'event_send.json',
  'notification_delivery.json',
  'event_delivery.json',
  'notification_bounce_permanent_general_no_dsn.json',
  'notification_bounce_permanent_general_with_dsn.json',
  'DERIVED_notification_bounce_transient_mailboxfull.json',
  'notification_complaint_with_feedback_report.json',
  'notification_complaint_without_feedback_report.json',
  'event_open.json',
  'event_click.json',
  'event_bounce.json',
  'event_complaint.json',
];

describe.skipIf(!sharedFixturesDir)(`feedback replay${sharedFixturesDir ? '' : ` (${sharedFixturesMissing})`}`, () => {
  describeEachDatabase('feedback replay', (database) => {
    function app() {
      const sns = fakeSnsFetch(identity.certificatePem);
      return createTestApp(database().db, { env: { SNS_TOPIC_ARNS: TEST_TOPIC_ARN }, app: { snsFetch: sns.fetch } });
    }

    /** Delivers every fixture through the webhook and returns the envelopes SNS would have sent. */
    async function deliverAll(): Promise<SnsEnvelope[]> {
      const { request } = app();
      const envelopes: SnsEnvelope[] = [];
      for (const [index, fixture] of fixtures.entries()) {
        const envelope = notificationEnvelope(sesFixture(fixture), identity.privateKey, {
          messageId: `sns-${index}`,
          version: index % 2 === 0 ? '1' : '2',
        });
        const response = await request('POST', '/api/webhooks/ses', { body: JSON.stringify(envelope), token: null });
        expect(response.status).toBe(200);
        envelopes.push(envelope);
      }
      return envelopes;
    }

    async function replay(body: string) {
      const response = await app().request('POST', '/api/feedback/replay', {
        body,
        headers: { 'content-type': 'application/json' },
      });
      return { status: response.status, body: (await response.json()) as { counts: Record<string, number>; error?: { message: string } } };
    }

    async function freshDatabase() {
      await database().reset();
      await seedFixtureSends(database().db);
    }

    beforeEach(freshDatabase);

    it('envelopes give the webhook outcome', async () => {
      const envelopes = await deliverAll();
      const webhookState = await feedbackState(database().db);
      expect(webhookState.suppressions.length).toBeGreaterThan(0);

      await freshDatabase();
      const first = await replay(JSON.stringify(envelopes));
      expect(first.status).toBe(200);
      expect(first.body.counts).toMatchObject({ processed: fixtures.length, duplicate: 0, failed: 0, invalid: 0 });
      expect(await feedbackState(database().db)).toEqual(webhookState);

      const second = await replay(JSON.stringify(envelopes));
      expect(second.body.counts).toMatchObject({ processed: 0, duplicate: fixtures.length });
      expect(await feedbackState(database().db)).toEqual(webhookState);
      expect(await notificationCount(database().db)).toBe(fixtures.length);
    });

    it('bare JSON Lines give the webhook outcome', async () => {
      await deliverAll();
      const webhookState = await feedbackState(database().db);

      await freshDatabase();
      const lines = fixtures.map((fixture) => JSON.stringify(sesFixture(fixture))).join('\n');
      const first = await replay(`${lines}\n`);
      expect(first.body.counts).toMatchObject({ processed: fixtures.length, failed: 0, invalid: 0 });
      expect(await feedbackState(database().db)).toEqual(webhookState);

      const second = await replay(lines);
      expect(second.body.counts).toMatchObject({ processed: 0, duplicate: fixtures.length });
      expect(await feedbackState(database().db)).toEqual(webhookState);
    });

    it('envelope after its bare copy is a duplicate', async () => {
      const message = sesFixture('notification_bounce_permanent_general_no_dsn.json');
      await replay(JSON.stringify([message]));
      const after = await feedbackState(database().db);
      const envelope = notificationEnvelope(message, identity.privateKey, { messageId: 'sns-late' });
      const again = await replay(JSON.stringify([envelope]));
      expect(again.body.counts).toMatchObject({ duplicate: 1 });
      expect(await feedbackState(database().db)).toEqual(after);
    });

    it('envelope with parsed Message is accepted', async () => {
      const envelope = notificationEnvelope(sesFixture('event_bounce.json'), identity.privateKey, { messageId: 'sns-parsed' });
      const saved = { ...envelope, Message: JSON.parse(envelope.Message) as unknown };
      const result = await replay(JSON.stringify([saved]));
      expect(result.body.counts).toMatchObject({ processed: 1 });
      const state = await feedbackState(database().db);
      expect(state.suppressions).toEqual([{ email: 'recipient@example.com', reason: 'hard_bounce' }]);
    });

    it('unreadable items are reported', async () => {
      const result = await replay(JSON.stringify([42, { Type: 'SubscriptionConfirmation', MessageId: 'x' }, { hello: 'world' }]));
      expect(result.body.counts).toMatchObject({ invalid: 2, ignored: 1, processed: 0 });
      expect(await notificationCount(database().db)).toBe(0);
    });

    it('broken line names its number', async () => {
      const lines = [JSON.stringify(sesFixture('event_send.json')), '{"eventType": "Send",', '{}'].join('\n');
      const result = await replay(lines);
      expect(result.status).toBe(400);
      expect(result.body.error?.message).toContain('Line 2');
      expect(await notificationCount(database().db)).toBe(0);
    });

    it('replay needs staff credentials', async () => {
      const response = await app().request('POST', '/api/feedback/replay', { body: '[]', token: null });
      expect(response.status).toBe(401);
    });
  });

  for (const kind of databaseKinds()) {
    describe(`gazette feedback replay [${kind}]`, () => {
      let folder: string;
      let cleanup: (() => Promise<void>) | undefined;

      beforeEach(() => {
        folder = mkdtempSync(path.join(tmpdir(), 'gazette-replay-'));
      });

      afterEach(async () => {
        await cleanup?.();
        rmSync(folder, { recursive: true, force: true });
      });

      /** Opens the database the command will use: PGlite in `$DATA_DIR/pg`, or a new PostgreSQL one. */
      async function open(): Promise<{ environment: Record<string, string>; connect: () => ReturnType<typeof connectDatabase> }> {
        if (kind === 'pglite') {
          const pgliteDir = path.join(folder, 'pg');
          return { environment: { DATA_DIR: folder }, connect: () => connectDatabase({ pgliteDir }) };
        }
        const created = await createPostgresDatabase();
        cleanup = created.drop;
        return { environment: { DATABASE_URL: created.url, SECRET_KEY: 'cli-test-secret-0123456789abcdef' }, connect: () => connectDatabase({ databaseUrl: created.url }) };
      }

      // Four database starts (seed, two command runs, check): PGlite takes seconds each to start.
      it('replays a file twice', { timeout: 300_000 }, async () => {
        const target = await open();
        const seeding = await target.connect();
        await migrateToLatest(seeding.db);
        await seedFixtureSends(seeding.db);
        await seeding.close();

        const file = path.join(folder, 'saved.jsonl');
        writeFileSync(file, fixtures.map((fixture) => JSON.stringify(sesFixture(fixture))).join('\n'));
        const output = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
        try {
          expect(await main(['feedback', 'replay', file], target.environment)).toBe(0);
          expect(await main(['feedback', 'replay', file], target.environment)).toBe(0);
          const printed = output.mock.calls.map((call) => String(call[0]));
          expect(printed[0]).toContain(`${fixtures.length} processed`);
          expect(printed[1]).toContain(`${fixtures.length} already processed`);
        } finally {
          output.mockRestore();
        }

        const check = await target.connect();
        try {
          const state = await feedbackState(check.db);
          expect(state.suppressions.map((row) => row.email)).toEqual(['jane@example.com', 'recipient@example.com', 'richard@example.com']);
          expect(await notificationCount(check.db)).toBe(fixtures.length);
        } finally {
          await check.close();
        }
      });

      it('missing file is a clear error', async () => {
        const target = await open();
        const errors = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
        try {
          expect(await main(['feedback', 'replay', path.join(folder, 'absent.json')], target.environment)).toBe(1);
          expect(String(errors.mock.calls[0]?.[0])).toContain('Cannot read');
        } finally {
          errors.mockRestore();
        }
      });
    });
  }
});
