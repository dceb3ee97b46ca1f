/** @jsxImportSource hono/jsx */
/**
 * The console's page frame: skip link, navigation, the signed-in account, notices, and shared
 * pieces (forms with their CSRF field, empty states, date cells).
 */
import type { Child, FC, PropsWithChildren } from 'hono/jsx';
import type { ConsoleSession, StaffRole } from '../http/context.ts';
import { formatDateTime } from './format.ts';
import { roleLabel } from './security.ts';

/** What every page needs from the request. */
export interface PageContext {
  session: ConsoleSession;
  /** The current path, to mark the navigation entry. */
  path: string;
  /** A short confirmation shown once after a change (`?notice=...`). */
  notice?: string;
}

const rank: Record<StaffRole, number> = { viewer: 0, editor: 1, admin: 2 };

/** True when the signed-in member has at least `role`. */
export function can(page: PageContext, role: StaffRole): boolean {
  return rank[page.session.role] >= rank[role];
}

const navigation: Array<{ href: string; label: string; role?: StaffRole }> = [
  { href: '/console', label: 'Dashboard' },
  { href: '/console/content', label: 'Content' },
  { href: '/console/compose', label: 'Compose', role: 'editor' },
  { href: '/console/campaigns', label: 'Campaigns' },
  { href: '/console/subscribers', label: 'Subscribers' },
  { href: '/console/lists', label: 'Lists and topics' },
  { href: '/console/segments', label: 'Segments' },
  { href: '/console/schedules', label: 'Schedules' },
  { href: '/console/suppressions', label: 'Suppression list' },
  { href: '/console/settings', label: 'Settings' },
  { href: '/console/staff', label: 'Staff and tokens', role: 'admin' },
];

function isCurrent(href: string, path: string): boolean {
  return href === '/console' ? path === '/console' || path === '/console/' : path === href || path.startsWith(`${href}/`);
}

/**
 * The page frame. `refreshSeconds` reloads a progress page on a timer when script is off.
 * With script on, the page's own polling updates it instead.
 */
export const Layout: FC<PropsWithChildren<{ page: PageContext; title: string; actions?: Child; refreshSeconds?: number }>> = ({ page, title, actions, refreshSeconds, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${title} · Gazette console`}</title>
      <link rel="stylesheet" href="/console/assets/console.css" />
      <script src="/console/assets/console.js" defer></script>
      <meta name="csrf-token" content={page.session.csrfToken} />
      {refreshSeconds ? (
        <noscript>
          <meta http-equiv="refresh" content={String(refreshSeconds)} />
        </noscript>
      ) : null}
    </head>
    <body>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/console">
          Gazette
        </a>
        <div class="who">
          <a href="/console/account" title="Your account: name, time zone, password">
            {page.session.name || page.session.email}
          </a>
          <span class="muted">
            {' '}
            {roleLabel(page.session.role)} · {page.session.timezone}
          </span>
          <form method="post" action="/console/sign-out" class="inline">
            <CsrfField page={page} />
            <button type="submit" class="link">
              Sign out
            </button>
          </form>
        </div>
      </header>
      <div class="frame">
        <nav aria-label="Console sections" class="side">
          <ul>
            {navigation
              .filter((entry) => !entry.role || can(page, entry.role))
              .map((entry) => (
                <li>
                  <a href={entry.href} aria-current={isCurrent(entry.href, page.path) ? 'page' : undefined}>
                    {entry.label}
                  </a>
                </li>
              ))}
          </ul>
        </nav>
        <main id="main" tabindex={-1}>
          <div class="heading">
            <h1>{title}</h1>
            {actions ? <div class="actions">{actions}</div> : null}
          </div>
          {page.notice ? (
            <p class="notice" role="status">
              {page.notice}
            </p>
          ) : null}
          {children}
        </main>
      </div>
    </body>
  </html>
);

/** A page outside the frame (sign-in, errors before sign-in). */
export const BarePage: FC<PropsWithChildren<{ title: string }>> = ({ title, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${title} · Gazette console`}</title>
      <link rel="stylesheet" href="/console/assets/console.css" />
    </head>
    <body class="bare">
      <main id="main" class="narrow">
        <p class="brand">Gazette</p>
        <h1>{title}</h1>
        {children}
      </main>
    </body>
  </html>
);

export const CsrfField: FC<{ page: PageContext }> = ({ page }) => <input type="hidden" name="_csrf" value={page.session.csrfToken} />;

/** A POST form with its CSRF field. */
export const PostForm: FC<PropsWithChildren<{ page: PageContext; action: string; class?: string; id?: string; enctype?: 'multipart/form-data' | 'application/x-www-form-urlencoded' }>> = (props) => (
  <form method="post" action={props.action} class={props.class} id={props.id} enctype={props.enctype}>
    <CsrfField page={props.page} />
    {props.children}
  </form>
);

/** A one-button form, for actions such as pause or revoke. */
export const ActionButton: FC<{ page: PageContext; action: string; label: string; danger?: boolean; disabled?: boolean }> = (props) => (
  <form method="post" action={props.action} class="inline">
    <CsrfField page={props.page} />
    <button type="submit" class={props.danger ? 'danger' : 'secondary'} disabled={props.disabled}>
      {props.label}
    </button>
  </form>
);

export const Empty: FC<PropsWithChildren<{ title: string }>> = ({ title, children }) => (
  <div class="empty">
    <p class="empty-title">{title}</p>
    {children}
  </div>
);

export const ErrorSummary: FC<{ message?: string; details?: Array<{ path: string; message: string }> }> = ({ message, details }) =>
  message ? (
    <div class="error-summary" role="alert" tabindex={-1}>
      <p>{message}</p>
      {details && details.length > 1 ? (
        <ul>
          {details.map((d) => (
            <li>
              {d.path}: {d.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  ) : null;

/** A date in the member's zone, with the machine-readable instant in `datetime`. */
export const When: FC<{ page: PageContext; at: Date | string | null | undefined; empty?: string }> = ({ page, at, empty }) => {
  if (!at) return <span class="muted">{empty ?? '–'}</span>;
  const date = at instanceof Date ? at : new Date(at);
  return <time datetime={date.toISOString()}>{formatDateTime(date, page.session.timezone)}</time>;
};

/** The zone name shown in table headers, so each date column says which zone it is in. */
export const ZoneNote: FC<{ page: PageContext }> = ({ page }) => <span class="zone">({page.session.timezone})</span>;

export const StatusBadge: FC<{ status: string }> = ({ status }) => <span class={`badge badge-${status}`}>{status.replace(/_/g, ' ')}</span>;

/** Previous and next links for a paged collection. */
export const Pager: FC<{ base: string; page: number; pageSize: number; total: number; query?: Record<string, string | undefined> }> = (props) => {
  const pages = Math.max(1, Math.ceil(props.total / props.pageSize));
  if (pages <= 1) return null;
  const link = (n: number) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(props.query ?? {})) if (value) params.set(key, value);
    params.set('page', String(n));
    return `${props.base}?${params.toString()}`;
  };
  return (
    <nav class="pager" aria-label="Pages">
      {props.page > 1 ? <a href={link(props.page - 1)}>← Previous</a> : <span />}
      <span>
        Page {props.page} of {pages}
      </span>
      {props.page < pages ? <a href={link(props.page + 1)}>Next →</a> : <span />}
    </nav>
  );
};
