/**
 * `gazette feedback replay <file>`: re-processes saved SNS envelopes or SES notifications after
 * an outage. With the embedded database held by a running server it goes through that server's
 * API; otherwise it opens the database itself.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { maxReplayItems } from '../../feedback/routes.ts';
import { parseReplayInput, replayNotifications, type ReplayResult } from '../../feedback/replay.ts';
import { CliError, openDataAccess } from '../context.ts';
import type { Command } from '../main.ts';

export const feedbackCommand: Command = {
  name: 'feedback',
  summary: 'Replay saved SES notifications (feedback replay <file>)',
  usage: `
Usage: gazette feedback replay <file> [--json]

Re-processes saved Amazon SNS envelopes or bare SES notifications: a JSON array, one JSON
document, or one JSON document per line. Signatures are not checked. Each notification is
processed once: replaying the same file again changes nothing.

Options:
  --json   print the result of every item as JSON instead of a summary`,
  async run(args, environment) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' } } });
    const [action, file] = positionals;
    if (action !== 'replay' || !file || positionals.length > 2) {
      throw new CliError('Expected "feedback replay <file>"; run "gazette feedback --help".');
    }

    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new CliError(`Cannot read ${file}: ${(error as Error).message}`);
    }
    let items: unknown[];
    try {
      items = parseReplayInput(text);
    } catch (error) {
      throw new CliError(`${file}: ${(error as Error).message}`);
    }

    const access = await openDataAccess(environment);
    let result: ReplayResult;
    try {
      if (access.mode === 'local') {
        result = await replayNotifications(access.runtime.deps, items);
      } else {
        result = { items: [], counts: { processed: 0, duplicate: 0, ignored: 0, invalid: 0, failed: 0 } };
        // The server takes a bounded number per request; send the file in parts.
        for (let start = 0; start < items.length; start += maxReplayItems) {
          const part = await access.api.request<ReplayResult>('POST', '/api/feedback/replay', items.slice(start, start + maxReplayItems));
          for (const item of part.items) result.items.push({ ...item, index: item.index + start });
          for (const [status, count] of Object.entries(part.counts)) result.counts[status as keyof ReplayResult['counts']] += count;
        }
      }
    } finally {
      await access.close();
    }

    if (values.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      const { processed, duplicate, ignored, invalid, failed } = result.counts;
      process.stdout.write(
        `${items.length} notifications: ${processed} processed, ${duplicate} already processed, ${ignored} ignored, ${invalid} invalid, ${failed} failed.\n`,
      );
      for (const item of result.items.filter((entry) => entry.status === 'invalid' || entry.status === 'failed')) {
        process.stdout.write(`  item ${item.index + 1}: ${item.status}: ${item.message ?? ''}\n`);
      }
    }
    return result.counts.failed > 0 || result.counts.invalid > 0 ? 1 : 0;
  },
};
