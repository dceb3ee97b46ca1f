/**
 * Digest subjects: a pattern whose placeholders take the run's date in the schedule's zone.
 * `{date}` is "7 December 2026", `{month}` "December 2026" and `{year}` "2026" (English, the
 * language of the issues' templates).
 */
import { DateTime } from 'luxon';

const placeholders = ['date', 'month', 'year'] as const;
const placeholderPattern = /\{([^{}]*)\}/g;

/** Returns why a pattern is invalid, or undefined when it is fine. */
export function checkSubjectPattern(pattern: string): string | undefined {
  if (pattern.trim() === '') return 'expected a subject';
  for (const match of pattern.matchAll(placeholderPattern)) {
    if (!(placeholders as readonly string[]).includes(match[1]!)) {
      return `unknown placeholder {${match[1]}}; use {date}, {month} or {year}`;
    }
  }
  return undefined;
}

/** Fills the placeholders with `at` as seen in `timeZone`. */
export function formatSubject(pattern: string, at: Date, timeZone: string): string {
  const local = DateTime.fromJSDate(at, { zone: timeZone }).setLocale('en-GB');
  const values: Record<(typeof placeholders)[number], string> = {
    date: local.toFormat('d LLLL yyyy'),
    month: local.toFormat('LLLL yyyy'),
    year: local.toFormat('yyyy'),
  };
  return pattern.replace(placeholderPattern, (whole, name: string) => values[name as keyof typeof values] ?? whole);
}
