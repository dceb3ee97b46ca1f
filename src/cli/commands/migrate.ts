import { loadConfig } from '../../config.ts';
import { connectDatabase } from '../../db/connect.ts';
import { migrateToLatest } from '../../db/migrate.ts';
import { acquireLock } from '../../node/data-dir.ts';
import type { Command } from '../main.ts';
import path from 'node:path';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Apply pending database migrations',
  usage: `
Usage: gazette migrate

Applies every pending migration to DATABASE_URL, or to the embedded database in
$DATA_DIR/pg (refused while a server holds that directory).`,
  async run(_args, environment) {
    const config = loadConfig(environment);
    const release = config.embedded ? acquireLock(config.dataDir, 'cli') : () => {};
    const database = await connectDatabase({
      databaseUrl: config.databaseUrl,
      pgliteDir: path.join(config.dataDir, 'pg'),
    });
    try {
      const applied = await migrateToLatest(database.db);
      process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'The schema is up to date.\n');
      return 0;
    } finally {
      await database.close();
      release();
    }
  },
};
