import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { contentKinds } from '../../content/entry.ts';
import { FeedFetchError, fetchFeedDocument } from '../../content/fetch-feed.ts';
import { ingestDocument, UnreadableDocumentError, type ImportResult } from '../../content/ingest.ts';
import type { ContentKind } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { ValidationError } from '../../errors.ts';
import { CliError, openDataAccess } from '../context.ts';
import type { Command } from '../main.ts';

export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'Store the entries of a feed, .ics or CSV file or URL as content',
  usage: `
Usage: gazette ingest <file|url> --kind event|publication|news

Reads RSS 2.0, RSS 0.9x, RSS 1.0, Atom, JSON Feed, iCalendar (.ics) or CSV, from a file or
an http(s) URL, and stores each entry as a content item of the given kind. The encoding the
server or the file declares is honoured. An entry already stored (same guid, else same link)
is updated when it changed and left alone when it did not. HTML in summaries is sanitised.

Options:
  --kind <kind>   event, publication or news. Optional for .ics files (always events) and
                  for CSV files with a "kind" column.

A URL that cannot be fetched, or a file that is not a feed, calendar or CSV, stores nothing.
While a server holds the embedded data directory, the file goes through that server's API
(GAZETTE_URL, with the token from ADMIN_API_TOKEN or $DATA_DIR/secrets.json).

Exit status: 0 when the entries were read (even if some were invalid: each is listed),
1 when nothing could be read or every entry was invalid.`,
  async run(args, environment) {
    const { positionals, values } = parseArgs({
      args,
      options: { kind: { type: 'string' } },
      allowPositionals: true,
    });
    const source = positionals[0];
    if (!source || positionals.length > 1) {
      throw new CliError('Expected one file or URL, such as "gazette ingest demo/events.ics --kind event".');
    }
    const kind = parseKind(values.kind);
    const document = await readSource(source);

    const access = await openDataAccess(environment);
    let result: ImportResult;
    try {
      if (access.mode === 'remote') {
        const form = new FormData();
        form.set('file', new File([document.bytes], document.filename, { type: document.contentType ?? '' }));
        if (kind) form.set('kind', kind);
        result = await access.api.upload<ImportResult>('/api/content/import', form);
      } else {
        result = await ingestLocally(access.runtime.deps, document, kind);
      }
    } finally {
      await access.close();
    }

    process.stdout.write(describeResult(source, result));
    const stored = result.counts.created + result.counts.updated + result.counts.unchanged;
    return result.counts.failed > 0 && stored === 0 ? 1 : 0;
  },
};

interface SourceDocument {
  bytes: Uint8Array<ArrayBuffer>;
  /** The file name, or the last segment of the URL's path, which identifies `.ics` and `.csv` files. */
  filename: string;
  /** The server's `Content-Type`, whose charset wins over the document's own declaration. */
  contentType: string | null;
}

function parseKind(value: string | undefined): ContentKind | undefined {
  if (value === undefined) return undefined;
  if (!(contentKinds as readonly string[]).includes(value)) {
    throw new CliError(`Invalid --kind "${value}": expected event, publication or news.`);
  }
  return value as ContentKind;
}

/** Reads a local file, or fetches a URL with the same limits as a polled feed. */
async function readSource(source: string): Promise<SourceDocument> {
  if (/^https?:\/\//i.test(source)) {
    let fetched;
    try {
      fetched = await fetchFeedDocument(source);
    } catch (error) {
      if (error instanceof FeedFetchError) throw new CliError(`${error.message} Nothing was stored.`);
      throw error;
    }
    if (fetched.status !== 'ok') throw new CliError(`${source} returned 304 Not Modified to a request without validators. Nothing was stored.`);
    const filename = decodeURIComponent(new URL(source).pathname.split('/').pop() ?? '') || 'feed';
    return { bytes: new Uint8Array(fetched.bytes), filename, contentType: fetched.contentType };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    throw new CliError(`Cannot read "${source}": expected a file path or an http(s) URL.`);
  }
  try {
    return { bytes: new Uint8Array(await readFile(source)), filename: path.basename(source), contentType: null };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`File not found: ${source}.`);
    if (code === 'EISDIR') throw new CliError(`${source} is a directory. Expected a feed, .ics or CSV file.`);
    throw new CliError(`Could not read ${source}: ${(error as Error).message}`);
  }
}

async function ingestLocally(
  deps: Pick<Deps, 'db' | 'now'>,
  document: SourceDocument,
  kind: ContentKind | undefined,
): Promise<ImportResult> {
  try {
    return await ingestDocument(deps.db, document.bytes, {
      kind,
      filename: document.filename,
      contentType: document.contentType,
      source: 'cli',
      now: deps.now(),
    });
  } catch (error) {
    if (error instanceof UnreadableDocumentError) throw new CliError(`${error.message} Nothing was stored.`);
    if (error instanceof ValidationError) throw new CliError(`${error.message} Nothing was stored.`);
    throw error;
  }
}

/** Formats the counts on one line, then one line per entry that could not be stored. */
function describeResult(source: string, result: ImportResult): string {
  const { counts } = result;
  const lines = [
    `Read ${source} (${formatNames[result.format]}, ${result.encoding}): ` +
      `${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.failed} invalid.`,
  ];
  for (const entry of result.entries) {
    if (entry.outcome !== 'failed') continue;
    const label = entry.title ? `"${entry.title}"` : `entry ${entry.position}`;
    lines.push(`  ${label} (entry ${entry.position}) was not stored: ${entry.reason}`);
  }
  return `${lines.join('\n')}\n`;
}

const formatNames: Record<ImportResult['format'], string> = {
  rss: 'RSS',
  rdf: 'RSS 1.0',
  atom: 'Atom',
  json: 'JSON Feed',
  ics: 'iCalendar',
  csv: 'CSV',
};
