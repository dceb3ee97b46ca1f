import { describe, expect, it } from 'vitest';
import { formatEventWhen } from '../../emails/format.ts';
import { fillMergeFields, localTimeField } from '../../src/campaigns/merge-fields.ts';
import { plainSummary } from '../../src/campaigns/views.ts';

const start = new Date('2027-01-12T00:00:00Z');
const end = new Date('2027-01-12T08:00:00Z');

describe('event times', () => {
  it('timed event shows its own zone', () => {
    expect(formatEventWhen(start, end, 'Asia/Seoul')).toBe('Tuesday, 12 January 2027, 09:00–17:00 (Asia/Seoul)');
  });

  it('timed event over two days names both days', () => {
    expect(formatEventWhen(start, new Date('2027-01-13T08:00:00Z'), 'Asia/Seoul')).toBe(
      'Tuesday, 12 January 2027, 09:00 – Wednesday, 13 January 2027, 17:00 (Asia/Seoul)',
    );
  });

  it('all-day event shows its day without a time', () => {
    // Midnight in Seoul, ending (exclusively) at the next midnight, as iCalendar writes it.
    const dayStart = new Date('2027-01-11T15:00:00Z');
    const dayEnd = new Date('2027-01-12T15:00:00Z');
    expect(formatEventWhen(dayStart, dayEnd, 'Asia/Seoul', true)).toBe('Tuesday, 12 January 2027 (all day)');
    expect(formatEventWhen(dayStart, null, 'Asia/Seoul', true)).toBe('Tuesday, 12 January 2027 (all day)');
  });

  it('all-day event over three days shows first and last day', () => {
    const dayStart = new Date('2027-03-01T00:00:00Z');
    const exclusiveEnd = new Date('2027-03-04T00:00:00Z');
    expect(formatEventWhen(dayStart, exclusiveEnd, 'UTC', true)).toBe('Monday, 1 March 2027 – Wednesday, 3 March 2027 (all day)');
  });

  it('unknown event zone falls back to UTC and says so', () => {
    expect(formatEventWhen(start, null, 'Mars/Olympus')).toBe('Tuesday, 12 January 2027, 00:00 (UTC)');
  });
});

describe('local time merge field', () => {
  const body = `When: 09:00 (Asia/Seoul)${localTimeField(start, end, 'Asia/Seoul')}.`;

  it('reader zone shows the time there', () => {
    expect(fillMergeFields(body, { timeZone: 'America/New_York' }, 'text')).toBe(
      'When: 09:00 (Asia/Seoul); your time: Monday, 11 January 2027, 19:00 – Tuesday, 12 January 2027, 03:00 (America/New_York).',
    );
  });

  it('reader in the event zone sees nothing added', () => {
    expect(fillMergeFields(body, { timeZone: 'Asia/Seoul' }, 'html')).toBe('When: 09:00 (Asia/Seoul).');
  });

  it('no reader zone removes the field', () => {
    expect(fillMergeFields(body, {}, 'text')).toBe('When: 09:00 (Asia/Seoul).');
  });

  it('unknown reader zone removes the field', () => {
    expect(fillMergeFields(body, { timeZone: 'Nowhere/Else' }, 'text')).toBe('When: 09:00 (Asia/Seoul).');
  });

  it('event without an end shows the start only', () => {
    const open = `${localTimeField(start, null, 'Asia/Seoul')}`;
    expect(fillMergeFields(open, { timeZone: 'Europe/London' }, 'text')).toBe('; your time: Tuesday, 12 January 2027, 00:00 (Europe/London)');
  });
});

describe('plain summaries', () => {
  it('blocks keep a space between them', () => {
    expect(plainSummary('<p>Model clauses on exit.</p><ul><li>Checklists</li><li>Examples</li></ul>Line<br>break')).toBe(
      'Model clauses on exit. Checklists Examples Line break',
    );
  });
});
