import path from 'node:path';
import { loadConfig } from '../../config.ts';
import { connectDatabase, type DatabaseHandle } from '../../db/connect.ts';
import { createSesClient } from '../../delivery/ses.ts';
import { formatFindings, runDoctor, type DoctorInput } from '../../node/doctor.ts';
import { readLock } from '../../node/data-dir.ts';
import type { Command } from '../main.ts';

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'Check the database, SES setup and mail settings, and say how to fix each problem',
  usage: `
Usage: gazette doctor

Checks, and prints each finding with its fix:
  database reachable and migrated; SES credentials and region; sending identity verified and
  DKIM; send quota and rate; configuration set publishing bounces and complaints to an SNS
  topic the webhook accepts; PUBLIC_URL on HTTPS; postal address present.
Changes nothing. Exits with 1 when a check fails.`,
  async run(_args, environment) {
    const config = loadConfig(environment);
    let handle: DatabaseHandle | undefined;
    let database: DoctorInput['database'];
    const holder = config.embedded ? readLock(config.dataDir) : undefined;
    if (holder && holder.pid !== process.pid) {
      // The server holds PGlite: ask it instead of opening the files a second time.
      database = await viaServer(holder.url);
    } else {
      try {
        handle = await connectDatabase({
          databaseUrl: config.databaseUrl,
          pgliteDir: path.join(config.dataDir, 'pg'),
          poolSize: 1,
        });
        database = { db: handle.db };
      } catch (error) {
        database = { error: (error as Error).message };
      }
    }
    try {
      const findings = await runDoctor({ config, database, ses: createSesClient(config.ses) });
      process.stdout.write(formatFindings(findings));
      return findings.some((finding) => finding.status === 'fail') ? 1 : 0;
    } finally {
      await handle?.close();
    }
  },
};

async function viaServer(url: string): Promise<DoctorInput['database']> {
  try {
    const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { status: string; pending?: string[] };
    if (response.ok) return { readyServer: url };
    return { error: `the running server at ${url} reports ${body.status}${body.pending ? `: ${body.pending.join(', ')}` : ''}` };
  } catch (error) {
    return { error: `the server at ${url} holds the data directory but does not answer: ${(error as Error).message}` };
  }
}
