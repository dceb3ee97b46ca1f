import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createCampaign, type CampaignJson } from '../../campaigns/campaigns.ts';
import { createCampaignSchema } from '../../campaigns/schemas.ts';
import { DomainError } from '../../errors.ts';
import { validate } from '../../http/validate.ts';
import { CliError, openDataAccess } from '../context.ts';
import type { Command } from '../main.ts';

export const composeCommand: Command = {
  name: 'compose',
  summary: 'Compose a draft issue from new content and upcoming events',
  usage: `
Usage: gazette compose --subject <text> --list <slug> [options]

Creates a draft campaign holding the publications and news published since the previous
issue (or --since) that no earlier issue carried, and the events starting within the next
--events-within-days days. Prints the campaign id and where to preview it.

Options:
  --subject <text>              subject line (required)
  --list <slug>                 list to send to; repeat for several lists (required)
  --since <date>                include publications and news from this date or date-time
                                (ISO 8601, such as 2027-01-01 or 2027-01-01T09:00:00Z);
                                default: when the previous issue was sent
  --events-within-days <days>   include events starting within this many days (default 60)
  --intro <text>                the editor's introduction, in Markdown
  --intro-file <path>           read the introduction from a Markdown file instead
  --preheader <text>            preview text shown after the subject in inboxes

While a server holds the embedded data directory, the request goes through that server's
API (GAZETTE_URL, with the token from ADMIN_API_TOKEN or $DATA_DIR/secrets.json).`,
  async run(args, environment) {
    const { values } = parseArgs({
      args,
      options: {
        subject: { type: 'string' },
        list: { type: 'string', multiple: true },
        since: { type: 'string' },
        'events-within-days': { type: 'string' },
        intro: { type: 'string' },
        'intro-file': { type: 'string' },
        preheader: { type: 'string' },
      },
    });
    const body = composeRequest(values);

    const access = await openDataAccess(environment);
    try {
      const campaign =
        access.mode === 'remote'
          ? await access.api.request<CampaignJson>('POST', '/api/campaigns', body)
          : await composeLocally(access.runtime.deps, body);
      process.stdout.write(`${summary(campaign)}\n`);
      for (const warning of campaign.warnings) process.stderr.write(`Warning: ${warning}\n`);
      return 0;
    } finally {
      await access.close();
    }
  },
};

/** Composes in this process, turning a domain error into a message that names the problem. */
async function composeLocally(deps: Parameters<typeof createCampaign>[0], body: Record<string, unknown>): Promise<CampaignJson> {
  try {
    return await createCampaign(deps, validate(createCampaignSchema, body, 'The compose options'));
  } catch (error) {
    if (error instanceof DomainError) throw new CliError(error.message);
    throw error;
  }
}

interface ComposeArgs {
  subject?: string;
  list?: string[];
  since?: string;
  'events-within-days'?: string;
  intro?: string;
  'intro-file'?: string;
  preheader?: string;
}

/** Builds the `POST /api/campaigns` body from the options, rejecting missing or invalid ones. */
export function composeRequest(values: ComposeArgs): Record<string, unknown> {
  if (!values.subject?.trim()) throw new CliError('Missing --subject: give the issue a subject line.');
  if (!values.list || values.list.length === 0) {
    throw new CliError('Missing --list: name the list to send to by its slug, such as --list monthly.');
  }
  if (values.intro !== undefined && values['intro-file'] !== undefined) {
    throw new CliError('Give either --intro or --intro-file, not both.');
  }

  const compose: { since?: string; eventsWithinDays?: number } = {};
  if (values.since !== undefined) compose.since = sinceDateTime(values.since);
  if (values['events-within-days'] !== undefined) {
    const days = values['events-within-days'];
    if (!/^\d+$/.test(days)) {
      throw new CliError(`Invalid --events-within-days "${days}": expected a whole number of days, such as 30.`);
    }
    compose.eventsWithinDays = Number(days);
  }

  let intro = values.intro;
  if (values['intro-file'] !== undefined) {
    try {
      intro = readFileSync(values['intro-file'], 'utf8');
    } catch (error) {
      throw new CliError(`Could not read --intro-file ${values['intro-file']}: ${(error as Error).message}`);
    }
  }

  return {
    subject: values.subject,
    lists: values.list,
    compose,
    ...(intro !== undefined ? { intro } : {}),
    ...(values.preheader !== undefined ? { preheader: values.preheader } : {}),
  };
}

/** Accepts a date (taken as midnight UTC) or a full ISO 8601 date-time with an offset. */
function sinceDateTime(value: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    return `${value}T00:00:00Z`;
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value))) return value;
  throw new CliError(`Invalid --since "${value}": expected a date such as 2027-01-01 or a date-time such as 2027-01-01T09:00:00Z.`);
}

function summary(campaign: CampaignJson): string {
  const count = (kind: string) => campaign.items.filter((item) => item.kind === kind).length;
  const lines = [
    `Composed draft campaign ${campaign.id}: "${campaign.subject}", ${campaign.items.length} items ` +
      `(${count('event')} events, ${count('publication')} publications, ${count('news')} news).`,
    ...campaign.items.map((item) => `  ${item.kind.padEnd(11)} ${item.title}`),
    `Preview: GET /api/campaigns/${campaign.id}/preview?format=html (or format=text)`,
    `Send: gazette send ${campaign.id}`,
  ];
  return lines.join('\n');
}
