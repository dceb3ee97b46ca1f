/**
 * The console in a real browser: headless Chromium (Debian's `chromium` package, driven by
 * playwright-core) walks the journey a new colleague takes, against the app served on
 * 127.0.0.1 with an embedded database. Each main page is saved as a screenshot under
 * `test/artifacts/` (ignored by git) for a person to look at.
 *
 * The test skips with a message when /usr/bin/chromium is absent.
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFirstAdministrator } from '../../src/auth/staff.ts';
import type { Deps } from '../../src/deps.ts';
import { createSesMailer } from '../../src/delivery/ses.ts';
import { createSendWorker } from '../../src/delivery/worker.ts';
import { createTestApp } from '../helpers/app.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startRecordingSes, type RecordingSes } from '../helpers/recording-ses.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const hasChromium = existsSync(CHROMIUM);

if (!hasChromium) {
  describe.skip(`console in chromium [skipped: ${CHROMIUM} is absent; install Debian's chromium package]`, () => {});
} else {
  describe('console in chromium', () => {
    let database: TestDatabase;
    let server: ServerType;
    let base: string;
    let browser: Browser;
    let page: Page;
    let admin: { email: string; password: string };
    let ses: RecordingSes;
    let deps: Deps;
    let campaignPath = '';

    beforeAll(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      database = await openTestDatabase('pglite');
      ses = await startRecordingSes();
      const built = createTestApp(database.db, { env: { SES_ENDPOINT: ses.url, SES_MAX_SEND_RATE: '1000' } });
      const app = built.app;
      deps = built.deps;
      deps.mailer = createSesMailer(deps.config.ses);
      admin = (await ensureFirstAdministrator(deps.db))!;
      await seedAudience(database);
      server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
      await new Promise<void>((resolve) => server.once('listening', () => resolve()));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
      });
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      await database?.handle.close();
      await ses?.close();
    });

    async function cookieHeader(): Promise<string> {
      const cookies = await page.context().cookies(base);
      return cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ');
    }

    async function screenshot(name: string): Promise<void> {
      await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
    }

    it('first sign-in lands on the dashboard', async () => {
      await page.goto(`${base}/console`);
      expect(new URL(page.url()).pathname).toBe('/console/sign-in');
      await screenshot('01-sign-in');

      await page.getByLabel('Email address').fill(admin.email);
      await page.getByLabel('Password').fill(admin.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${base}/console`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Dashboard');
      await screenshot('02-dashboard');
    });

    it('event and publication are added', async () => {
      await page.goto(`${base}/console/content`);
      await screenshot('03-content-empty');

      await page.locator('#item-kind').selectOption('event');
      await page.locator('#item-title').fill('Regional Forum on Open Government');
      await page.locator('#item-url').fill('https://events.example.org/forum-2027');
      await page.locator('#item-summary').fill('Two days on open data and public trust.');
      await page.locator('#item-timezone').selectOption('Asia/Seoul');
      await page.locator('#item-starts').fill(`${daysAhead(30)}T09:00`);
      await page.locator('#item-city').fill('Seoul');
      await page.locator('#item-topics').fill('open-data');
      await page.getByRole('button', { name: 'Add item' }).click();
      await page.waitForURL(/\/console\/content\?notice=content-saved/);

      await page.locator('#item-kind').selectOption('publication');
      await page.locator('#item-title').fill('Trust in Public Institutions 2027');
      await page.locator('#item-url').fill('https://research.example.org/trust-2027');
      await page.locator('#item-summary').fill('What makes citizens trust their administrations.');
      await page.locator('#item-topics').fill('open-data');
      await page.getByRole('button', { name: 'Add item' }).click();
      await page.waitForURL(/\/console\/content\?notice=content-saved/);

      const rows = page.locator('main table tbody tr');
      expect(await rows.count()).toBe(2);
      await screenshot('04-content');
    });

    it('issue is composed from the new content', async () => {
      await page.goto(`${base}/console/compose`);
      await page.locator('#compose-subject').fill('Governance news, March 2027');
      await page.locator('#compose-preheader').fill('A forum in Seoul and a new report on trust');
      await page.locator('#compose-intro').fill('Dear colleagues,\n\nThis month brings **a regional forum** and a new report.');
      const offered = page.locator('input[name="items"]');
      expect(await offered.count()).toBe(2);
      expect(await offered.nth(0).isChecked()).toBe(true);
      await page.getByLabel('Monthly newsletter').check();
      await page.getByRole('button', { name: 'Save draft and preview' }).click();
      await page.waitForURL(/\/console\/campaigns\/\d+\?notice=draft-saved/);
      campaignPath = new URL(page.url()).pathname;
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Governance news, March 2027');
    });

    it('preview shows the issue at desktop and phone widths', async () => {
      const desktop = page.frameLocator('#preview-desktop');
      await desktop.getByText('Regional Forum on Open Government').first().waitFor();
      await page.frameLocator('#preview-phone').getByText('Trust in Public Institutions 2027').first().waitFor();
      await screenshot('08-compose-preview');
      const text = await (await fetch(`${base}${campaignPath}/preview?format=text`, { headers: { cookie: await cookieHeader() } })).text();
      expect(text).toContain('Regional Forum on Open Government');
    });

    it('test send reaches the staff address', async () => {
      await page.locator('#test-emails').fill(admin.email);
      await page.getByRole('button', { name: 'Send test' }).click();
      await page.getByText(`${admin.email}: sent`).waitFor();
      expect(ses.messages.some((message) => message.raw.toString().includes('[Test] Governance news'))).toBe(true);
    });

    it('schedule asks for confirmation with the count', async () => {
      await page.locator('#send-at').fill(`${daysAhead(40)}T09:00`);
      await page.getByRole('button', { name: 'Schedule…' }).click();
      await page.getByRole('button', { name: 'Schedule for 3 recipients' }).waitFor();
      await screenshot('09-confirm-schedule');
      await page.getByRole('button', { name: 'Schedule for 3 recipients' }).click();
      await page.waitForURL(/notice=scheduled/);
      await page.getByText('scheduled', { exact: true }).first().waitFor();
    });

    it('send now goes to the list and the report reads it', async () => {
      await page.getByRole('button', { name: 'Send now…' }).click();
      await page.getByRole('button', { name: 'Send to 3 recipients' }).click();
      await page.waitForURL(/notice=sending/);
      await createSendWorker(deps, { backoff: { baseMs: 1, maxMs: 5, maxRetries: 5 } }).drain();
      await page.reload();
      await page.getByRole('heading', { name: 'Report' }).waitFor();
      expect(await page.locator('#recipients ~ div table tbody tr').count()).toBe(3);
      await screenshot('10-report');
      await page.goto(`${base}/console/campaigns`);
      await screenshot('11-campaigns');
    });

    it('segment is built with the form', async () => {
      await page.goto(`${base}/console/segments`);
      await page.getByLabel('Name', { exact: true }).fill('Everyone in France');
      await page.getByLabel('Condition 1').selectOption('country.equals');
      await page.getByLabel('Value 1').fill('FR');
      await page.getByRole('button', { name: 'Save segment' }).click();
      await page.waitForURL(/\/console\/segments\/\d+/);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Segment: Everyone in France');
      await screenshot('05-segment');
    });

    it('administrator creates a personal token', async () => {
      await page.goto(`${base}/console/staff`);
      await screenshot('06-staff');
      await page.locator('#token-name').fill('reporting script');
      await page.getByRole('button', { name: 'Create token' }).click();
      const token = (await page.locator('#new-token').textContent())?.trim() ?? '';
      expect(token).toMatch(/^gzp_/);
      const response = await fetch(`${base}/api/segments`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
    });

    it('settings page shows the sender', async () => {
      await page.goto(`${base}/console/settings`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Settings');
      await screenshot('07-settings');
    });

    it('subscribers page leads to a subscriber', async () => {
      await page.goto(`${base}/console/subscribers`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Subscribers');
      await screenshot('12-subscribers');
      await page.getByRole('link', { name: 'ana@example.org' }).click();
      await page.waitForURL(/\/console\/subscribers\/\d+$/);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('ana@example.org');
      await screenshot('13-subscriber');
      await page.getByRole('link', { name: 'Edit', exact: true }).click();
      await page.waitForURL(/\/console\/subscribers\/\d+\/edit$/);
      await screenshot('15-subscriber-edit');
    });

    it('import shows counts and rows to check', async () => {
      await page.goto(`${base}/console/subscribers/import`);
      await screenshot('16-import-form');
      await page.getByLabel('CSV file').setInputFiles({ name: 'readers.csv', mimeType: 'text/csv', buffer: Buffer.from('email,name\ndee@example.org,Dee\nnot-an-address,Broken\n') });
      await page.getByLabel('List', { exact: true }).selectOption('monthly');
      await page.getByRole('button', { name: 'Start the import' }).click();
      await page.waitForURL(/\/console\/subscribers\/imports\/\d+/);
      await page.getByText('The import is finished.').waitFor();
      await page.getByText('Download them as CSV').waitFor();
      await screenshot('14-import');
    });
  });
}

/** The office already has a list with three confirmed readers when the journey starts. */
async function seedAudience(database: TestDatabase): Promise<void> {
  const list = await database.db.insertInto('lists').values({ slug: 'monthly', name: 'Monthly newsletter' }).returning('id').executeTakeFirstOrThrow();
  for (const name of ['ana', 'bo', 'chen']) {
    const subscriber = await database.db.insertInto('subscribers').values({ email: `${name}@example.org`, name, source: 'import' }).returning('id').executeTakeFirstOrThrow();
    await database.db.insertInto('subscriptions').values({ subscriber_id: subscriber.id, list_id: list.id, status: 'confirmed', confirmed_at: new Date() }).execute();
  }
}

/** The calendar date `days` from now (UTC), as a date input takes it. */
function daysAhead(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}
