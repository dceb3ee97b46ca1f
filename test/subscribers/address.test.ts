import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { displayAddress, normaliseAddress } from '../../src/subscribers/address.ts';
import { sharedFixture, sharedFixturesDir, sharedFixturesMissing } from '../helpers/fixtures.ts';

interface AddressCase {
  address: string;
  valid_per_whatwg: boolean;
  whatwg_after_input_sanitization: boolean;
  note: string;
}

const cases: AddressCase[] = sharedFixturesDir
  ? (JSON.parse(readFileSync(sharedFixture('emails.json'), 'utf8')) as AddressCase[])
  : [];

/** The verdict Gazette follows: WHATWG after sanitisation, plus IDN domains with an ASCII local part. */
function expectedVerdict(entry: AddressCase): boolean {
  const at = entry.address.lastIndexOf('@');
  const local = entry.address.slice(0, at);
  const domain = entry.address.slice(at + 1);
  const idnWithAsciiLocal = at > 0 && /^[\x00-\x7f]+$/.test(local) && /[^\x00-\x7f]/.test(domain);
  return entry.whatwg_after_input_sanitization || idnWithAsciiLocal;
}

describe.skipIf(!sharedFixturesDir)(`address cases from emails.json${sharedFixturesDir ? '' : ` (${sharedFixturesMissing})`}`, () => {
  it.each(cases.map((entry) => [JSON.stringify(entry.address), entry] as const))('%s', (_name, entry) => {
    expect(normaliseAddress(entry.address).ok).toBe(expectedVerdict(entry));
  });
});

describe('normaliseAddress', () => {
  it('lower-cases the domain only', () => {
    expect(normaliseAddress('Jane.Doe@Example.ORG')).toMatchObject({ ok: true, email: 'Jane.Doe@example.org' });
  });

  it('keeps plus-addressing', () => {
    expect(normaliseAddress('jane+news@example.org')).toMatchObject({ email: 'jane+news@example.org' });
  });

  it('trims surrounding whitespace and line breaks', () => {
    expect(normaliseAddress(' jane@example.org\r\n')).toMatchObject({ email: 'jane@example.org' });
  });

  it('stores an internationalised domain in ASCII', () => {
    expect(normaliseAddress('test@exämle.com')).toMatchObject({ email: 'test@xn--exmle-hra.com' });
  });

  it('shows an internationalised domain in Unicode', () => {
    expect(normaliseAddress('jeff@臺網中心.tw')).toMatchObject({ display: 'jeff@臺網中心.tw' });
  });

  it('rejects a non-ASCII local part', () => {
    expect(normaliseAddress('ñoñó@example.org')).toMatchObject({ ok: false, problem: 'non_ascii_local_part' });
  });

  it('rejects a display-name form', () => {
    expect(normaliseAddress('Jane <jane@example.org>').ok).toBe(false);
  });

  it('rejects a domain with a trailing dot', () => {
    expect(normaliseAddress('me@example.com.').ok).toBe(false);
  });

  it('rejects an internationalised domain with a trailing dot', () => {
    expect(normaliseAddress('me@exämle.com.').ok).toBe(false);
  });

  it('rejects an empty string', () => {
    expect(normaliseAddress('  ')).toMatchObject({ ok: false, problem: 'empty' });
  });
});

describe('displayAddress', () => {
  it('leaves an ASCII domain alone', () => {
    expect(displayAddress('a@example.org')).toBe('a@example.org');
  });

  it('decodes A-labels', () => {
    expect(displayAddress('test@xn--exmle-hra.com')).toBe('test@exämle.com');
  });
});
