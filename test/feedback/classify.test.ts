import { describe, expect, it } from 'vitest';
import { classifyBounce, dsnStatus } from '../../src/feedback/classify.ts';

const address = 'official@ministry.example';

describe('classifyBounce', () => {
  const cases: [string, string, string | undefined, { status?: string; diagnosticCode?: string }, string][] = [
    ['permanent general', 'Permanent', 'General', { status: '5.1.1' }, 'hard'],
    ['permanent without DSN', 'Permanent', 'General', {}, 'hard'],
    ['permanent no email', 'Permanent', 'NoEmail', { status: '5.1.1' }, 'hard'],
    ['account suppression list', 'Permanent', 'OnAccountSuppressionList', {}, 'account_suppressed'],
    ['transient 5.1.1 user unknown', 'Transient', 'General', { status: '5.1.1' }, 'hard'],
    ['transient 5.1.2 bad domain', 'Transient', 'General', { status: '5.1.2' }, 'hard'],
    ['transient 5.1.10 null MX', 'Transient', 'General', { status: '5.1.10' }, 'hard'],
    ['transient 5.4.4 invalid domain', 'Transient', 'General', { diagnosticCode: 'smtp; 5.4.4 Invalid domain' }, 'hard'],
    ['transient 4.4.7 expired', 'Transient', 'General', { status: '4.4.7' }, 'soft'],
    ['transient diagnostic without code', 'Transient', 'General', { diagnosticCode: 'Mailbox temporarily unavailable' }, 'soft'],
    ['auto-reply without DSN', 'Transient', 'General', {}, 'auto_reply'],
    ['mailbox full stays soft', 'Transient', 'MailboxFull', { status: '5.2.2' }, 'soft'],
    ['mailbox full with 5.1.1 stays soft', 'Transient', 'MailboxFull', { status: '5.1.1' }, 'soft'],
    ['content rejected', 'Transient', 'ContentRejected', { status: '5.7.1' }, 'uncounted'],
    ['message too large', 'Transient', 'MessageTooLarge', { status: '5.3.4' }, 'uncounted'],
    ['undetermined', 'Undetermined', undefined, {}, 'soft'],
  ];

  for (const [name, type, subType, dsn, expected] of cases) {
    it(name, () => {
      expect(classifyBounce(type, subType, { emailAddress: address, ...dsn })).toBe(expected);
    });
  }
});

describe('dsnStatus', () => {
  it('reads the status field', () => {
    expect(dsnStatus({ emailAddress: address, status: '5.1.1' })).toBe('5.1.1');
  });

  it('reads the code from the diagnostic', () => {
    expect(dsnStatus({ emailAddress: address, diagnosticCode: 'smtp; 550 5.1.10 RESOLVER.ADR.RecipientNotFound' })).toBe('5.1.10');
  });

  it('prefers the diagnostic code over a non-code status', () => {
    expect(dsnStatus({ emailAddress: address, status: 'failed', diagnosticCode: 'smtp; 550 5.1.2 host unknown' })).toBe('5.1.2');
  });

  it('returns undefined without a DSN', () => {
    expect(dsnStatus({ emailAddress: address })).toBeUndefined();
  });
});
