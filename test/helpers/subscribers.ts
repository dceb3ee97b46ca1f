/**
 * Helpers for subscriber tests: a mailer that keeps what it is given, and a snapshot of the
 * subscriber tables for "nothing changed" assertions.
 */
import { sql } from 'kysely';
import type { Db } from '../../src/db/connect.ts';
import type { Mailer, OutgoingMessage } from '../../src/delivery/mailer.ts';

export interface RecordingMailer extends Mailer {
  sent: OutgoingMessage[];
  /** The raw message texts, decoded as UTF-8. */
  texts(): string[];
}

export function recordingMailer(): RecordingMailer {
  const sent: OutgoingMessage[] = [];
  return {
    sent,
    async send(message) {
      sent.push(message);
      return { messageId: `test-${sent.length}` };
    },
    texts: () => sent.map((message) => new TextDecoder().decode(message.raw)),
  };
}

/** Returns the rows of every table a subscriber flow writes, for before/after comparison. */
export async function snapshotSubscriberTables(db: Db): Promise<Record<string, unknown[]>> {
  const tables = ['subscribers', 'subscriptions', 'subscriber_topics', 'consent_log', 'suppressions', 'lists', 'topics'];
  const result: Record<string, unknown[]> = {};
  for (const table of tables) {
    const rows = await sql.raw(`select * from ${table} order by 1, 2`).execute(db);
    result[table] = rows.rows;
  }
  return result;
}

/** Finds the first URL under `path` (e.g. `/confirm/`) in a raw message, undoing quoted-printable soft breaks. */
export function findLink(raw: string, path: string): string | undefined {
  const unfolded = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  const match = unfolded.match(new RegExp(`https://news\\.example\\.org${path}[A-Za-z0-9_.-]+`));
  return match?.[0].replace('https://news.example.org', '');
}
