import { describe, expect, it } from 'vitest';
import { CronExpressionError, fireTimesBetween, nextFireTimes, parseCron, previousFireTime } from '../../src/digests/cron.ts';

const iso = (dates: Date[]) => dates.map((date) => date.toISOString());

describe('cron fire times', () => {
  it('first Monday 09:00 in Asia/Seoul', () => {
    const schedule = parseCron('0 9 * * 1#1', 'Asia/Seoul');
    const fires = nextFireTimes(schedule, new Date('2026-12-01T00:00:00Z'), 3);
    // 7 December 2026, 4 January 2027 and 1 February 2027 are the first Mondays; Seoul is UTC+9.
    expect(iso(fires)).toEqual(['2026-12-07T00:00:00.000Z', '2027-01-04T00:00:00.000Z', '2027-02-01T00:00:00.000Z']);
  });

  it('both day fields must match', () => {
    const schedule = parseCron('0 9 1-7 * 1', 'UTC');
    const fires = nextFireTimes(schedule, new Date('2027-01-01T00:00:00Z'), 2);
    expect(iso(fires)).toEqual(['2027-01-04T09:00:00.000Z', '2027-02-01T09:00:00.000Z']);
  });

  it('last day and last Friday of the month', () => {
    expect(iso(nextFireTimes(parseCron('0 18 L * *', 'UTC'), new Date('2027-02-01T00:00:00Z'), 1))).toEqual([
      '2027-02-28T18:00:00.000Z',
    ]);
    expect(iso(nextFireTimes(parseCron('0 18 * * 5L', 'UTC'), new Date('2027-02-01T00:00:00Z'), 1))).toEqual([
      '2027-02-26T18:00:00.000Z',
    ]);
  });

  it('02:30 Europe/Berlin across spring forward', () => {
    const schedule = parseCron('30 2 * * *', 'Europe/Berlin');
    const fires = fireTimesBetween(schedule, new Date('2026-03-27T12:00:00Z'), new Date('2026-03-31T12:00:00Z'));
    expect(iso(fires)).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:30:00.000Z', // 02:30 does not exist; 03:30 CEST
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ]);
  });

  it('02:30 Europe/Berlin across fall back', () => {
    const schedule = parseCron('30 2 * * *', 'Europe/Berlin');
    const fires = fireTimesBetween(schedule, new Date('2026-10-23T12:00:00Z'), new Date('2026-10-27T12:00:00Z'));
    expect(iso(fires)).toEqual([
      '2026-10-24T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T00:30:00.000Z', // the first of the two 02:30s (CEST)
      '2026-10-26T01:30:00.000Z', // 02:30 CET
      '2026-10-27T01:30:00.000Z',
    ]);
  });

  it('gap times that meet are fired once', () => {
    const schedule = parseCron('30 2,3 * * *', 'Europe/Berlin');
    const fires = fireTimesBetween(schedule, new Date('2026-03-28T23:00:00Z'), new Date('2026-03-29T12:00:00Z'));
    expect(iso(fires)).toEqual(['2026-03-29T01:30:00.000Z']);
  });

  it('fireTimesBetween keeps the newest when limited', () => {
    const schedule = parseCron('0 * * * *', 'UTC');
    const fires = fireTimesBetween(schedule, new Date('2027-01-01T00:00:00Z'), new Date('2027-01-02T00:00:00Z'), 2);
    expect(iso(fires)).toEqual(['2027-01-01T23:00:00.000Z', '2027-01-02T00:00:00.000Z']);
  });

  it('previousFireTime finds the latest at or before', () => {
    const schedule = parseCron('0 9 * * 1#1', 'Asia/Seoul');
    expect(previousFireTime(schedule, new Date('2027-01-20T00:00:00Z'))?.toISOString()).toBe('2027-01-04T00:00:00.000Z');
  });

  it('invalid input names the problem', () => {
    expect(() => parseCron('0 9 * *', 'UTC')).toThrow(/4 fields; expected five/);
    expect(() => parseCron('0 0 9 * * 1', 'UTC')).toThrow(/6 fields/);
    expect(() => parseCron('0 25 * * *', 'UTC')).toThrow(CronExpressionError);
    expect(() => parseCron('0 9 * * 1', 'Mars/Olympus')).toThrow(/not an IANA time zone/);
  });
});
