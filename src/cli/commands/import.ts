import { createReadStream, existsSync, openAsBlob, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createList, listLists } from '../../lists/lists.ts';
import type { ImportCounts } from '../../subscribers/import.ts';
import { createImport, getImport, runImport, type ImportRecord } from '../../subscribers/imports.ts';
import { CliError, openDataAccess } from '../context.ts';
import type { Command } from '../main.ts';

export const importCommand: Command = {
  name: 'import',
  summary: 'Import subscribers from a CSV file into a list',
  usage: `
Usage: gazette import <file.csv> --list <slug> [--blocklist] [--overwrite] [--resubscribe]

Reads a Mailchimp audience export (subscribed, unsubscribed or cleaned), a listmonk import file
or a plain "email,name" file, with comma, semicolon or tab delimiters. Other columns become
subscriber attributes. Rows with an invalid address or field are reported with their line
number and skipped; the rest is imported.

  --list <slug>    the list to subscribe the rows to (required unless --blocklist); a list
                   that does not exist yet is created (single opt-in, public) and reported
  --blocklist      blocklist and suppress every address in the file instead
  --overwrite      replace the names and attributes of existing subscribers
  --resubscribe    also re-subscribe people who unsubscribed, were suppressed or blocklisted

While a server holds the embedded data directory, the file is sent to that server's API
(GAZETTE_URL, with the token from ADMIN_API_TOKEN or $DATA_DIR/secrets.json).`,
  async run(args, environment) {
    const { positionals, values } = parseArgs({
      args,
      options: {
        list: { type: 'string' },
        blocklist: { type: 'boolean', default: false },
        overwrite: { type: 'boolean', default: false },
        resubscribe: { type: 'boolean', default: false },
      },
      allowPositionals: true,
    });
    const file = positionals[0];
    if (!file) throw new CliError('Missing file: expected "gazette import <file.csv> --list <slug>".');
    if (!existsSync(file) || !statSync(file).isFile()) throw new CliError(`File not found: ${file}`);
    const mode = values.blocklist ? 'blocklist' : 'subscribe';
    if (mode === 'subscribe' && !values.list) throw new CliError('Missing --list: name the list slug to import into, such as --list newsletter.');
    const totalBytes = statSync(file).size;
    const progress = progressBar(totalBytes);

    const access = await openDataAccess(environment);
    let record: ImportRecord;
    try {
      if (values.list) await ensureList(access, values.list);
      if (access.mode === 'remote') {
        const query = new URLSearchParams({ mode, overwrite: String(values.overwrite), resubscribe: String(values.resubscribe), fileName: path.basename(file) });
        if (values.list) query.set('list', values.list);
        const started = await access.api.post<{ id: string }>(`/api/imports?${query}`, await openAsBlob(file), 'text/csv');
        for (;;) {
          record = await access.api.request<ImportRecord>('GET', `/api/imports/${started.id}`);
          progress.update(record.processedBytes, record.counts.rows ?? 0);
          if (record.status === 'done' || record.status === 'failed') break;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      } else {
        const deps = access.runtime.deps;
        const id = await createImport(deps, {
          list: values.list,
          mode,
          overwrite: values.overwrite,
          resubscribe: values.resubscribe,
          fileName: path.basename(file),
          createdBy: 'cli',
        });
        await deps.db.updateTable('imports').set({ total_bytes: totalBytes }).where('id', '=', id).execute();
        await runImport(deps, id, createReadStream(file), (step) => progress.update(step.bytes, step.counts.rows));
        record = await getImport(deps.db, id);
      }
    } finally {
      progress.done();
      await access.close();
    }
    return report(record, access.mode === 'remote');
  },
};

/** Creates the list when no list has the slug, so a first import needs no other step. */
async function ensureList(access: Awaited<ReturnType<typeof openDataAccess>>, slug: string): Promise<void> {
  const input = { name: slug.replace(/-/g, ' ').replace(/^./, (first) => first.toUpperCase()), slug, optIn: 'single' as const, visibility: 'public' as const };
  if (access.mode === 'remote') {
    const lists = await access.api.request<{ items: { slug: string }[] }>('GET', '/api/lists');
    if (lists.items.some((list) => list.slug === slug)) return;
    await access.api.request('POST', '/api/lists', input);
  } else {
    if ((await listLists(access.runtime.deps.db)).some((list) => list.slug === slug)) return;
    if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug)) {
      throw new CliError(`Invalid list slug "${slug}": expected lower-case letters, digits and hyphens, such as "monthly-news".`);
    }
    await createList(access.runtime.deps.db, input);
  }
  process.stdout.write(`Created the list "${slug}" (single opt-in, public), because no list had that slug.\n`);
}

function report(record: ImportRecord, remote: boolean): number {
  if (record.status === 'failed') {
    process.stderr.write(`Import ${record.id} failed: ${record.error}\n`);
    return 1;
  }
  const counts = record.counts as ImportCounts;
  const lines = [
    `Imported ${record.fileName} (import ${record.id}): ${counts.rows} rows read.`,
    `  ${counts.created} new subscribers, ${counts.updated} existing; ${counts.subscribed} subscribed, ${counts.unchanged} already subscribed.`,
  ];
  if (counts.unsubscribed) lines.push(`  ${counts.unsubscribed} recorded as unsubscribed.`);
  if (counts.suppressed || counts.blocklisted) lines.push(`  ${counts.suppressed} added to the suppression list, ${counts.blocklisted} blocklisted.`);
  const skipped = counts.skippedUnsubscribed + counts.skippedSuppressed + counts.skippedBlocklisted;
  if (skipped) {
    lines.push(
      `  ${skipped} skipped: ${counts.skippedUnsubscribed} had unsubscribed, ${counts.skippedSuppressed} are suppressed, ${counts.skippedBlocklisted} are blocklisted (use --resubscribe to include them).`,
    );
  }
  if (counts.duplicates) lines.push(`  ${counts.duplicates} duplicate rows merged into an earlier row for the same address.`);
  if (counts.invalid) lines.push(`  ${counts.invalid} invalid rows skipped:`);
  process.stdout.write(`${lines.join('\n')}\n`);
  for (const problem of record.errors) {
    process.stdout.write(`    line ${problem.line}${problem.email ? ` (${problem.email})` : ''}: ${problem.reason}\n`);
  }
  if (record.errorCount > record.errors.length) {
    const where = remote ? `GET /api/imports/${record.id}/errors` : `GET /api/imports/${record.id}/errors on the server`;
    process.stdout.write(`    ... and ${record.errorCount - record.errors.length} more (all of them: ${where}).\n`);
  }
  return 0;
}

/** Draws a progress bar on a terminal; prints nothing when stderr is not one. */
function progressBar(totalBytes: number) {
  const enabled = Boolean(process.stderr.isTTY) && totalBytes > 0;
  let drawn = false;
  return {
    update(bytes: number, rows: number) {
      if (!enabled) return;
      const share = Math.min(1, bytes / totalBytes);
      const width = 30;
      const filled = Math.round(share * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(share * 100)}%  ${rows.toLocaleString('en')} rows`);
      drawn = true;
    },
    done() {
      if (drawn) process.stderr.write('\n');
    },
  };
}
