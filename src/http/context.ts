/**
 * The Hono environment shared by every route module.
 */
import type { Deps } from '../deps.ts';
import type { Logger } from '../log.ts';

export type StaffRole = 'admin' | 'editor' | 'viewer';

/** Who is calling a staff route. */
export interface StaffPrincipal {
  kind: 'admin_token' | 'api_token' | 'session';
  role: StaffRole;
  /** Shown in the audit log: a user's email, or the token's name. */
  name: string;
  userId?: string;
}

/** The signed-in staff member on a console page. */
export interface ConsoleSession {
  userId: string;
  email: string;
  name: string;
  role: StaffRole;
  /** IANA zone in which the console shows dates. */
  timezone: string;
  csrfToken: string;
}

export interface AppEnv {
  Variables: {
    deps: Deps;
    requestId: string;
    log: Logger;
    staff?: StaffPrincipal;
    /** Extra facts for the audit row of this request (see `auditChanges`). */
    auditDetails?: Record<string, unknown>;
    /** Console requests: the signed-in account and the CSRF token its forms carry. */
    session?: ConsoleSession;
  };
}
