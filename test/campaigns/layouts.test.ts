import { beforeEach, describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { clock, seedContent, seedItems } from './seed.ts';

const goodLayout = `<mjml>
  <mj-body background-color="#eef2f7">
    <mj-section>
      <mj-column>
        <mj-text font-size="20px">{{gazette:subject}}</mj-text>
        <mj-raw>{{gazette:intro}}</mj-raw>
        <mj-raw>{{gazette:events}}</mj-raw>
        <mj-raw>{{gazette:publications}}</mj-raw>
        <mj-raw>{{gazette:news}}</mj-raw>
        <mj-raw>{{gazette:footer}}</mj-raw>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;

interface ErrorBody {
  error: { code: string; message: string; details: { path: string; message: string }[] };
}

describeEachDatabase('layouts', (database) => {
  let request: ReturnType<typeof createTestApp>['request'];

  beforeEach(async () => {
    await database().reset();
    await seedContent(database().db);
    request = createTestApp(database().db, { now: () => clock }).request;
  });

  const save = async (mjml: string) => {
    const response = await request('POST', '/api/layouts', { json: { name: 'Blue frame', mjml } });
    return { response, body: (await response.json()) as { id: string; placeholders: string[] } & ErrorBody };
  };

  it('saves a valid layout', async () => {
    const { response, body } = await save(goodLayout);
    expect(response.status).toBe(201);
    expect(body.placeholders).toEqual(['subject', 'intro', 'events', 'publications', 'news', 'footer']);
  });

  it('reports an unknown tag with its line', async () => {
    const mjml = goodLayout.replace('<mj-column>', '<mj-colum>').replace('</mj-column>', '</mj-colum>');
    const { response, body } = await save(mjml);
    expect(response.status).toBe(422);
    expect(body.error.details.map((issue) => issue.message)).toContain("line 4: Element mj-colum doesn't exist or is not registered");
  });

  it('reports an illegal attribute with its line', async () => {
    const { body } = await save(goodLayout.replace('<mj-text font-size="20px">', '<mj-text colour="red">'));
    expect(body.error.details.map((issue) => issue.message)).toContain('line 5: Attribute colour is illegal');
  });

  it('reports an unknown placeholder with its line', async () => {
    const { body } = await save(goodLayout.replace('{{gazette:news}}', '{{gazette:weather}}'));
    expect(body.error.details[0]!.message).toMatch(/^line 9: unknown placeholder \{\{gazette:weather\}\}/);
  });

  it('requires the footer placeholder', async () => {
    const { response, body } = await save(goodLayout.replace('<mj-raw>{{gazette:footer}}</mj-raw>', ''));
    expect(response.status).toBe(422);
    expect(body.error.message).toContain('missing {{gazette:footer}}');
  });

  it('rejects text that is not MJML', async () => {
    const { response } = await save('just some words');
    expect(response.status).toBe(422);
  });

  it('stores nothing when invalid', async () => {
    await save(goodLayout.replace('{{gazette:news}}', '{{gazette:weather}}'));
    const rows = await database().db.selectFrom('layouts').select('id').execute();
    expect(rows).toEqual([]);
  });

  it('ignores mj-include', async () => {
    const { body } = await save(goodLayout.replace('<mj-body', '<mj-include path="/etc/passwd" />\n  <mj-body'));
    const row = await database().db.selectFrom('layouts').select('html').where('id', '=', body.id).executeTakeFirstOrThrow();
    expect(row.html).not.toContain('root:');
  });

  it('patch validates new mjml', async () => {
    const { body } = await save(goodLayout);
    const response = await request('PATCH', `/api/layouts/${body.id}`, { json: { mjml: '<mjml><mj-body></mj-body></mjml>' } });
    expect(response.status).toBe(422);
  });

  it('delete refuses a layout a draft uses', async () => {
    const { body } = await save(goodLayout);
    await request('POST', '/api/campaigns', { json: { subject: 'Framed', lists: ['monthly'], layoutId: body.id } });
    const response = await request('DELETE', `/api/layouts/${body.id}`);
    expect(response.status).toBe(409);
  });

  describe('campaign in a layout', () => {
    let html = '';
    let text = '';

    beforeEach(async () => {
      const { body: layout } = await save(goodLayout);
      const created = await request('POST', '/api/campaigns', {
        json: { subject: 'Framed issue', lists: ['monthly'], layoutId: layout.id, compose: { since: '2026-12-15T00:00:00Z' } },
      });
      const campaign = (await created.json()) as { id: string };
      html = await (await request('GET', `/api/campaigns/${campaign.id}/preview?format=html`)).text();
      text = await (await request('GET', `/api/campaigns/${campaign.id}/preview?format=text`)).text();
    });

    it('uses the layout frame', () => {
      expect(html).toContain('#eef2f7');
    });

    it('places the sections', () => {
      expect(html).toContain(seedItems.seoul.title);
      expect(html).toContain(seedItems.report.title);
      expect(html).toContain(seedItems.news.title);
    });

    it('lists the same items in text', () => {
      expect(text).toContain(seedItems.seoul.title);
      expect(text).toContain(seedItems.report.title);
      expect(text).toContain(seedItems.news.title);
    });

    it('keeps the footer', () => {
      expect(text).toContain('1 Example Plaza, 10000 Example City, Example Country');
    });

    it('leaves no placeholder', () => {
      expect(html).not.toContain('{{gazette:');
    });
  });
});
