import { describe, expect, it } from 'vitest';
import { canonicalTimeZone, parseFeedDate, parseIsoInZone } from '../../src/content/dates.ts';

describe('parseFeedDate', () => {
  it.each([
    ['03 Apr 02 1500 GMT', '2002-04-03T15:00:00.000Z'],
    ['Wed, 03 Jan 2018 13:47:00 GMT', '2018-01-03T13:47:00.000Z'],
    ['Wed, 3 Jan 2018 13:47 +0100', '2018-01-03T12:47:00.000Z'],
    ['3 Jan 99 08:00 EST', '1999-01-03T13:00:00.000Z'],
    ['2016-06-27T07:36:54.007-07:00', '2016-06-27T14:36:54.007Z'],
    ['2026-11-20', '2026-11-20T00:00:00.000Z'],
  ])('reads %s', (text, expected) => {
    expect(parseFeedDate(text)?.toISOString()).toBe(expected);
  });

  it('rejects text that is no date', () => {
    expect(parseFeedDate('next Tuesday-ish')).toBeUndefined();
  });
});

describe('canonicalTimeZone', () => {
  it('canonicalises case', () => {
    expect(canonicalTimeZone('asia/seoul')).toBe('Asia/Seoul');
  });

  it('rejects unknown zones', () => {
    expect(canonicalTimeZone('Mars/Olympus')).toBeUndefined();
  });
});

describe('parseIsoInZone', () => {
  it('reads wall-clock time in the zone', () => {
    expect(parseIsoInZone('2027-03-28T02:30', 'Europe/Berlin')?.date.toISOString()).toBe('2027-03-28T01:30:00.000Z');
  });

  it('keeps an explicit offset', () => {
    expect(parseIsoInZone('2027-03-10T09:00:00+09:00', 'UTC')?.date.toISOString()).toBe('2027-03-10T00:00:00.000Z');
  });
});
