/**
 * `gazette restore <file>`: loads a backup made by `gazette export --all` into an empty database.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.ts';
import { readBackupHeader, restoreAll } from '../../node/backup.ts';
import { CliError } from '../context.ts';
import type { Command } from '../main.ts';
import { asCliError, openDatabase } from './export.ts';

export const restoreCommand: Command = {
  name: 'restore',
  summary: 'Load a backup file made by "gazette export --all" into an empty database',
  usage: `
Usage: gazette restore <file>

Loads <file> into DATABASE_URL, or into the embedded database in $DATA_DIR/pg. The target
must hold no data (a new database, or a new DATA_DIR): restore refuses to merge. The schema
is brought to the backup's level, the rows go in within one transaction, and migrations newer
than the backup run afterwards. Refused while a server holds $DATA_DIR.`,
  async run(args, environment) {
    const { positionals } = parseArgs({ args, options: {}, allowPositionals: true });
    const file = positionals[0];
    if (!file || positionals.length > 1) throw new CliError('Name one backup file: gazette restore <file>.');
    if (!existsSync(file)) throw new CliError(`${file} does not exist.`);

    const config = loadConfig(environment);
    try {
      await readBackupHeader(file);
    } catch (error) {
      throw asCliError(error, file);
    }
    const { handle, release } = await openDatabase(config, 'restore');
    try {
      const result = await restoreAll(handle.db, file);
      const rows = result.header.tables.reduce((sum, table) => sum + table.rows, 0);
      const target = config.embedded ? `${config.dataDir}/pg` : 'DATABASE_URL';
      process.stdout.write(`Restored ${rows} rows in ${result.header.tables.length} tables into ${target}.\n`);
      if (result.migratedAfter.length > 0) {
        process.stdout.write(`Then applied newer migrations: ${result.migratedAfter.join(', ')}.\n`);
      }
      return 0;
    } catch (error) {
      throw asCliError(error, file);
    } finally {
      await handle.close();
      release();
    }
  },
};
