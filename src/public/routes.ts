/**
 * Public pages and JSON, no staff auth: sign-up (JSON and the embeddable form), the form
 * snippet, confirmation, unsubscribe (including RFC 8058 one-click) and the preference centre.
 *
 * Every GET only reads; every change is a POST, because mail scanners and link previews open
 * each link in a message before the reader does.
 */
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import { DomainError, RateLimitedError, ValidationError } from '../errors.ts';
import { clientIp } from '../http/client-ip.ts';
import type { AppEnv } from '../http/context.ts';
import type { RouteDoc } from '../http/route-doc.ts';
import { readJson, validate } from '../http/validate.ts';
import { listLists } from '../lists/lists.ts';
import { displayAddress } from '../subscribers/address.ts';
import {
  LinkError,
  confirmSubscription,
  readConfirmation,
  readUnsubscribe,
  signUp,
  unsubscribe,
  unsubscribeByToken,
  type SignupInput,
} from '../subscribers/lifecycle.ts';
import { readPreferences, savePreferences } from '../subscribers/preferences.ts';
import { attributesSchema, eraseSubscriber, organisationTypes, subscriberData, type ConsentContext } from '../subscribers/subscribers.ts';
import { tokenPurpose, type PreferencesPayload } from './links.ts';
import { layout, linkProblemText, messagePage } from './pages.ts';

const slugList = z.array(z.string().trim().min(1, 'expected a list slug')).min(1, 'expected at least one list');

export const signupBody = z.object({
  email: z.string({ message: 'expected an email address' }),
  name: z.string().trim().max(200, 'expected at most 200 characters').optional(),
  lists: slugList,
  topics: z.array(z.string().trim().min(1)).optional(),
  attributes: attributesSchema.optional(),
  /** Honeypot: people leave it empty; a bot that fills it in is answered as usual and ignored. */
  website: z.string().optional(),
});

const accepted = z.object({ status: z.literal('accepted') });

/** The name of the honeypot field in the form. */
const honeypotField = 'website';

export function publicRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/api/public/subscriptions', async (c) => {
    const deps = c.var.deps;
    const orgName = deps.config.mail.orgName;
    if (!isFormPost(c)) {
      const body = await readJson(c, signupBody);
      if (body.website) return c.json({ status: 'accepted' }, 202);
      await signUp(deps, toSignup(body), consentOf(c, 'api'));
      return c.json({ status: 'accepted' }, 202);
    }

    const form = await c.req.parseBody({ all: true });
    if (text(form[honeypotField])) return c.html(thanksPage(orgName), 200);
    try {
      const body = validate(
        signupBody,
        {
          email: text(form.email) ?? '',
          name: text(form.name),
          lists: many(form.lists),
          topics: many(form.topics),
          attributes: compact({
            country: text(form.country),
            organisation: text(form.organisation),
            organisationType: text(form.organisationType),
          }),
        },
        'The form',
      );
      await signUp(deps, toSignup(body), consentOf(c, 'form'));
      return c.html(thanksPage(orgName), 200);
    } catch (error) {
      if (error instanceof ValidationError || error instanceof RateLimitedError) {
        const problems = error.details?.map((issue) => `${fieldLabel(issue.path)}: ${issue.message}`) ?? [error.message];
        const title = error instanceof RateLimitedError ? 'Please try again later' : 'Please check the form';
        return c.html(messagePage(orgName, title, problems), error.status as 422);
      }
      throw error;
    }
  });

  app.get('/subscribe/form', async (c) => {
    const deps = c.var.deps;
    const form = await signupForm(c);
    const snippet = (await form).toString();
    return c.html(
      layout(
        'Subscribe',
        deps.config.mail.orgName,
        html`${form}
<details><summary>Put this form on your website</summary>
<p>Paste this HTML into a page; it posts straight to Gazette and needs no script. Add <code>?lists=slug-one,slug-two</code> to this page's address to choose the lists offered.</p>
<pre><code>${snippet}</code></pre></details>`,
      ),
    );
  });

  app.get('/subscribe/form.html', async (c) => c.html(await signupForm(c)));

  app.get('/confirm/:token', async (c) => {
    const deps = c.var.deps;
    const orgName = deps.config.mail.orgName;
    try {
      const pending = await readConfirmation(deps, c.req.param('token'));
      const names = pending.lists.map((list) => list.name).join(', ');
      const already = pending.lists.length > 0 && pending.lists.every((list) => list.status === 'confirmed');
      if (already) return c.html(confirmedPage(orgName, names));
      return c.html(
        messagePage(orgName, 'Confirm your subscription', [`Address: ${displayAddress(pending.email)}`, `Lists: ${names || 'none'}`], {
          action: c.req.path,
          label: 'Confirm my subscription',
        }),
      );
    } catch (error) {
      return linkProblem(c, error);
    }
  });

  app.post('/confirm/:token', async (c) => {
    const deps = c.var.deps;
    try {
      const result = await confirmSubscription(deps, c.req.param('token'), consentOf(c, 'page'));
      return c.html(confirmedPage(deps.config.mail.orgName, result.lists.filter((l) => l.status === 'confirmed').map((l) => l.name).join(', ')));
    } catch (error) {
      return linkProblem(c, error);
    }
  });

  app.get('/unsubscribe/:token', async (c) => {
    const deps = c.var.deps;
    try {
      const found = await readUnsubscribe(deps, c.req.param('token'));
      const names = found.lists.filter((l) => l.status !== 'unsubscribed').map((l) => l.name);
      const what = found.payload.l.length === 0 ? 'all our lists' : names.join(', ') || 'this list';
      if (names.length === 0) {
        return c.html(messagePage(deps.config.mail.orgName, 'You are unsubscribed', [`${displayAddress(found.email)} receives nothing from ${what}.`]));
      }
      return c.html(
        messagePage(deps.config.mail.orgName, 'Unsubscribe', [`Stop sending ${what} to ${displayAddress(found.email)}?`], {
          action: c.req.path,
          label: 'Unsubscribe',
        }),
      );
    } catch (error) {
      return linkProblem(c, error);
    }
  });

  // RFC 8058: the mailbox provider posts `List-Unsubscribe=One-Click`, with no cookie, and
  // expects the unsubscribe to happen on this request, answered without a redirect.
  app.post('/unsubscribe/:token', async (c) => {
    const deps = c.var.deps;
    let oneClick = false;
    if (isFormPost(c)) {
      const form = await c.req.parseBody();
      oneClick = form['List-Unsubscribe'] === 'One-Click';
    }
    try {
      const result = await unsubscribeByToken(deps, c.req.param('token'), consentOf(c, oneClick ? 'one_click' : 'page'));
      const preferences = await preferencesPath(c, result.subscriberId);
      return c.html(
        layout(
          'You are unsubscribed',
          deps.config.mail.orgName,
          html`<p>${displayAddress(result.email)} will receive no more messages from ${result.lists.map((l) => l.name).join(', ') || 'us'}.</p>
<p><a href="${preferences}">Manage your other subscriptions</a></p>`,
        ),
        200,
      );
    } catch (error) {
      return linkProblem(c, error);
    }
  });

  app.get('/preferences/:token', async (c) => {
    const deps = c.var.deps;
    const subscriberId = await preferencesSubscriber(c);
    if (typeof subscriberId !== 'string') return subscriberId;
    try {
      return c.html(await preferencesPage(c, subscriberId, c.req.query('saved') === '1' ? 'Your preferences are saved.' : undefined));
    } catch (error) {
      return linkProblem(c, error, deps.config.mail.orgName);
    }
  });

  app.post('/preferences/:token', async (c) => {
    const deps = c.var.deps;
    const orgName = deps.config.mail.orgName;
    const subscriberId = await preferencesSubscriber(c);
    if (typeof subscriberId !== 'string') return subscriberId;
    try {
      const form = await c.req.parseBody({ all: true });
      const action = text(form.action) ?? 'save';
      const context = consentOf(c, 'page');
      if (action === 'download') {
        const data = await subscriberData(deps.db, subscriberId);
        c.header('Content-Disposition', 'attachment; filename="my-subscription-data.json"');
        return c.json(data);
      }
      if (action === 'unsubscribe_all') {
        await unsubscribe(deps, subscriberId, [], context);
        return c.html(await preferencesPage(c, subscriberId, 'You are unsubscribed from every list.'));
      }
      if (action === 'erase') {
        if (text(form.confirmErase) !== 'yes') {
          return c.html(await preferencesPage(c, subscriberId, 'Tick the box to confirm that your data should be erased.'), 422);
        }
        await eraseSubscriber(deps, subscriberId, context);
        return c.html(messagePage(orgName, 'Your data is erased', ['We deleted your address, name and subscriptions. We keep only a one-way fingerprint of the address so that we never add it again by mistake.']));
      }
      const input = validate(
        preferencesForm,
        {
          name: text(form.name) ?? '',
          country: text(form.country),
          organisation: text(form.organisation),
          organisationType: text(form.organisationType),
          timeZone: text(form.timeZone),
          lists: many(form.lists),
          topics: many(form.topics),
        },
        'The form',
      );
      await savePreferences(deps, subscriberId, input, context);
      return c.html(await preferencesPage(c, subscriberId, 'Your preferences are saved.'));
    } catch (error) {
      if (error instanceof ValidationError) {
        return c.html(await preferencesPage(c, subscriberId, error.details?.map((d) => `${fieldLabel(d.path)}: ${d.message}`).join('; ') ?? error.message), 422);
      }
      return linkProblem(c, error, orgName);
    }
  });

  return app;
}

const preferencesForm = z.object({
  name: z.string().trim().max(200, 'expected at most 200 characters'),
  country: z.string().trim().max(100).optional(),
  organisation: z.string().trim().max(300).optional(),
  organisationType: z.union([z.enum(organisationTypes), z.literal('')]).optional(),
  // '' is the "(not given)" choice, which removes the time zone.
  timeZone: z.preprocess((value) => (value === '' ? undefined : value), attributesSchema.shape.timeZone),
  lists: z.array(z.string()),
  topics: z.array(z.string()),
});

export const publicRouteDocs: RouteDoc[] = [
  {
    method: 'post',
    path: '/api/public/subscriptions',
    summary: 'Sign up to public lists (JSON, or a form post from the embeddable form answered with a page)',
    tag: 'public',
    access: 'public',
    body: signupBody,
    responses: { 202: accepted, 400: 'unreadable body', 422: 'invalid input, or an unknown or private list', 429: 'too many attempts' },
  },
  { method: 'get', path: '/subscribe/form', summary: 'Sign-up page with the form and its embeddable HTML', tag: 'public', access: 'public', responses: { 200: 'HTML page' } },
  { method: 'get', path: '/subscribe/form.html', summary: 'The embeddable sign-up form alone (HTML fragment); `?lists=a,b` picks the lists', tag: 'public', access: 'public', responses: { 200: 'HTML fragment' } },
  { method: 'get', path: '/confirm/{token}', summary: 'Confirmation page with one button; changes nothing', tag: 'public', access: 'public', responses: { 200: 'page', 400: 'invalid link page', 410: 'expired link page' } },
  { method: 'post', path: '/confirm/{token}', summary: 'Confirm the lists in the link; again shows the same success', tag: 'public', access: 'public', responses: { 200: 'page', 400: 'invalid link page', 410: 'expired link page' } },
  { method: 'get', path: '/unsubscribe/{token}', summary: 'Unsubscribe page with one button; changes nothing', tag: 'public', access: 'public', responses: { 200: 'page', 400: 'invalid link page' } },
  { method: 'post', path: '/unsubscribe/{token}', summary: 'Unsubscribe (also the RFC 8058 one-click target)', tag: 'public', access: 'public', bodyType: 'application/x-www-form-urlencoded', responses: { 200: 'page', 400: 'invalid link page' } },
  { method: 'get', path: '/preferences/{token}', summary: 'Preference centre; changes nothing', tag: 'public', access: 'public', responses: { 200: 'page', 400: 'invalid link page' } },
  { method: 'post', path: '/preferences/{token}', summary: 'Save preferences, unsubscribe from all, download data (JSON) or erase', tag: 'public', access: 'public', bodyType: 'application/x-www-form-urlencoded', responses: { 200: 'page or JSON download', 400: 'invalid link page', 422: 'invalid form' } },
];

function toSignup(body: z.output<typeof signupBody>): SignupInput {
  return { email: body.email, name: body.name, lists: body.lists, topics: body.topics, attributes: body.attributes };
}

function isFormPost(c: Context): boolean {
  const type = c.req.header('content-type') ?? '';
  return type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data');
}

function text(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

function many(value: unknown): string[] {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.filter((item): item is string => typeof item === 'string' && item !== '');
}

function compact(record: Record<string, string | undefined>): Record<string, string> | undefined {
  const entries = Object.entries(record).filter((entry): entry is [string, string] => Boolean(entry[1]?.trim()));
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

function fieldLabel(path: string): string {
  const first = path.split('.')[0] ?? path;
  return { email: 'Email address', lists: 'Lists', name: 'Name', topics: 'Topics', timeZone: 'Time zone' }[first] ?? first;
}

function consentOf(c: Context, source: ConsentContext['source']): ConsentContext {
  return { source, ip: clientIp(c), userAgent: c.req.header('user-agent')?.slice(0, 500) ?? null };
}

function thanksPage(orgName: string) {
  return messagePage(orgName, 'Thank you', [
    'We have received your request.',
    'If a list you chose asks for confirmation, we have sent you an email with a link: open it to start receiving messages.',
  ]);
}

function confirmedPage(orgName: string, names: string) {
  return messagePage(orgName, 'Your subscription is confirmed', [names ? `You will receive: ${names}.` : 'Thank you: there is nothing left to confirm.']);
}

function linkProblem(c: Context<AppEnv>, error: unknown, orgName = c.var.deps.config.mail.orgName) {
  if (error instanceof LinkError) {
    const problem = linkProblemText[error.problem];
    return c.html(messagePage(orgName, problem.title, [problem.text]), problem.status);
  }
  if (error instanceof DomainError && error.status === 404) {
    const problem = linkProblemText.gone;
    return c.html(messagePage(orgName, problem.title, [problem.text]), problem.status);
  }
  throw error;
}

async function preferencesSubscriber(c: Context<AppEnv>): Promise<string | Response> {
  const deps = c.var.deps;
  const verified = await deps.signer.verify<PreferencesPayload>(tokenPurpose.preferences, c.req.param('token') ?? '', deps.now());
  if (!verified.ok) return linkProblem(c, new LinkError(verified.reason));
  return verified.data.s;
}

async function preferencesPath(c: Context<AppEnv>, subscriberId: string): Promise<string> {
  const deps = c.var.deps;
  return `/preferences/${await deps.signer.sign(tokenPurpose.preferences, { s: subscriberId } satisfies PreferencesPayload)}`;
}

async function preferencesPage(c: Context<AppEnv>, subscriberId: string, notice?: string) {
  const deps = c.var.deps;
  const view = await readPreferences(deps, subscriberId);
  const attributes = view.subscriber.attributes as Record<string, string | undefined>;
  const action = c.req.path;
  const typeLabels: Record<string, string> = {
    government: 'Government',
    ngo: 'Non-governmental organisation',
    academia: 'Academia',
    international_organisation: 'International organisation',
    private_sector: 'Private sector',
    other: 'Other',
  };
  return layout(
    'Your subscription',
    deps.config.mail.orgName,
    html`${notice ? html`<p role="status"><strong>${notice}</strong></p>` : ''}
<p>Address: ${view.subscriber.displayEmail}</p>
<form method="post" action="${action}">
<input type="hidden" name="action" value="save">
<label for="name">Name</label><input type="text" id="name" name="name" value="${view.subscriber.name}" autocomplete="name">
<label for="organisation">Organisation</label><input type="text" id="organisation" name="organisation" value="${attributes.organisation ?? ''}" autocomplete="organization">
<label for="organisationType">Type of organisation</label>
<select id="organisationType" name="organisationType">
<option value="">(not given)</option>
${organisationTypes.map((type) => html`<option value="${type}"${attributes.organisationType === type ? html` selected` : ''}>${typeLabels[type]}</option>`)}
</select>
<label for="country">Country</label><input type="text" id="country" name="country" value="${attributes.country ?? ''}" autocomplete="country-name">
<label for="timeZone">Your time zone</label>
<select id="timeZone" name="timeZone" aria-describedby="timeZone-hint">
<option value="">(not given)</option>
${timeZoneNames().map((zone) => html`<option value="${zone}"${attributes.timeZone === zone ? html` selected` : ''}>${zone.replaceAll('_', ' ')}</option>`)}
</select>
<small id="timeZone-hint">Events in our newsletters then show their time in your zone too.</small>
<fieldset><legend>Lists</legend>
${view.lists.map(
  (list, index) => html`<div class="check"><input type="checkbox" id="list-${index}" name="lists" value="${list.slug}"${list.subscribed ? html` checked` : ''}> <label for="list-${index}">${list.name}</label>${list.description ? html` <small>${list.description}</small>` : ''}</div>`,
)}
</fieldset>
${view.topics.length > 0
  ? html`<fieldset><legend>Topics that interest you</legend>
${view.topics.map((topic, index) => html`<div class="check"><input type="checkbox" id="topic-${index}" name="topics" value="${topic.slug}"${topic.chosen ? html` checked` : ''}> <label for="topic-${index}">${topic.name}</label></div>`)}
</fieldset>`
  : ''}
<p><button type="submit">Save my preferences</button></p>
</form>
<form method="post" action="${action}"><input type="hidden" name="action" value="unsubscribe_all"><p><button type="submit" class="secondary">Unsubscribe from everything</button></p></form>
<form method="post" action="${action}"><input type="hidden" name="action" value="download"><p><button type="submit" class="secondary">Download my data (JSON)</button></p></form>
<form method="post" action="${action}"><input type="hidden" name="action" value="erase">
<div class="check"><input type="checkbox" id="confirmErase" name="confirmErase" value="yes"> <label for="confirmErase">I understand that erasing my data cannot be undone.</label></div>
<p><button type="submit" class="danger">Erase my data</button></p></form>`,
  );
}

/** Returns the IANA zones this runtime supports, for the preference centre's list. */
function timeZoneNames(): string[] {
  return Intl.supportedValuesOf('timeZone');
}

/** The embeddable form: plain HTML that posts to this server, with the honeypot field. */
async function signupForm(c: Context<AppEnv>) {
  const deps = c.var.deps;
  const requested = (c.req.query('lists') ?? '').split(',').map((slug) => slug.trim()).filter(Boolean);
  const lists = (await listLists(deps.db, { visibility: 'public' })).filter(
    (list) => requested.length === 0 || requested.includes(list.slug),
  );
  const action = `${deps.config.publicUrl}/api/public/subscriptions`;
  return html`<form method="post" action="${action}" class="gazette-signup">
<label for="gz-email">Email address</label>
<input type="email" id="gz-email" name="email" required autocomplete="email">
<label for="gz-name">Name</label>
<input type="text" id="gz-name" name="name" autocomplete="name">
<label for="gz-organisation">Organisation</label>
<input type="text" id="gz-organisation" name="organisation" autocomplete="organization">
<label for="gz-type">Type of organisation</label>
<select id="gz-type" name="organisationType">
<option value="">(choose)</option>
<option value="government">Government</option>
<option value="ngo">Non-governmental organisation</option>
<option value="academia">Academia</option>
<option value="international_organisation">International organisation</option>
<option value="private_sector">Private sector</option>
<option value="other">Other</option>
</select>
<label for="gz-country">Country</label>
<input type="text" id="gz-country" name="country" autocomplete="country-name">
<fieldset><legend>Lists</legend>
${lists.map((list, index) => html`<div><input type="checkbox" id="gz-list-${index}" name="lists" value="${list.slug}"${lists.length === 1 ? html` checked` : ''}> <label for="gz-list-${index}">${list.name}</label></div>`)}
</fieldset>
<div aria-hidden="true" style="position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden"><label for="gz-website">Leave this field empty</label><input type="text" id="gz-website" name="${honeypotField}" tabindex="-1" autocomplete="off"></div>
<button type="submit">Subscribe</button>
</form>`;
}
