/**
 * Staff accounts: who may use the console and the staff API, with which role.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, StaffRoleName } from '../db/schema.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import type { StaffRole } from '../http/context.ts';
import { hashPassword, passwordProblem } from './passwords.ts';
import { randomToken } from './signing.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export const staffRoles: readonly StaffRole[] = ['admin', 'editor', 'viewer'];

/** A staff account as the console and the API show it (never the password hash). */
export interface StaffUser {
  id: string;
  email: string;
  name: string;
  role: StaffRole;
  timezone: string;
  disabled: boolean;
  lastSignInAt: Date | null;
  createdAt: Date;
}

export interface NewStaffUser {
  email: string;
  name?: string;
  role: StaffRole;
  password: string;
  timezone?: string;
}

const columns = ['id', 'email', 'name', 'role', 'timezone', 'disabled_at', 'last_sign_in_at', 'created_at'] as const;

function toUser(row: {
  id: string;
  email: string;
  name: string;
  role: StaffRoleName;
  timezone: string;
  disabled_at: Date | null;
  last_sign_in_at: Date | null;
  created_at: Date;
}): StaffUser {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    timezone: row.timezone,
    disabled: row.disabled_at !== null,
    lastSignInAt: row.last_sign_in_at,
    createdAt: row.created_at,
  };
}

/** True when `zone` is an IANA time zone name this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function normaliseEmail(email: string): string {
  const trimmed = email.trim();
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1 || /\s/.test(trimmed)) {
    throw new ValidationError('The email address is not valid: write it as name@example.org.', [
      { path: 'email', message: 'expected an address such as name@example.org' },
    ]);
  }
  return `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}`;
}

/** Creates a staff account; an address already in use is a `ConflictError`. */
export async function createStaffUser(db: Executor, input: NewStaffUser): Promise<StaffUser> {
  const email = normaliseEmail(input.email);
  const problem = passwordProblem(input.password);
  if (problem) throw new ValidationError(problem, [{ path: 'password', message: problem }]);
  const timezone = input.timezone ?? 'UTC';
  if (!isTimeZone(timezone)) {
    throw new ValidationError(`Unknown time zone "${timezone}": use an IANA name such as Europe/Paris.`, [
      { path: 'timezone', message: 'expected an IANA time zone name' },
    ]);
  }
  const existing = await findStaffUserByEmail(db, email);
  if (existing) throw new ConflictError(`A staff account for ${email} already exists.`);
  const row = await db
    .insertInto('staff_users')
    .values({
      email,
      name: input.name?.trim() ?? '',
      role: input.role,
      password_hash: await hashPassword(input.password),
      timezone,
    })
    .returning(columns)
    .executeTakeFirstOrThrow();
  return toUser(row);
}

export async function findStaffUserByEmail(db: Executor, email: string): Promise<StaffUser | undefined> {
  const row = await db
    .selectFrom('staff_users')
    .select(columns)
    .where(sql<string>`lower(email)`, '=', email.trim().toLowerCase())
    .executeTakeFirst();
  return row ? toUser(row) : undefined;
}

export async function getStaffUser(db: Executor, id: string): Promise<StaffUser> {
  if (!/^\d+$/.test(id)) throw new NotFoundError(`No staff account with id ${id}.`);
  const row = await db.selectFrom('staff_users').select(columns).where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError(`No staff account with id ${id}.`);
  return toUser(row);
}

/** Every staff account, administrators first, then by address. */
export async function listStaffUsers(db: Executor): Promise<StaffUser[]> {
  const rows = await db
    .selectFrom('staff_users')
    .select(columns)
    .orderBy(sql`case role when 'admin' then 0 when 'editor' then 1 else 2 end`)
    .orderBy('email')
    .execute();
  return rows.map(toUser);
}

export async function countStaffUsers(db: Executor): Promise<number> {
  const row = await db.selectFrom('staff_users').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface StaffUserChanges {
  name?: string;
  role?: StaffRole;
  timezone?: string;
  disabled?: boolean;
  password?: string;
}

/**
 * Changes an account. The last active administrator cannot be demoted or disabled, so the
 * console always keeps someone who can manage accounts. Disabling ends the account's sessions.
 */
export async function updateStaffUser(db: Kysely<Database>, id: string, changes: StaffUserChanges): Promise<StaffUser> {
  return db.transaction().execute(async (trx) => {
    const current = await getStaffUser(trx, id);
    const losesAdmin =
      current.role === 'admin' && !current.disabled && ((changes.role && changes.role !== 'admin') || changes.disabled === true);
    if (losesAdmin) {
      const others = await trx
        .selectFrom('staff_users')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('role', '=', 'admin')
        .where('disabled_at', 'is', null)
        .where('id', '!=', id)
        .executeTakeFirstOrThrow();
      if (Number(others.n) === 0) {
        throw new ConflictError('This is the last active administrator: make another account an administrator first.');
      }
    }
    if (changes.timezone !== undefined && !isTimeZone(changes.timezone)) {
      throw new ValidationError(`Unknown time zone "${changes.timezone}": use an IANA name such as Europe/Paris.`, [
        { path: 'timezone', message: 'expected an IANA time zone name' },
      ]);
    }
    let passwordHash: string | undefined;
    if (changes.password !== undefined) {
      const problem = passwordProblem(changes.password);
      if (problem) throw new ValidationError(problem, [{ path: 'password', message: problem }]);
      passwordHash = await hashPassword(changes.password);
    }
    const row = await trx
      .updateTable('staff_users')
      .set({
        ...(changes.name !== undefined ? { name: changes.name.trim() } : {}),
        ...(changes.role !== undefined ? { role: changes.role } : {}),
        ...(changes.timezone !== undefined ? { timezone: changes.timezone } : {}),
        ...(changes.disabled !== undefined ? { disabled_at: changes.disabled ? sql<Date>`now()` : null } : {}),
        ...(passwordHash ? { password_hash: passwordHash } : {}),
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', id)
      .returning(columns)
      .executeTakeFirstOrThrow();
    if (changes.disabled === true || passwordHash) {
      await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
    }
    return toUser(row);
  });
}

/**
 * Creates the first administrator when there is no staff account at all, with a generated
 * password, and returns the credentials to show once. Returns undefined when accounts exist.
 */
export async function ensureFirstAdministrator(
  db: Kysely<Database>,
  email = 'admin@example.org',
): Promise<{ email: string; password: string } | undefined> {
  if ((await countStaffUsers(db)) > 0) return undefined;
  const password = randomToken(15);
  try {
    await createStaffUser(db, { email, name: 'Administrator', role: 'admin', password });
  } catch (error) {
    // Another process created an account at the same moment: that one stands.
    if (error instanceof ConflictError) return undefined;
    throw error;
  }
  return { email, password };
}
