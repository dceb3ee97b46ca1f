import { beforeEach, expect, it } from 'vitest';
import { createApiToken, findTokenOwner } from '../../src/auth/api-tokens.ts';
import { loginWaitMinutes, recordLoginAttempt } from '../../src/auth/login-limit.ts';
import { createSession, findSession } from '../../src/auth/sessions.ts';
import { createStaffUser, ensureFirstAdministrator, updateStaffUser } from '../../src/auth/staff.ts';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { signedInStaff, TEST_PASSWORD } from '../helpers/staff.ts';

describeEachDatabase('staff accounts', (database) => {
  beforeEach(() => database().reset());

  it('create refuses a second account for the same address', async () => {
    const { db } = database();
    await createStaffUser(db, { email: 'Ana@Example.org', role: 'editor', password: TEST_PASSWORD });
    await expect(createStaffUser(db, { email: 'ana@example.org', role: 'viewer', password: TEST_PASSWORD })).rejects.toThrow(/already exists/);
  });

  it('create refuses an unknown time zone', async () => {
    await expect(
      createStaffUser(database().db, { email: 'tz@example.org', role: 'editor', password: TEST_PASSWORD, timezone: 'Mars/Olympus' }),
    ).rejects.toThrow(/time zone/);
  });

  it('first administrator is created once', async () => {
    const { db } = database();
    const first = await ensureFirstAdministrator(db);
    const second = await ensureFirstAdministrator(db);
    expect(first?.email).toBe('admin@example.org');
    expect(second).toBeUndefined();
  });

  it('last administrator cannot be demoted', async () => {
    const { db } = database();
    const admin = await createStaffUser(db, { email: 'only@example.org', role: 'admin', password: TEST_PASSWORD });
    await expect(updateStaffUser(db, admin.id, { role: 'viewer' })).rejects.toThrow(/last active administrator/);
  });

  it('session is found until it expires', async () => {
    const { db } = database();
    const user = await createStaffUser(db, { email: 's@example.org', role: 'viewer', password: TEST_PASSWORD });
    const now = new Date('2026-12-01T10:00:00Z');
    const { token } = await createSession(db, user.id, { now });
    expect((await findSession(db, token, now))?.email).toBe('s@example.org');
    expect(await findSession(db, token, new Date('2026-12-02T10:00:00Z'))).toBeUndefined();
  });

  it('disabling an account ends its sessions', async () => {
    const { db } = database();
    await createStaffUser(db, { email: 'keep@example.org', role: 'admin', password: TEST_PASSWORD });
    const user = await createStaffUser(db, { email: 'gone@example.org', role: 'editor', password: TEST_PASSWORD });
    const now = new Date();
    const { token } = await createSession(db, user.id, { now });
    await updateStaffUser(db, user.id, { disabled: true });
    expect(await findSession(db, token, now)).toBeUndefined();
  });

  it('token is stored as a hash only', async () => {
    const { db } = database();
    const user = await createStaffUser(db, { email: 't@example.org', role: 'editor', password: TEST_PASSWORD });
    const { token } = await createApiToken(db, { userId: user.id, name: 'script' });
    const rows = await db.selectFrom('api_tokens').select('token_hash').execute();
    expect(rows.some((row) => row.token_hash.includes(token))).toBe(false);
    expect((await findTokenOwner(db, token, new Date()))?.role).toBe('editor');
  });

  it('five failures block the address for a while', async () => {
    const { db } = database();
    const now = new Date('2026-12-01T10:00:00Z');
    for (let i = 0; i < 5; i++) await recordLoginAttempt(db, { email: 'x@example.org', ip: '192.0.2.1', succeeded: false, now });
    expect(await loginWaitMinutes(db, 'X@example.org', '192.0.2.9', now)).toBe(15);
    expect(await loginWaitMinutes(db, 'x@example.org', '192.0.2.9', new Date('2026-12-01T10:16:00Z'))).toBe(0);
  });
});

describeEachDatabase('staff api', (database) => {
  beforeEach(() => database().reset());

  it('personal token reaches the staff api', async () => {
    const { request, deps } = createTestApp(database().db);
    const user = await createStaffUser(deps.db, { email: 'p@example.org', role: 'admin', password: TEST_PASSWORD });
    const { token } = await createApiToken(deps.db, { userId: user.id, name: 'cli' });
    const response = await request('GET', '/api/staff/users', { token });
    expect(response.status).toBe(200);
  });

  it('revoked token answers 401', async () => {
    const { request, deps } = createTestApp(database().db);
    const user = await createStaffUser(deps.db, { email: 'p@example.org', role: 'admin', password: TEST_PASSWORD });
    const created = await createApiToken(deps.db, { userId: user.id, name: 'cli' });
    await request('DELETE', `/api/staff/tokens/${created.id}`);
    const response = await request('GET', '/api/staff/users', { token: created.token });
    expect(response.status).toBe(401);
  });

  it('session cookie reaches the staff api', async () => {
    const { app, deps } = createTestApp(database().db);
    const staff = await signedInStaff(deps, 'admin');
    const response = await app.request('/api/staff/users', { headers: { cookie: staff.cookie } });
    expect(response.status).toBe(200);
  });

  it('session change without the csrf header answers 403', async () => {
    const { app, deps } = createTestApp(database().db);
    const staff = await signedInStaff(deps, 'admin');
    const response = await app.request('/api/staff/tokens', {
      method: 'POST',
      headers: { cookie: staff.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x' }),
    });
    expect(response.status).toBe(403);
  });

  it('session change with the csrf header succeeds', async () => {
    const { app, deps } = createTestApp(database().db);
    const staff = await signedInStaff(deps, 'admin');
    const response = await app.request('/api/staff/tokens', {
      method: 'POST',
      headers: { cookie: staff.cookie, 'content-type': 'application/json', 'x-csrf-token': staff.csrf },
      body: JSON.stringify({ name: 'x' }),
    });
    expect(response.status).toBe(201);
  });

  it('api change is written to the audit log', async () => {
    const { request, deps } = createTestApp(database().db);
    await request('POST', '/api/staff/users', { json: { email: 'new@example.org', role: 'viewer', password: TEST_PASSWORD } });
    const row = await deps.db.selectFrom('audit_log').selectAll().executeTakeFirstOrThrow();
    expect(row.action).toBe('POST /api/staff/users');
    expect(row.actor).toBe('admin-token');
  });

  it('editor cannot list staff accounts', async () => {
    const { app, deps } = createTestApp(database().db);
    const staff = await signedInStaff(deps, 'editor');
    const response = await app.request('/api/staff/users', { headers: { cookie: staff.cookie } });
    expect(response.status).toBe(403);
  });
});
