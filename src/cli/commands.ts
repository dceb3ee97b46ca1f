/**
 * The command table. Each command lives in its own module under `src/cli/commands/`.
 */
import type { Command } from './main.ts';
import { composeCommand } from './commands/compose.ts';
import { feedbackCommand } from './commands/feedback.ts';
import { importCommand } from './commands/import.ts';
import { ingestCommand } from './commands/ingest.ts';
import { migrateCommand } from './commands/migrate.ts';
import { sendCommand } from './commands/send.ts';
import { schedulerCommand } from './commands/scheduler.ts';
import { serveCommand } from './commands/serve.ts';
import { userCommand } from './commands/user.ts';
import { workerCommand } from './commands/worker.ts';
import { doctorCommand } from './commands/doctor.ts';
import { exportCommand } from './commands/export.ts';
import { restoreCommand } from './commands/restore.ts';

export const commands: Command[] = [
  serveCommand,
  migrateCommand,
  importCommand,
  userCommand,
  feedbackCommand,
  ingestCommand,
  composeCommand,
  sendCommand,
  workerCommand,
  schedulerCommand,
  doctorCommand,
  exportCommand,
  restoreCommand,
];
