import { beforeEach, expect, it } from 'vitest';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';

describeEachDatabase('subscriber export', (database) => {
  beforeEach(async () => {
    await database().reset();
    const { request } = createTestApp(database().db);
    await request('POST', '/api/lists', { json: { name: 'Newsletter', slug: 'newsletter' } });
    await request('POST', '/api/subscribers', { json: { email: 'ana@example.org', name: 'Ruiz, Ana', lists: ['newsletter'], attributes: { country: 'Chile' } } });
    await request('POST', '/api/subscribers', { json: { email: 'bo@example.org', lists: ['newsletter'] } });
    await request('POST', '/api/subscribers', { json: { email: 'cy@example.org' } });
    await request('POST', '/api/suppressions', { json: { email: 'bo@example.org' } });
  });

  async function exportCsv(query: string) {
    const { request } = createTestApp(database().db);
    const response = await request('GET', `/api/subscribers/export?${query}`);
    return { status: response.status, type: response.headers.get('content-type'), lines: (await response.text()).trim().split('\n') };
  }

  it('exports a list as csv', async () => {
    const result = await exportCsv('list=newsletter');
    expect(result.type).toContain('text/csv');
    expect(result.lines.length).toBe(3);
    expect(result.lines[1]).toMatch(/^ana@example.org,"Ruiz, Ana",active,confirmed,Chile,/);
  });

  it('exports only the sendable audience', async () => {
    const result = await exportCsv('list=newsletter&sendable=true');
    expect(result.lines.slice(1).map((line) => line.split(',')[0])).toEqual(['ana@example.org']);
  });

  it('exports a saved segment', async () => {
    const { request } = createTestApp(database().db);
    const segment = await (
      await request('POST', '/api/segments', { json: { name: 'Chile', rule: { field: 'country', op: 'equals', value: 'Chile' } } })
    ).json();
    const result = await exportCsv(`segment=${segment.id}`);
    expect([result.status, result.lines.length]).toEqual([200, 2]);
  });

  it('exports the rows a search filter selects', async () => {
    const byCountry = await exportCsv('country=Chile');
    expect(byCountry.lines.slice(1).map((line) => line.split(',')[0])).toEqual(['ana@example.org']);
    const byAddress = await exportCsv('q=cy@');
    expect(byAddress.lines.slice(1).map((line) => line.split(',')[0])).toEqual(['cy@example.org']);
  });

  it('exports by subscriber status', async () => {
    const { request } = createTestApp(database().db);
    const found = (await (await request('GET', '/api/subscribers?q=cy@')).json()) as { items: Array<{ id: string }> };
    await request('PATCH', `/api/subscribers/${found.items[0]!.id}`, { json: { status: 'blocklisted' } });
    const result = await exportCsv('status=blocklisted');
    expect(result.lines.slice(1).map((line) => line.split(',')[0])).toEqual(['cy@example.org']);
  });

  it('rejects an unknown list with 422', async () => {
    expect((await exportCsv('list=nope')).status).toBe(422);
  });
});
