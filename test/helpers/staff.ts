/**
 * Staff accounts and console sessions for tests: create an account with a role and get the
 * cookie and CSRF token a signed-in browser would send.
 */
import { createSession, csrfTokenFor, SESSION_COOKIE } from '../../src/auth/sessions.ts';
import { createStaffUser } from '../../src/auth/staff.ts';
import type { Deps } from '../../src/deps.ts';
import type { StaffRole } from '../../src/http/context.ts';

export const TEST_PASSWORD = 'correct horse battery staple';

export interface TestStaff {
  userId: string;
  email: string;
  /** The `Cookie` header value. */
  cookie: string;
  csrf: string;
}

/** Creates an account and a session for it. */
export async function signedInStaff(deps: Deps, role: StaffRole, email = `${role}-${Math.random().toString(36).slice(2, 8)}@example.org`): Promise<TestStaff> {
  const user = await createStaffUser(deps.db, { email, role, password: TEST_PASSWORD, timezone: 'Europe/Paris' });
  const session = await createSession(deps.db, user.id, { now: deps.now() });
  return {
    userId: user.id,
    email: user.email,
    cookie: `${SESSION_COOKIE}=${session.token}`,
    csrf: await csrfTokenFor(deps.signer, session.token),
  };
}

/** A urlencoded form body with the CSRF field (pass `csrf: null` to leave it out). */
export function formBody(values: Record<string, string | string[]>, csrf: string | null): URLSearchParams {
  const body = new URLSearchParams();
  if (csrf !== null) body.set('_csrf', csrf);
  for (const [key, value] of Object.entries(values)) {
    for (const one of Array.isArray(value) ? value : [value]) body.append(key, one);
  }
  return body;
}
