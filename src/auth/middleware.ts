/**
 * Staff authentication for `/api/*`: the administrator bearer token (compared in constant
 * time), personal API tokens and console sessions. Requests without valid credentials get 401.
 */
import type { MiddlewareHandler } from 'hono';
import { ForbiddenError, UnauthorizedError } from '../errors.ts';
import type { AppEnv, StaffPrincipal, StaffRole } from '../http/context.ts';
import { findTokenOwner, TOKEN_PREFIX } from './api-tokens.ts';
import { csrfTokenFor, findSession, SESSION_COOKIE } from './sessions.ts';
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

/** Reads one cookie from a request's `Cookie` header. */
export function readCookie(request: Request, name: string): string | undefined {
  const header = request.headers.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    if (part.slice(0, index).trim() === name) {
      const value = part.slice(index + 1).trim();
      try {
        return decodeURIComponent(value);
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Accepts a console session cookie on the staff API. A request that changes data must also
 * send the session's CSRF token in `X-CSRF-Token`, because browsers attach cookies to
 * requests that other sites start.
 */
export const sessionAuthenticator: Authenticator = async (request, { deps }) => {
  const token = readCookie(request, SESSION_COOKIE);
  if (!token) return undefined;
  const session = await findSession(deps.db, token, deps.now());
  if (!session) return undefined;
  if (!safeMethods.has(request.method)) {
    const presented = request.headers.get('x-csrf-token') ?? '';
    const expected = await csrfTokenFor(deps.signer, token);
    if (!(await constantTimeEqual(presented, expected))) {
      throw new ForbiddenError('Missing or wrong CSRF token: send the X-CSRF-Token header the console page gives.');
    }
  }
  return { kind: 'session', role: session.role, name: session.email, userId: session.userId };
};

/** Accepts `Authorization: Bearer gzp_...`, a personal API token, with its owner's role. */
export const apiTokenAuthenticator: Authenticator = async (request, { deps }) => {
  const presented = bearerToken(request);
  if (!presented?.startsWith(TOKEN_PREFIX)) return undefined;
  const owner = await findTokenOwner(deps.db, presented, deps.now());
  if (!owner) return undefined;
  return { kind: 'api_token', role: owner.role, name: `${owner.email} (token "${owner.tokenName}")`, userId: owner.userId };
};

/** The staff authenticators every app has: the administrator token, personal tokens, sessions. */
export const defaultAuthenticators: Authenticator[] = [adminTokenAuthenticator, apiTokenAuthenticator, sessionAuthenticator];
