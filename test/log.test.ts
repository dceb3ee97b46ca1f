import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, maskEmail } from '../src/log.ts';

/** A logger whose JSON lines are collected in memory. */
function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ destination });
  return { logger, output: () => lines.join('') };
}

describe('log redaction', () => {
  it('masks an email field', () => {
    const { logger, output } = capture();
    logger.info({ email: 'jane.doe@example.org' }, 'subscribed');
    expect(output()).not.toContain('jane.doe@example.org');
  });

  it('keeps the domain of a masked email', () => {
    const { logger, output } = capture();
    logger.info({ email: 'jane.doe@example.org' }, 'subscribed');
    expect(output()).toContain('j***@example.org');
  });

  it('masks a nested email field', () => {
    const { logger, output } = capture();
    logger.info({ subscriber: { id: '7', email: 'ravi@example.org' } }, 'confirmed');
    expect(output()).not.toContain('ravi@example.org');
  });

  it('masks a list of recipients', () => {
    const { logger, output } = capture();
    logger.info({ to: ['ana@example.org', 'li@example.org'] }, 'sent');
    expect(output()).not.toMatch(/ana@|li@example/);
  });

  it('masks an address in the message', () => {
    const { logger, output } = capture();
    logger.warn('SES refused ana.silva@example.org: mailbox unavailable');
    expect(output()).not.toContain('ana.silva@example.org');
  });

  it('masks an address in an error', () => {
    const { logger, output } = capture();
    logger.error({ err: new Error('Address blacklisted: kim@example.org') }, 'send failed');
    expect(output()).not.toContain('kim@example.org');
  });

  it('hides a token', () => {
    const { logger, output } = capture();
    logger.info({ token: 'gz_supersecret_token_value' }, 'issued');
    expect(output()).not.toContain('gz_supersecret_token_value');
  });

  it('hides an authorization header', () => {
    const { logger, output } = capture();
    logger.info({ req: { headers: { authorization: 'Bearer abcdefabcdefabcdef' } } }, 'request');
    expect(output()).not.toContain('abcdefabcdefabcdef');
  });

  it('keeps campaign and message ids', () => {
    const { logger, output } = capture();
    logger.child({ campaignId: '42', sesMessageId: '0100018c-abc' }).info('sent');
    expect(JSON.parse(output())).toMatchObject({ campaignId: '42', sesMessageId: '0100018c-abc' });
  });
});

describe('mask email', () => {
  it('keeps first letter and domain', () => {
    expect(maskEmail('jane.doe@example.org')).toBe('j***@example.org');
  });
});

describe('access log', () => {
  it('carries the request id', async () => {
    const { createApp } = await import('../src/app.ts');
    const { testDeps } = await import('./helpers/app.ts');
    const { logger, output } = capture();
    const app = createApp({ ...testDeps(undefined as never), logger });
    await app.request('/api/openapi.json', { headers: { 'x-request-id': 'req-123' } });
    const line = output().split('\n').map((text) => (text ? JSON.parse(text) : {})).find((entry) => entry.msg === 'request');
    expect(line).toMatchObject({ requestId: 'req-123', route: '/api/openapi.json', status: 200 });
  });
});
