/** @jsxImportSource hono/jsx */
/**
 * Sign-in and sign-out. Before a session exists, the form is protected by a double-submit
 * token: a random value in a short-lived cookie that the form must repeat.
 */
import type { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { recordAudit } from '../../auth/audit.ts';
import { loginWaitMinutes, recordLoginAttempt } from '../../auth/login-limit.ts';
import { readCookie } from '../../auth/middleware.ts';
import { verifyPassword } from '../../auth/passwords.ts';
import { createSession, deleteSession, SESSION_COOKIE } from '../../auth/sessions.ts';
import { constantTimeEqual, randomToken } from '../../auth/signing.ts';
import type { AppEnv } from '../../http/context.ts';
import { clientIp, field, readForm, redirectWithNotice } from '../http.ts';
import { BarePage } from '../layout.tsx';
import { clearSessionCookie, isHttps, setSessionCookie } from '../security.ts';

const SIGN_IN_CSRF_COOKIE = 'gazette_signin';

/** Only console paths are followed after sign-in, so the form cannot send anyone elsewhere. */
function safeNext(next: string | undefined): string {
  return next && /^\/console(\/|$|\?)/.test(next) && !next.startsWith('//') ? next : '/console';
}

function SignInForm(props: { csrf: string; next: string; email?: string; error?: string; status?: string }) {
  return (
    <BarePage title="Sign in">
      {props.status ? (
        <p class="notice" role="status">
          {props.status}
        </p>
      ) : null}
      {props.error ? (
        <div class="error-summary" role="alert">
          <p>{props.error}</p>
        </div>
      ) : null}
      <form method="post" action="/console/sign-in">
        <input type="hidden" name="_csrf" value={props.csrf} />
        <input type="hidden" name="next" value={props.next} />
        <label for="email">Email address</label>
        <input id="email" name="email" type="email" autocomplete="username" required value={props.email ?? ''} autofocus />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <div class="buttons">
          <button type="submit">Sign in</button>
        </div>
      </form>
      <p class="muted">
        No account yet? An administrator creates one under Staff, or on the server with{' '}
        <code>npx gazette user create --admin</code>.
      </p>
    </BarePage>
  );
}

export function registerSignIn(app: Hono<AppEnv>): void {
  app.get('/sign-in', (c) => {
    const csrf = getCookie(c, SIGN_IN_CSRF_COOKIE) || randomToken(24);
    setCookie(c, SIGN_IN_CSRF_COOKIE, csrf, { httpOnly: true, sameSite: 'Lax', secure: isHttps(c), path: '/console/sign-in', maxAge: 3600 });
    const status = c.req.query('signed-out') ? 'You are signed out.' : undefined;
    return c.html(<SignInForm csrf={csrf} next={safeNext(c.req.query('next'))} status={status} />);
  });

  app.post('/sign-in', async (c) => {
    const { deps } = c.var;
    const form = await readForm(c);
    const email = field(form, 'email');
    const password = typeof form.password === 'string' ? form.password : '';
    const next = safeNext(field(form, 'next'));
    const cookieToken = getCookie(c, SIGN_IN_CSRF_COOKIE) ?? '';
    const csrf = cookieToken || randomToken(24);
    const again = (error: string, status: 401 | 403 | 422 | 429) => {
      setCookie(c, SIGN_IN_CSRF_COOKIE, csrf, { httpOnly: true, sameSite: 'Lax', secure: isHttps(c), path: '/console/sign-in', maxAge: 3600 });
      return c.html(<SignInForm csrf={csrf} next={next} email={email} error={error} />, status);
    };

    const raw = await c.req.parseBody();
    const presented = typeof raw._csrf === 'string' ? raw._csrf : '';
    if (!cookieToken || !presented || !(await constantTimeEqual(presented, cookieToken))) {
      return again('The sign-in form had expired. Enter your address and password again.', 403);
    }
    if (!email || !password) return again('Enter your email address and your password.', 422);

    const now = deps.now();
    const ip = clientIp(c);
    const wait = await loginWaitMinutes(deps.db, email, ip, now);
    if (wait > 0) {
      return again(`Too many failed attempts. Wait ${wait} minute${wait === 1 ? '' : 's'} and try again, or ask an administrator to reset your password.`, 429);
    }

    const user = await deps.db
      .selectFrom('staff_users')
      .select(['id', 'email', 'password_hash', 'disabled_at'])
      .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
      .executeTakeFirst();
    // An unknown address costs as much time as a wrong password, so neither can be told apart.
    const valid = await verifyPassword(password, user?.password_hash ?? 'scrypt$15$8$1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    if (!user || !valid || user.disabled_at) {
      await recordLoginAttempt(deps.db, { email, ip, succeeded: false, now });
      c.var.log.info({ ip }, 'sign-in refused');
      return again(
        user?.disabled_at && valid
          ? 'This account is disabled. Ask an administrator to enable it.'
          : 'The email address or the password is wrong. Check both and try again.',
        401,
      );
    }

    await recordLoginAttempt(deps.db, { email, ip, succeeded: true, now });
    const session = await createSession(deps.db, user.id, { ip, userAgent: c.req.header('user-agent'), now });
    await deps.db.updateTable('staff_users').set({ last_sign_in_at: now }).where('id', '=', user.id).execute();
    await recordAudit(deps.db, { actor: user.email, action: 'sign-in', target: '/console/sign-in', details: { ip }, at: now });
    setSessionCookie(c, session.token);
    return c.redirect(next, 303);
  });

}

/** Sign-out is a POST behind the session and CSRF checks like any other change. */
export function registerSignOut(app: Hono<AppEnv>): void {
  app.post('/sign-out', async (c) => {
    const token = readCookie(c.req.raw, SESSION_COOKIE);
    if (token) await deleteSession(c.var.deps.db, token);
    clearSessionCookie(c);
    return redirectWithNotice(c, '/console/sign-in?signed-out=1');
  });
}
