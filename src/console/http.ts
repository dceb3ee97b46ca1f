/**
 * Small helpers the console pages share: the page context, reading forms, redirects with a
 * notice, and turning domain errors into messages a form can show.
 */
import type { Context } from 'hono';
import { DomainError, type FieldIssue } from '../errors.ts';
import type { AppEnv } from '../http/context.ts';
import type { PageContext } from './layout.tsx';

/**
 * Confirmations shown after a change, by key. Keys travel in `?notice=`, so a link cannot put
 * arbitrary text on a console page.
 */
const notices: Record<string, string> = {
  saved: 'Saved.',
  created: 'Created.',
  deleted: 'Deleted.',
  'user-created': 'The account is created. Give its owner the address and password by a safe channel.',
  'user-updated': 'The account is updated.',
  'token-revoked': 'The token is revoked: requests that use it are refused from now on.',
  'account-saved': 'Your settings are saved.',
  'password-changed': 'Your password is changed. Other sessions of your account were signed out.',
  'content-saved': 'The content item is saved.',
  'feed-added': 'The feed is added; it is fetched shortly.',
  'feed-fetched': 'The feed was fetched.',
  'feed-failed': 'The fetch failed. The error is listed under Recent errors; check the address or try again later.',
  'test-sent': 'The test message is sent.',
  scheduled: 'The issue is scheduled.',
  sending: 'Sending has started.',
  paused: 'Sending is paused.',
  resumed: 'Sending resumed.',
  cancelled: 'The campaign is cancelled.',
  resent: 'The failed recipients are queued again.',
  'draft-saved': 'The draft is saved.',
  'subscriber-created': 'The subscriber is added and confirmed on the lists ticked.',
  'subscriber-saved': 'The subscriber is saved; the change is in the consent history.',
  unsubscribed: 'The subscriber is unsubscribed from every list.',
  'unsubscribed-list': 'The subscriber is unsubscribed from the list.',
  'already-unsubscribed': 'Nothing changed: the subscriber was already unsubscribed.',
  erased: 'The subscriber is erased: the address is kept only as a hash on the suppression list.',
  'import-started': 'The import has started.',
  'suppression-added': 'The address is on the suppression list.',
  'suppression-exists': 'The address was already on the suppression list. Its first reason stays, unless a complaint or hard bounce replaces repeated soft bounces.',
  'suppression-removed': 'The address is off the suppression list and may be mailed again.',
  approved: 'The digest is approved and sending has started.',
  discarded: 'The digest draft is discarded. Its items are offered again by the next run.',
  'list-deleted': 'The list and its memberships are deleted. The subscribers stay.',
  'topic-deleted': 'The topic is deleted and no subscriber follows it any more.',
};

export function pageContext(c: Context<AppEnv>): PageContext {
  const session = c.get('session');
  if (!session) throw new Error('pageContext needs a signed-in request');
  const key = c.req.query('notice');
  return { session, path: c.req.path, notice: key ? notices[key] : undefined };
}

/** Redirects after a successful POST, so a reload does not send the form again. */
export function redirectWithNotice(c: Context<AppEnv>, path: string, notice?: string): Response {
  const url = notice ? `${path}${path.includes('?') ? '&' : '?'}notice=${encodeURIComponent(notice)}` : path;
  return c.redirect(url, 303);
}

export type FormValues = Record<string, string | string[]>;

/** Reads a urlencoded or multipart form; repeated fields become arrays. Files are dropped. */
export async function readForm(c: Context<AppEnv>): Promise<FormValues> {
  const body = await c.req.parseBody({ all: true });
  const values: FormValues = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === '_csrf') continue;
    if (Array.isArray(value)) values[key] = value.filter((v): v is string => typeof v === 'string');
    else if (typeof value === 'string') values[key] = value;
  }
  return values;
}

/** One value of a form field ('' when absent; the first when repeated). */
export function field(form: FormValues, name: string): string {
  const value = form[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
}

/** Every value of a repeated field. */
export function fields(form: FormValues, name: string): string[] {
  const value = form[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => v.trim()).filter(Boolean);
}

export interface FormProblem {
  message: string;
  details: FieldIssue[];
}

/** Turns a domain error into what a form shows; other errors are thrown on. */
export function formProblem(error: unknown): FormProblem {
  if (error instanceof DomainError && error.status < 500) {
    return { message: error.message, details: error.details ?? [] };
  }
  throw error;
}

/** The message for one field, if the problem names it. */
export function fieldError(problem: FormProblem | undefined, path: string): string | undefined {
  return problem?.details.find((d) => d.path === path || d.path.startsWith(`${path}.`))?.message;
}

/** The client's address as the proxy or socket reports it, for rate limiting and the log. */
export function clientIp(c: Context<AppEnv>): string {
  const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
  return forwarded || c.req.header('cf-connecting-ip') || c.req.header('x-real-ip') || '';
}
