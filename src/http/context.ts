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

export interface AppEnv {
  Variables: {
    deps: Deps;
    requestId: string;
    log: Logger;
    staff?: StaffPrincipal;
  };
}
