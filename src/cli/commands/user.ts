/**
 * `gazette user create`: creates a staff account from the command line, the way to get the
 * first administrator without the console.
 */
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline/promises';
import { createStaffUser } from '../../auth/staff.ts';
import { passwordProblem, passwordRule } from '../../auth/passwords.ts';
import { randomToken } from '../../auth/signing.ts';
import { ConflictError, ValidationError } from '../../errors.ts';
import type { StaffRole } from '../../http/context.ts';
import { CliError, openDataAccess } from '../context.ts';
import type { Command } from '../main.ts';

async function ask(question: string, hidden = false): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  if (hidden) {
    // Echo nothing while the password is typed.
    (rl as unknown as { _writeToOutput: (text: string) => void })._writeToOutput = (text: string) => {
      if (text.includes(question)) process.stdout.write(question);
    };
  }
  try {
    const answer = await rl.question(question);
    if (hidden) process.stdout.write('\n');
    return answer.trim();
  } finally {
    rl.close();
  }
}

export const userCommand: Command = {
  name: 'user',
  summary: 'Create a staff account for the console (user create --admin)',
  usage: `
Usage: gazette user create [--admin | --role <admin|editor|viewer>] [--email <address>]
                           [--password <password>] [--name <name>] [--timezone <zone>]

Creates a staff account. Without --email or --password it asks for them on the terminal;
without a terminal it generates a password and prints it once. --admin is short for
--role admin; the default role is editor. Passwords need ${passwordRule}.
With the embedded database held by a running server, the account is created through that
server's API.`,
  async run(args, environment) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        admin: { type: 'boolean', default: false },
        role: { type: 'string' },
        email: { type: 'string' },
        password: { type: 'string' },
        name: { type: 'string' },
        timezone: { type: 'string' },
      },
    });
    if (positionals[0] !== 'create') throw new CliError('Unknown subcommand: use "gazette user create --admin".');
    const role = (values.admin ? 'admin' : (values.role ?? 'editor')) as StaffRole;
    if (!['admin', 'editor', 'viewer'].includes(role)) throw new CliError(`Unknown role "${role}": use admin, editor or viewer.`);

    const interactive = Boolean(process.stdin.isTTY);
    let email = values.email ?? '';
    if (!email) {
      if (!interactive) throw new CliError('Give the address with --email (no terminal to ask on).');
      email = await ask('Email address: ');
    }
    let password = values.password ?? '';
    let generated = false;
    if (!password) {
      if (interactive) {
        password = await ask(`Password (${passwordRule}; empty to generate one): `, true);
        if (password) {
          const again = await ask('Password again: ', true);
          if (again !== password) throw new CliError('The two passwords differ; nothing was created.');
        }
      }
      if (!password) {
        password = randomToken(15);
        generated = true;
      }
    }
    const problem = passwordProblem(password);
    if (problem) throw new CliError(problem);

    const input = { email, role, password, name: values.name, timezone: values.timezone };
    const access = await openDataAccess(environment);
    try {
      let created: { email: string; role: string };
      if (access.mode === 'remote') {
        created = await access.api.request('POST', '/api/staff/users', input);
      } else {
        try {
          created = await createStaffUser(access.runtime.deps.db, input);
        } catch (error) {
          if (error instanceof ConflictError || error instanceof ValidationError) throw new CliError(error.message);
          throw error;
        }
      }
      process.stdout.write(`Created ${created.role} ${created.email}.\n`);
      if (generated) process.stdout.write(`Password: ${password}\n(shown once; change it in the console under Your account)\n`);
      return 0;
    } finally {
      await access.close();
    }
  },
};
