/**
 * The public archive of sent issues: an index, one web page per issue and an Atom feed. Pages
 * are the stored render with neutral merge values: no name, no address, no unsubscribe token,
 * and no tracking (Gazette adds none to the render).
 */
import type { Kysely } from 'kysely';
import type { Config } from '../config.ts';
import type { Database } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { archiveUrl, neutralMergeValues } from './campaigns.ts';
import { escapeHtml, fillMergeFields } from './merge-fields.ts';

export interface ArchiveEntry {
  slug: string;
  subject: string;
  preheader: string;
  url: string;
  sentAt: string;
}

/** Sent issues, newest first. */
export async function archiveEntries(db: Kysely<Database>, config: Config, limit = 100): Promise<ArchiveEntry[]> {
  const rows = await db
    .selectFrom('campaigns')
    .select(['archive_slug', 'subject', 'preheader', 'started_at', 'finished_at', 'updated_at'])
    .where('status', '=', 'sent')
    .where('archive_slug', 'is not', null)
    .orderBy('finished_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    slug: row.archive_slug!,
    subject: row.subject,
    preheader: row.preheader,
    url: archiveUrl(config, row.archive_slug)!,
    sentAt: new Date(row.started_at ?? row.finished_at ?? row.updated_at).toISOString(),
  }));
}

/** The web version of one sent issue. */
export async function archivedIssueHtml(db: Kysely<Database>, config: Config, slug: string): Promise<string> {
  const row = await db
    .selectFrom('campaigns')
    .select(['archive_slug', 'html'])
    .where('archive_slug', '=', slug)
    .where('status', '=', 'sent')
    .executeTakeFirst();
  if (!row || row.html === null) throw new NotFoundError(`No archived issue "${slug}".`);
  return fillMergeFields(row.html, neutralMergeValues(config, row), 'html');
}

/** The archive index as a small HTML page. */
export function archiveIndexHtml(config: Config, entries: ArchiveEntry[]): string {
  const items = entries
    .map(
      (entry) =>
        `<li><a href="${escapeHtml(entry.url)}">${escapeHtml(entry.subject)}</a> <small>${entry.sentAt.slice(0, 10)}</small>${
          entry.preheader ? `<br><span>${escapeHtml(entry.preheader)}</span>` : ''
        }</li>`,
    )
    .join('\n');
  const title = `${escapeHtml(config.mail.orgName)}: newsletter archive`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="alternate" type="application/atom+xml" title="${title}" href="${escapeHtml(config.publicUrl)}/archive.xml">
<style>body{font-family:Helvetica,Arial,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}li{margin-bottom:.75rem}</style>
</head><body><h1>${title}</h1>
${entries.length ? `<ul>\n${items}\n</ul>` : '<p>No issue has been sent yet.</p>'}
</body></html>`;
}

/** The archive as an Atom feed (RFC 4287). */
export function archiveAtom(config: Config, entries: ArchiveEntry[]): string {
  const base = config.publicUrl;
  const updated = entries[0]?.sentAt ?? new Date(0).toISOString();
  const xml = (value: string) => escapeHtml(value);
  const body = entries
    .map(
      (entry) => `  <entry>
    <id>${xml(entry.url)}</id>
    <title>${xml(entry.subject)}</title>
    <link rel="alternate" type="text/html" href="${xml(entry.url)}"/>
    <updated>${entry.sentAt}</updated>
    <published>${entry.sentAt}</published>${entry.preheader ? `\n    <summary>${xml(entry.preheader)}</summary>` : ''}
  </entry>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>${xml(`${base}/archive`)}</id>
  <title>${xml(`${config.mail.orgName}: newsletter archive`)}</title>
  <author><name>${xml(config.mail.orgName)}</name></author>
  <link rel="self" type="application/atom+xml" href="${xml(`${base}/archive.xml`)}"/>
  <link rel="alternate" type="text/html" href="${xml(`${base}/archive`)}"/>
  <updated>${updated}</updated>
${body}
</feed>
`;
}
