import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { buildMime, compileMessage, type RecipientParts } from '../../src/delivery/mime.ts';

const campaign = {
  from: 'Bureau de la Gouvernance Numérique <news@example.org>',
  list: { unsubscribeMailto: 'unsubscribe@example.org', id: 'Monthly news <monthly.news.example.org>' },
  headers: { 'X-Gazette-Campaign': '42', 'Feedback-ID': '42:gazette' },
};

const longLine = `<p>${'Regional forum on digital government and public service innovation. '.repeat(30)}</p>`;
const recipients: RecipientParts[] = [
  {
    to: 'ana@example.org',
    toName: 'Ana María Núñez, Jr.',
    subject: 'Ana María, les forums régionaux de 2027',
    html: `<html><body><p class="intro">Dear Ana María,</p>${longLine}<p>Séoul — 서울 — 首尔</p>\n<a href="https://news.example.org/u/abc?x=1&amp;y=2">Unsubscribe</a></body></html>`,
    text: 'Dear Ana María,\n\nSéoul — 서울\nTrailing space \nhttps://news.example.org/u/abc?x=1&y=2\n',
    unsubscribeUrl: 'https://news.example.org/unsubscribe/abc.def',
    messageId: '<one@example.org>',
    date: new Date('2027-01-04T00:00:00Z'),
  },
  {
    to: 'bo@example.org',
    subject: 'Plain subject',
    html: '<p>Hello</p>',
    text: 'Hello',
    unsubscribeUrl: 'https://news.example.org/unsubscribe/ghi.jkl',
    messageId: '<two@example.org>',
    date: new Date('2027-01-04T00:00:01Z'),
  },
  {
    to: 'quote@example.org',
    toName: 'O"Brien \\ <Team>',
    subject: `A long subject line that goes on ${'and on '.repeat(12)}past the fold`,
    html: '<p>x</p>',
    text: 'x',
    unsubscribeUrl: 'https://news.example.org/unsubscribe/mno.pqr',
    messageId: '<three@example.org>',
    date: new Date('2027-01-04T00:00:02Z'),
  },
];

describe('message template', () => {
  for (const recipient of recipients) {
    it(`copy for ${recipient.to} reads like a message composed on its own`, async () => {
      const template = await compileMessage(campaign);
      const filled = await simpleParser(template.build(recipient));
      const composed = await simpleParser(
        await buildMime({ ...campaign, ...recipient, list: { ...campaign.list, unsubscribeUrl: recipient.unsubscribeUrl } }),
      );

      for (const header of ['from', 'to', 'subject', 'date', 'message-id', 'list-unsubscribe', 'list-unsubscribe-post', 'list-id', 'x-gazette-campaign', 'feedback-id', 'precedence']) {
        expect(filled.headers.get(header), header).toEqual(composed.headers.get(header));
      }
      expect(filled.html).toEqual(composed.html);
      expect(filled.text).toEqual(composed.text);
    });
  }

  it('body lines stay within 76 characters, with CRLF line ends', async () => {
    const template = await compileMessage(campaign);
    const raw = template.build(recipients[0]!).toString('latin1');
    const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
    expect(body.split('\r\n').filter((line) => line.length > 76)).toEqual([]);
    expect(raw).not.toMatch(/[^\r]\n/);
  });

  it('non-ASCII name and subject are RFC 2047 encoded', async () => {
    const raw = (await compileMessage(campaign)).build(recipients[0]!).toString('latin1');
    expect(raw).toMatch(/^To: =\?UTF-8\?Q\?Ana_Mar=C3=ADa_N=C3=BA=C3=B1ez=2C_Jr=2E\?= <ana@example.org>\r$/m);
    expect(raw).toMatch(/^Subject: =\?UTF-8\?Q\?/m);
    expect(raw).toMatch(/^From: =\?UTF-8\?Q\?Bureau_de_la_Gouvernance_Num=C3=A9rique\?=\r\n <news@example.org>\r$/m);
  });

  it('copies of one template differ only in their recipient parts', async () => {
    const template = await compileMessage(campaign);
    const first = template.build(recipients[0]!).toString('latin1');
    const second = await simpleParser(template.build(recipients[1]!));
    expect(first).toContain(`List-Unsubscribe: <${recipients[0]!.unsubscribeUrl}>`);
    expect(second.headerLines.find((line) => line.key === 'list-unsubscribe')?.line).toBe(
      'List-Unsubscribe: <https://news.example.org/unsubscribe/ghi.jkl>, <mailto:unsubscribe@example.org?subject=unsubscribe>',
    );
    expect(second.html).toBe('<p>Hello</p>');
    expect(second.to).toMatchObject({ text: 'bo@example.org' });
  });
});
