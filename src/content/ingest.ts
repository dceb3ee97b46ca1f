/**
 * Ingestion: a file or feed body in, one outcome per entry out. Each entry is stored by one
 * upsert keyed on its guid, so an entry that fails never stops the others and two imports of
 * the same feed at once cannot duplicate a row.
 */
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { ContentKind } from '../db/schema.ts';
import { DomainError, ValidationError } from '../errors.ts';
import { decodeDocument } from './encoding.ts';
import { buildEntry, contentHash, entryColumns, EntryError, type ContentEntry } from './entry.ts';
import { NotACalendarError, parseIcsText } from './parse-ics.ts';
import { parseCsvText, UnreadableCsvError } from './parse-csv.ts';
import { NotAFeedError, parseFeedText } from './parse-feed.ts';
import type { DocumentFormat, ParsedDocument } from './parsed.ts';

export type EntryOutcome = 'created' | 'updated' | 'unchanged' | 'failed';

export interface EntryResult {
  position: number;
  outcome: EntryOutcome;
  id?: string;
  guid?: string;
  title?: string;
  reason?: string;
}

export interface ImportResult {
  format: DocumentFormat;
  /** The encoding the document was read in. */
  encoding: string;
  feed: { title: string | null; publishedAt: string | null; language: string | null };
  counts: Record<EntryOutcome, number>;
  entries: EntryResult[];
}

export interface IngestOptions {
  /** The kind of every entry, unless a CSV row names its own. */
  kind?: ContentKind;
  /** File name, used to recognise `.csv` and `.ics` files. */
  filename?: string;
  /** `Content-Type` of the document; its charset wins over the XML declaration. */
  contentType?: string | null;
  feedId?: string;
  /** Recorded in `content_items.source`: `feed`, `import`, `cli`. */
  source: string;
  /** Topics added to every entry (a feed's own topics). */
  topics?: string[];
  /** Language of entries that declare none (a feed's setting). */
  language?: string | null;
  now: Date;
}

/** Thrown when a document cannot be read at all; nothing is stored. */
export class UnreadableDocumentError extends DomainError {
  override readonly status = 422;
  override readonly code = 'unreadable_document';
}

/** Decodes and parses a document, detecting its format. Throws `UnreadableDocumentError`. */
export function parseDocument(
  bytes: Uint8Array,
  options: Pick<IngestOptions, 'filename' | 'contentType'>,
): { document: ParsedDocument; encoding: string } {
  if (bytes.byteLength === 0) throw new UnreadableDocumentError('The file is empty.');
  const { text, encoding } = decodeDocument(bytes, options.contentType);
  const format = formatOf(text, options);
  try {
    if (format === 'ics') return { document: parseIcsText(text), encoding };
    if (format === 'csv') return { document: parseCsvText(text), encoding };
    return { document: parseFeedText(text), encoding };
  } catch (error) {
    if (error instanceof NotAFeedError || error instanceof NotACalendarError || error instanceof UnreadableCsvError) {
      throw new UnreadableDocumentError(`The file could not be read: ${error.message}.`);
    }
    throw error;
  }
}

function formatOf(text: string, options: Pick<IngestOptions, 'filename' | 'contentType'>): 'ics' | 'csv' | 'feed' {
  const name = options.filename?.toLowerCase() ?? '';
  const type = options.contentType?.toLowerCase() ?? '';
  const head = text.trimStart().slice(0, 200);
  if (name.endsWith('.ics') || type.startsWith('text/calendar') || /^BEGIN:VCALENDAR/i.test(head)) return 'ics';
  if (head.startsWith('<') || head.startsWith('{')) return 'feed';
  if (name.endsWith('.csv') || type.startsWith('text/csv')) return 'csv';
  return 'feed';
}

/**
 * Reads a document and stores its entries, returning one outcome per entry. A document that
 * cannot be read at all throws before anything is stored.
 */
export async function ingestDocument(db: Db, bytes: Uint8Array, options: IngestOptions): Promise<ImportResult> {
  const { document, encoding } = parseDocument(bytes, options);
  if (document.format === 'ics' && options.kind && options.kind !== 'event') {
    throw new ValidationError(`An .ics file holds events; it cannot be imported as ${options.kind}.`, [
      { path: 'kind', message: 'expected event for an .ics file' },
    ]);
  }
  const defaultKind = document.format === 'ics' ? 'event' : options.kind;
  if (!defaultKind && document.format !== 'csv') {
    throw new ValidationError('Say which kind of content this is: event, publication or news.', [
      { path: 'kind', message: 'expected event, publication or news' },
    ]);
  }

  const entries: EntryResult[] = [];
  for (const parsed of document.entries) {
    if (!parsed.draft) {
      entries.push({ position: parsed.position, outcome: 'failed', reason: parsed.error ?? 'unreadable entry' });
      continue;
    }
    const draft = {
      ...parsed.draft,
      topics: [...(parsed.draft.topics ?? []), ...(options.topics ?? [])],
      language: parsed.draft.language ?? document.language ?? options.language,
    };
    const kind = draft.kind ?? defaultKind;
    try {
      if (!kind) throw new EntryError('missing kind; add a kind column or choose a kind for the file');
      const entry = await buildEntry(kind, draft);
      const stored = await upsertEntry(db, entry, options);
      entries.push({ position: parsed.position, outcome: stored.outcome, id: stored.id, guid: entry.guid, title: entry.title });
    } catch (error) {
      if (!(error instanceof EntryError)) throw error;
      entries.push({ position: parsed.position, outcome: 'failed', title: draft.title ?? undefined, reason: error.message });
    }
  }

  const counts: Record<EntryOutcome, number> = { created: 0, updated: 0, unchanged: 0, failed: 0 };
  for (const entry of entries) counts[entry.outcome] += 1;
  return {
    format: document.format,
    encoding,
    feed: {
      title: document.title ?? null,
      publishedAt: document.publishedAt?.toISOString() ?? null,
      language: document.language ?? null,
    },
    counts,
    entries,
  };
}

/**
 * Inserts an entry or updates the row with its guid when the content hash differs. The first
 * `ingested_at` is kept, so an edited entry never counts as new content for a digest.
 */
export async function upsertEntry(
  db: Db,
  entry: ContentEntry,
  options: Pick<IngestOptions, 'feedId' | 'source' | 'now'>,
): Promise<{ id: string; outcome: Exclude<EntryOutcome, 'failed'> }> {
  const hash = await contentHash(entry);
  const columns = { ...entryColumns(entry, hash), feed_id: options.feedId ?? null, source: options.source };
  // `xmax = 0` holds only for a freshly inserted row, which tells an insert from an update in
  // the same statement (PostgreSQL and PGlite alike). No row comes back when the hash matched.
  const written = await db
    .insertInto('content_items')
    .values({ ...columns, ingested_at: options.now, updated_at: options.now })
    .onConflict((conflict) =>
      conflict
        .column('guid')
        .doUpdateSet((eb) => ({
          ...Object.fromEntries(
            Object.keys(columns)
              .filter((key) => key !== 'guid' && key !== 'feed_id')
              .map((key) => [key, eb.ref(`excluded.${key}` as any)]),
          ),
          feed_id: sql`coalesce(excluded.feed_id, content_items.feed_id)`,
          updated_at: options.now,
        }))
        .where('content_items.content_hash', '<>', (eb) => eb.ref('excluded.content_hash')),
    )
    .returning(['id', sql<boolean>`xmax = 0`.as('inserted')])
    .executeTakeFirst();
  if (written) return { id: written.id, outcome: written.inserted ? 'created' : 'updated' };

  const existing = await db
    .selectFrom('content_items')
    .select('id')
    .where('guid', '=', entry.guid)
    .executeTakeFirstOrThrow();
  return { id: existing.id, outcome: 'unchanged' };
}
