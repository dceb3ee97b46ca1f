import { parseArgs } from 'node:util';
import { startSend, type StartSendResult } from '../../delivery/ledger.ts';
import { openDataAccess } from '../context.ts';
import { CliError } from '../context.ts';
import type { Command } from '../main.ts';

export const sendCommand: Command = {
  name: 'send',
  summary: 'Start sending a campaign now',
  usage: `
Usage: gazette send <campaign-id>

Writes the campaign's recipient ledger from its audience (confirmed, not suppressed, not
unsubscribed) and moves it to "sending"; the workers do the rest. Running it twice is
harmless. While a server holds the embedded data directory, the request goes through that
server's API (GAZETTE_URL, with the token from ADMIN_API_TOKEN or $DATA_DIR/secrets.json).`,
  async run(args, environment) {
    const { positionals } = parseArgs({ args, options: {}, allowPositionals: true });
    const campaignId = positionals[0];
    if (!campaignId || !/^\d+$/.test(campaignId)) {
      throw new CliError('Missing or invalid campaign id: expected a number, such as "gazette send 12".');
    }

    const access = await openDataAccess(environment);
    try {
      const result: StartSendResult =
        access.mode === 'remote'
          ? await access.api.request<StartSendResult>('POST', `/api/campaigns/${campaignId}/send`)
          : await startSend(access.runtime.deps, campaignId, { actor: 'cli' });
      const verb = result.started ? 'Started sending' : 'Already';
      process.stdout.write(
        result.started
          ? `${verb} campaign ${campaignId} to ${result.audienceSize} recipients.\n`
          : `${verb} ${result.status}: campaign ${campaignId} (${result.audienceSize} recipients).\n`,
      );
      for (const warning of result.warnings) process.stderr.write(`Warning: ${warning}\n`);
      return 0;
    } finally {
      await access.close();
    }
  },
};
