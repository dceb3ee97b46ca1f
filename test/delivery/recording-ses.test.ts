import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { buildMime } from '../../src/delivery/mime.ts';
import { SendError } from '../../src/delivery/mailer.ts';
import { createSesMailer } from '../../src/delivery/ses.ts';
import { rawHeader, startRecordingSes, type RecordingSes } from '../helpers/recording-ses.ts';

describe('recording SES endpoint', () => {
  let ses: RecordingSes;
  beforeAll(async () => {
    ses = await startRecordingSes({ maxSendRate: 42 });
  });
  afterAll(async () => {
    await ses.close();
  });

  const mailer = () => createSesMailer(loadConfig({ SES_ENDPOINT: ses.url, NODE_ENV: 'test' }).ses);
  const raw = () =>
    buildMime({
      from: 'Newsletter <news@example.org>',
      to: 'ana@example.org',
      subject: 'Hello',
      html: '<p>Hi</p>',
      text: 'Hi',
      list: { unsubscribeUrl: 'https://news.example.org/unsubscribe/x', id: 'News <news.example.org>' },
    });

  it('records a raw message with its headers', async () => {
    ses.clear();
    const result = await mailer().send({ from: 'news@example.org', to: ['Ana@example.org'], raw: await raw() });
    expect(result.messageId).toBe(ses.messages[0]!.messageId);
    const parsed = await ses.parse(ses.messages[0]!);
    expect(rawHeader(parsed, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(ses.countsByAddress().get('ana@example.org')).toBe(1);
  });

  it('returns the account send rate', async () => {
    expect(await mailer().maxSendRate()).toBe(42);
  });

  it('throttles a third of calls', async () => {
    ses.clear();
    ses.inject({ error: 'throttling', fraction: 1 / 3 });
    const outcomes: string[] = [];
    for (let i = 0; i < 9; i++) {
      try {
        await mailer().send({ from: 'news@example.org', to: [`r${i}@example.org`], raw: await raw() });
        outcomes.push('ok');
      } catch (error) {
        outcomes.push((error as SendError).kind);
      }
    }
    ses.clearFaults();
    expect(outcomes.filter((outcome) => outcome === 'retryable')).toHaveLength(3);
    expect(ses.messages).toHaveLength(6);
  });

  it('answers an injected rejection as rejected', async () => {
    ses.inject({ error: 'messageRejected', next: 1 });
    const error = await mailer()
      .send({ from: 'news@example.org', to: ['x@example.org'], raw: await raw() })
      .catch((caught: unknown) => caught as SendError);
    ses.clearFaults();
    expect(error).toBeInstanceOf(SendError);
    expect((error as SendError).kind).toBe('rejected');
    expect((error as SendError).providerCode).toBe('MessageRejected');
  });

  it('answers account paused as account_paused', async () => {
    ses.inject({ error: 'accountPaused', next: 1 });
    const error = await mailer()
      .send({ from: 'news@example.org', to: ['x@example.org'], raw: await raw() })
      .catch((caught: unknown) => caught as SendError);
    ses.clearFaults();
    expect((error as SendError).kind).toBe('account_paused');
  });
});
