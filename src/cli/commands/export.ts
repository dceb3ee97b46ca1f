/**
 * `gazette export --all <file>`: the whole state to one portable file, so an embedded trial can
 * move to PostgreSQL (see `src/node/backup.ts`); `gazette restore` loads it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../../config.ts';
import { connectDatabase, type DatabaseHandle } from '../../db/connect.ts';
import { acquireLock, readLock } from '../../node/data-dir.ts';
import { BackupError, exportAll } from '../../node/backup.ts';
import { CliError } from '../context.ts';
import type { Command } from '../main.ts';

export const exportCommand: Command = {
  name: 'export',
  summary: 'Write the whole state (every table) to one portable backup file',
  usage: `
Usage: gazette export --all <file>

Writes every table of DATABASE_URL, or of the embedded database in $DATA_DIR/pg, to <file>
(gzip'd JSON lines) in one consistent snapshot. "gazette restore <file>" loads it into an
empty PGlite or PostgreSQL database. Queued background jobs and secrets are not included:
links in mail already sent need the same SECRET_KEY where the backup is restored.

The embedded database can be read by one process only: stop the server first. On PostgreSQL
the export runs beside running servers.`,
  async run(args, environment) {
    const { values, positionals } = parseArgs({ args, options: { all: { type: 'boolean' } }, allowPositionals: true });
    if (!values.all) throw new CliError('Say what to export: "gazette export --all <file>" writes the whole state.');
    const file = positionals[0];
    if (!file || positionals.length > 1) throw new CliError('Name one output file: gazette export --all <file>.');
    if (existsSync(file)) throw new CliError(`${file} exists; name a new file so no backup is overwritten.`);

    const config = loadConfig(environment);
    const { handle, release } = await openDatabase(config, 'export');
    try {
      const header = await exportAll(handle.db, file);
      const rows = header.tables.reduce((sum, table) => sum + table.rows, 0);
      process.stdout.write(
        `Wrote ${rows} rows from ${header.tables.length} tables to ${file} (schema ${header.migrations.at(-1)}).\n`,
      );
      if (config.embedded) {
        // The backup holds no secrets, but links in mail already sent are signed with this key.
        process.stdout.write(
          `Links in mail already sent are signed with the key in ${path.join(config.dataDir, 'secrets.json')}: ` +
            'set SECRET_KEY to its secretKey where you restore, or those unsubscribe links stop working.\n',
        );
      }
      return 0;
    } finally {
      await handle.close();
      release();
    }
  },
};

/**
 * Opens the database without migrating it, because restore sets the schema level itself. On
 * PGlite it first takes the data directory, which fails while a server holds it.
 */
export async function openDatabase(config: Config, command: string): Promise<{ handle: DatabaseHandle; release: () => void }> {
  let release = () => {};
  if (config.embedded) {
    const holder = readLock(config.dataDir);
    if (holder) {
      throw new CliError(
        `The server at ${holder.url} (pid ${holder.pid}) holds ${config.dataDir}; stop it, then run "gazette ${command}" again.`,
      );
    }
    release = acquireLock(config.dataDir, 'cli');
  }
  try {
    const handle = await connectDatabase({
      databaseUrl: config.databaseUrl,
      pgliteDir: path.join(config.dataDir, 'pg'),
      poolSize: 2,
    });
    return { handle, release };
  } catch (error) {
    release();
    throw error;
  }
}

export function asCliError(error: unknown, file: string): unknown {
  if (error instanceof BackupError) return new CliError(error.message);
  if (error instanceof Error && /incorrect header check|unexpected end of file/.test(error.message)) {
    return new CliError(`${file} is not a Gazette backup (it is not gzip'd): ${error.message}`);
  }
  return error;
}
