/**
 * The `gazette` command line: dispatches to one module per command, each with its own `--help`.
 */
import { ConfigError } from '../config.ts';
import { DataDirLockedError } from '../node/data-dir.ts';
import { CliError } from './context.ts';
import { commands } from './commands.ts';

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The usage text `--help` prints. */
  usage: string;
  /** Runs the command and returns the exit code. */
  run(args: string[], environment: NodeJS.ProcessEnv): Promise<number>;
}

/** Runs the command line and returns the process exit code. */
export async function main(argv: string[], environment: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(overview());
    return name ? 0 : 1;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) {
    process.stderr.write(`Unknown command "${name}".\n\n${overview()}`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${command.usage.trim()}\n`);
    return 0;
  }
  try {
    return await command.run(args, environment);
  } catch (error) {
    if (error instanceof CliError || error instanceof ConfigError || error instanceof DataDirLockedError) {
      process.stderr.write(`gazette ${name}: ${error.message}\n`);
      return 1;
    }
    if (error instanceof Error && error.name === 'TypeError' && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`gazette ${name}: ${error.message}\n\n${command.usage.trim()}\n`);
      return 2;
    }
    throw error;
  }
}

function overview(): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  const rows = commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return `Usage: gazette <command> [options]\n\nCommands:\n${rows.join('\n')}\n\nRun "gazette <command> --help" for a command's options.\n`;
}
