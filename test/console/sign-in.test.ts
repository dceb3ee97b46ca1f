import { beforeEach, expect, it } from 'vitest';
import type { Hono } from 'hono';
import { createStaffUser } from '../../src/auth/staff.ts';
import type { AppEnv } from '../../src/http/context.ts';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { formBody, signedInStaff, TEST_PASSWORD } from '../helpers/staff.ts';

/** Opens the sign-in page and returns the form token and the cookie that must accompany it. */
async function signInForm(app: Hono<AppEnv>, base = 'http://localhost') {
  const page = await app.request(`${base}/console/sign-in`);
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!;
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  return { cookie, token };
}

async function signIn(app: Hono<AppEnv>, email: string, password: string, base = 'http://localhost') {
  const form = await signInForm(app, base);
  return app.request(`${base}/console/sign-in`, {
    method: 'POST',
    headers: { cookie: form.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: formBody({ email, password, next: '/console/campaigns' }, form.token),
  });
}

describeEachDatabase('console sign-in', (database) => {
  beforeEach(() => database().reset());

  it('right password opens a session', async () => {
    const { app, deps } = createTestApp(database().db);
    await createStaffUser(deps.db, { email: 'ed@example.org', role: 'editor', password: TEST_PASSWORD });
    const response = await signIn(app, 'ed@example.org', TEST_PASSWORD);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/console/campaigns');
  });

  it('session cookie is httponly and samesite lax', async () => {
    const { app, deps } = createTestApp(database().db);
    await createStaffUser(deps.db, { email: 'ed@example.org', role: 'editor', password: TEST_PASSWORD });
    const cookie = (await signIn(app, 'ed@example.org', TEST_PASSWORD)).headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/gazette_session=[^;]+;.*HttpOnly/);
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).toMatch(/Max-Age=\d+/);
    expect(cookie).not.toContain('Secure');
  });

  it('session cookie is secure under https', async () => {
    const { app, deps } = createTestApp(database().db);
    await createStaffUser(deps.db, { email: 'ed@example.org', role: 'editor', password: TEST_PASSWORD });
    const cookie = (await signIn(app, 'ed@example.org', TEST_PASSWORD, 'https://news.example.org')).headers.get('set-cookie') ?? '';
    expect(cookie).toContain('Secure');
  });

  it('wrong password answers 401 with the form', async () => {
    const { app, deps } = createTestApp(database().db);
    await createStaffUser(deps.db, { email: 'ed@example.org', role: 'editor', password: TEST_PASSWORD });
    const response = await signIn(app, 'ed@example.org', 'not the password at all');
    expect(response.status).toBe(401);
    expect(await response.text()).toContain('The email address or the password is wrong');
  });

  it('sixth failed attempt is rate limited', async () => {
    const { app, deps } = createTestApp(database().db);
    await createStaffUser(deps.db, { email: 'ed@example.org', role: 'editor', password: TEST_PASSWORD });
    for (let i = 0; i < 5; i++) await signIn(app, 'ed@example.org', 'wrong password number x');
    const response = await signIn(app, 'ed@example.org', TEST_PASSWORD);
    expect(response.status).toBe(429);
  });

  it('sign-in without its form token answers 403', async () => {
    const { app, deps } = createTestApp(database().db);
    await createStaffUser(deps.db, { email: 'ed@example.org', role: 'editor', password: TEST_PASSWORD });
    const response = await app.request('/console/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody({ email: 'ed@example.org', password: TEST_PASSWORD }, null),
    });
    expect(response.status).toBe(403);
  });

  it('next outside the console is ignored', async () => {
    const { app, deps } = createTestApp(database().db);
    await createStaffUser(deps.db, { email: 'ed@example.org', role: 'editor', password: TEST_PASSWORD });
    const form = await signInForm(app);
    const response = await app.request('/console/sign-in', {
      method: 'POST',
      headers: { cookie: form.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody({ email: 'ed@example.org', password: TEST_PASSWORD, next: '//evil.example/x' }, form.token),
    });
    expect(response.headers.get('location')).toBe('/console');
  });

  it('sign-out ends the session', async () => {
    const { app, deps } = createTestApp(database().db);
    const staff = await signedInStaff(deps, 'viewer');
    await app.request('/console/sign-out', {
      method: 'POST',
      headers: { cookie: staff.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody({}, staff.csrf),
    });
    const after = await app.request('/console', { headers: { cookie: staff.cookie } });
    expect(after.status).toBe(303);
  });

  it('console change is written to the audit log', async () => {
    const { app, deps } = createTestApp(database().db);
    const staff = await signedInStaff(deps, 'admin');
    await app.request('/console/staff/tokens', {
      method: 'POST',
      headers: { cookie: staff.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody({ name: 'newsletter site' }, staff.csrf),
    });
    const row = await deps.db.selectFrom('audit_log').selectAll().where('action', 'like', 'POST%').executeTakeFirstOrThrow();
    expect(row.actor).toBe(staff.email);
    expect(row.action).toBe('POST /console/staff/tokens');
  });

  it('new token is shown once on the page', async () => {
    const { app, deps } = createTestApp(database().db);
    const staff = await signedInStaff(deps, 'admin');
    const response = await app.request('/console/staff/tokens', {
      method: 'POST',
      headers: { cookie: staff.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody({ name: 'newsletter site' }, staff.csrf),
    });
    expect(await response.text()).toMatch(/gzp_[A-Za-z0-9_-]{20,}/);
  });

  it('dates show in the member time zone with the zone named', async () => {
    const { app, deps } = createTestApp(database().db);
    const staff = await signedInStaff(deps, 'admin');
    const html = await (await app.request('/console/staff', { headers: { cookie: staff.cookie } })).text();
    expect(html).toContain('(Europe/Paris)');
  });
});
