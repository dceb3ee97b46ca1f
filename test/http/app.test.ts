import { describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';

describeEachDatabase('app basics', (database) => {
  it('healthz answers ok', async () => {
    const { request } = createTestApp(database().db);
    const response = await request('GET', '/healthz', { token: null });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('readyz answers ok on a migrated database', async () => {
    const { request } = createTestApp(database().db, { app: { pendingMigrations: async () => [] } });
    const response = await request('GET', '/readyz', { token: null });
    expect(response.status).toBe(200);
  });

  it('readyz answers 503 with pending migrations', async () => {
    const { request } = createTestApp(database().db, { app: { pendingMigrations: async () => ['0099_next'] } });
    const response = await request('GET', '/readyz', { token: null });
    expect(response.status).toBe(503);
  });

  it('staff api without token answers 401', async () => {
    const { request } = createTestApp(database().db);
    const response = await request('GET', '/api/lists', { token: null });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe('unauthorized');
  });

  it('staff api with wrong token answers 401', async () => {
    const { request } = createTestApp(database().db);
    const response = await request('GET', '/api/lists', { token: 'wrong-token-wrong-token-wrong' });
    expect(response.status).toBe(401);
  });
});

describe('unknown routes', () => {
  it('answer 404 as JSON', async () => {
    const { createApp } = await import('../../src/app.ts');
    const { testDeps } = await import('../helpers/app.ts');
    const app = createApp(testDeps(undefined as never));
    const response = await app.request('/nowhere');
    expect(response.status).toBe(404);
  });
});
