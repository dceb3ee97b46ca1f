/**
 * What every console request goes through: security headers, the session, the CSRF check on
 * each POST and the role a change needs.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { setCookie, deleteCookie } from 'hono/cookie';
import { readCookie } from '../auth/middleware.ts';
import { csrfTokenFor, findSession, SESSION_COOKIE, SESSION_TTL_SECONDS } from '../auth/sessions.ts';
import { constantTimeEqual } from '../auth/signing.ts';
import type { AppEnv, StaffRole } from '../http/context.ts';

/**
 * No inline script or style anywhere: scripts and styles come from `/console/assets`, and
 * previews of issues are framed from the same origin.
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: https:",
  "frame-src 'self'",
  "frame-ancestors 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    // A route that sets its own policy (the framed issue preview) keeps it.
    if (!c.res.headers.get('Content-Security-Policy')) c.header('Content-Security-Policy', contentSecurityPolicy);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'same-origin');
    if (!c.res.headers.get('Cache-Control')) c.header('Cache-Control', 'no-store');
  };
}

/** True when cookies must carry `Secure`: the request came over HTTPS (directly or via a proxy). */
export function isHttps(c: Context): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true;
  return c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
}

export function setSessionCookie(c: Context, token: string): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: isHttps(c),
    path: '/',
    maxAge: SESSION_TTL_SECONDS,
  });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: isHttps(c) });
}

/** Paths under /console that need no session. */
export function isOpenConsolePath(path: string): boolean {
  return path === '/console/sign-in' || path.startsWith('/console/assets/');
}

/**
 * Loads the session; without one, a page request is sent to sign-in (and back afterwards).
 */
export function requireSession(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (isOpenConsolePath(c.req.path)) return next();
    const token = readCookie(c.req.raw, SESSION_COOKIE);
    const session = token ? await findSession(c.var.deps.db, token, c.var.deps.now()) : undefined;
    if (!token || !session) {
      const back = c.req.method === 'GET' ? c.req.path + (new URL(c.req.url).search || '') : '/console';
      return c.redirect(`/console/sign-in?next=${encodeURIComponent(back)}`, 303);
    }
    c.set('staff', { kind: 'session', role: session.role, name: session.email, userId: session.userId });
    c.set('session', {
      userId: session.userId,
      email: session.email,
      name: session.name,
      role: session.role,
      timezone: session.timezone,
      csrfToken: await csrfTokenFor(c.var.deps.signer, token),
    });
    return next();
  };
}

/** The role each console change needs, by path. */
export function roleForChange(path: string): StaffRole {
  if (path === '/console/sign-out' || path.startsWith('/console/account')) return 'viewer';
  if (path.startsWith('/console/staff') || path.startsWith('/console/settings')) return 'admin';
  return 'editor';
}

const rank: Record<StaffRole, number> = { viewer: 0, editor: 1, admin: 2 };

/**
 * Every POST carries the session's CSRF token in `_csrf` (forms) or `X-CSRF-Token` (scripts),
 * and needs the role `roleForChange` names. Either failure answers 403 with a page that says
 * what to do.
 */
export function checkChanges(forbidden: (c: Context<AppEnv>, message: string) => Response | Promise<Response>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || isOpenConsolePath(c.req.path)) return next();
    const session = c.get('session');
    if (!session) return forbidden(c, 'Sign in first.');
    let presented = c.req.header('x-csrf-token') ?? '';
    if (!presented) {
      const type = c.req.header('content-type') ?? '';
      if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) {
        const body = await c.req.parseBody();
        presented = typeof body._csrf === 'string' ? body._csrf : '';
      }
    }
    if (!presented || !(await constantTimeEqual(presented, session.csrfToken))) {
      return forbidden(c, 'This form is out of date or was not sent from the console. Go back, reload the page and try again.');
    }
    const needed = roleForChange(c.req.path);
    if (rank[session.role] < rank[needed]) {
      return forbidden(c, `This needs the ${roleLabel(needed)} role; your account is a ${roleLabel(session.role)}. Ask an administrator if you need it.`);
    }
    return next();
  };
}

export function roleLabel(role: StaffRole): string {
  return role === 'admin' ? 'administrator' : role;
}
