/**
 * Staff authentication for `/api/*`: a bearer token, compared in constant time with the
 * administrator token. Requests without valid credentials get 401.
 */
import type { MiddlewareHandler } from 'hono';
import { ForbiddenError, UnauthorizedError } from '../errors.ts';
import type { AppEnv, StaffPrincipal, StaffRole } from '../http/context.ts';
import { constantTimeEqual } from './signing.ts';

/** A way to recognise a staff member from a request; the first that matches wins. */
export type Authenticator = (request: Request, env: AppEnv['Variables']) => Promise<StaffPrincipal | undefined>;

/** Accepts `Authorization: Bearer <ADMIN_API_TOKEN>` as the administrator. */
export const adminTokenAuthenticator: Authenticator = async (request, { deps }) => {
  const expected = deps.config.adminApiToken;
  const presented = bearerToken(request);
  if (!expected || !presented) return undefined;
  if (!(await constantTimeEqual(presented, expected))) return undefined;
  return { kind: 'admin_token', role: 'admin', name: 'admin-token' };
};

/** Requires a staff principal from one of the authenticators, or answers 401. */
export function requireStaff(authenticators: Authenticator[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    for (const authenticate of authenticators) {
      const staff = await authenticate(c.req.raw, c.var);
      if (staff) {
        c.set('staff', staff);
        return next();
      }
    }
    c.header('WWW-Authenticate', 'Bearer realm="gazette"');
    throw new UnauthorizedError('Missing or invalid credentials: send "Authorization: Bearer <token>".');
  };
}

const rank: Record<StaffRole, number> = { viewer: 0, editor: 1, admin: 2 };

/** Requires at least `role`; viewers may read but not change anything. */
export function requireRole(role: StaffRole): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const staff = c.get('staff');
    if (!staff) throw new UnauthorizedError('Sign in first.');
    if (rank[staff.role] < rank[role]) {
      throw new ForbiddenError(`This action needs the ${role} role; you are signed in as ${staff.role}.`);
    }
    return next();
  };
}

export function bearerToken(request: Request): string | undefined {
  const header = request.headers.get('authorization');
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}
