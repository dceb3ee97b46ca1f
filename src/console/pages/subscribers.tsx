/** @jsxImportSource hono/jsx */
/**
 * Subscribers: search and filters, the CSV export of what the filters select, a subscriber's
 * page (attributes, lists, topics, mail and engagement, consent history), add and edit forms,
 * unsubscribing and erasure. The CSV import pages are in `subscriber-imports.tsx`.
 */
import type { Context, Hono } from 'hono';
import type { SubscriberStatus, SubscriptionStatus } from '../../db/schema.ts';
import { ValidationError } from '../../errors.ts';
import { subscriberEngagement, type SubscriberEngagement } from '../../feedback/engagement.ts';
import { suppressionOf } from '../../feedback/suppressions.ts';
import type { AppEnv } from '../../http/context.ts';
import { validate } from '../../http/validate.ts';
import { listLists, listTopics, resolveLists, type List, type Topic } from '../../lists/lists.ts';
import { exportQuery, exportSubscribersCsv } from '../../subscribers/export.ts';
import { unsubscribe } from '../../subscribers/lifecycle.ts';
import { staffContext, subscriberQuery } from '../../subscribers/routes.ts';
import {
  consentHistory,
  createSubscriber,
  eraseSubscriber,
  getSubscriber,
  organisationTypes,
  searchSubscribers,
  updateSubscriber,
  type ConsentRecord,
  type Subscriber,
  type SubscriberFilter,
} from '../../subscribers/subscribers.ts';
import { formatNumber } from '../format.ts';
import { field, fieldError, formProblem, pageContext, readForm, redirectWithNotice, type FormProblem } from '../http.ts';
import { can, Empty, ErrorSummary, Layout, Pager, PostForm, StatusBadge, When, ZoneNote, type PageContext } from '../layout.tsx';
import {
  createInputFromForm,
  emptySubscriberValues,
  subscriberValues,
  subscriberValuesFromForm,
  updateInputFromForm,
  type SubscriberFormValues,
} from '../subscriber-form.ts';

const PAGE_SIZE = 50;
const CONSENT_PAGE_SIZE = 25;

const statusChoices: Array<{ value: SubscriberStatus | SubscriptionStatus; label: string }> = [
  { value: 'active', label: 'Active (may be mailed)' },
  { value: 'blocklisted', label: 'Blocklisted' },
  { value: 'confirmed', label: 'Confirmed on a list' },
  { value: 'unconfirmed', label: 'Waiting to confirm' },
  { value: 'unsubscribed', label: 'Unsubscribed from a list' },
];

const organisationTypeLabels: Record<string, string> = {
  government: 'Government',
  ngo: 'Non-governmental organisation',
  academia: 'Academia',
  international_organisation: 'International organisation',
  private_sector: 'Private sector',
  other: 'Other',
};

const consentActionLabels: Record<string, string> = {
  subscribed: 'Subscribed',
  confirmation_sent: 'Confirmation message sent',
  confirmed: 'Confirmed',
  unsubscribed: 'Unsubscribed',
  resubscribed: 'Subscribed again',
  imported: 'Imported',
  edited: 'Edited by staff',
  blocklisted: 'Blocklisted',
  suppressed: 'Suppressed',
  unsuppressed: 'Suppression lifted',
  expired: 'Confirmation expired',
  erased: 'Erased',
};

/** The filter as the query string carries it: every value a string, empty when unused. */
interface FilterValues {
  q: string;
  list: string;
  status: string;
  country: string;
  topic: string;
}

function filterValues(c: Context<AppEnv>): FilterValues {
  const value = (name: string) => c.req.query(name)?.trim() ?? '';
  return { q: value('q'), list: value('list'), status: value('status'), country: value('country'), topic: value('topic') };
}

/** Checks the filter with the JSON API's query schema; empty fields are left out. */
function toFilter(values: FilterValues, page = 1): SubscriberFilter & { page: number; pageSize: number } {
  const present = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== ''));
  return validate(subscriberQuery, { ...present, page: String(page), pageSize: String(PAGE_SIZE) }, 'The search');
}

function isFiltered(values: FilterValues): boolean {
  return Object.values(values).some((value) => value !== '');
}

function queryString(values: FilterValues): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

function Filters({ values, lists, topics }: { values: FilterValues; lists: List[]; topics: Topic[] }) {
  return (
    <form method="get" action="/console/subscribers" class="filters" role="search">
      <div>
        <label for="filter-q">Address or name contains</label>
        <input id="filter-q" type="search" name="q" value={values.q} maxlength={200} />
      </div>
      <div>
        <label for="filter-list">List</label>
        <select id="filter-list" name="list">
          <option value="">Any list</option>
          {lists.map((list) => (
            <option value={list.slug} selected={values.list === list.slug}>
              {list.name}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label for="filter-status">Status</label>
        <select id="filter-status" name="status">
          <option value="">Any status</option>
          {statusChoices.map((choice) => (
            <option value={choice.value} selected={values.status === choice.value}>
              {choice.label}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label for="filter-country">Country (as stored, e.g. KR)</label>
        <input id="filter-country" type="text" name="country" value={values.country} maxlength={100} />
      </div>
      <div>
        <label for="filter-topic">Topic</label>
        <select id="filter-topic" name="topic">
          <option value="">Any topic</option>
          {topics.map((topic) => (
            <option value={topic.slug} selected={values.topic === topic.slug}>
              {topic.name}
            </option>
          ))}
        </select>
      </div>
      <div class="buttons">
        <button type="submit">Search</button>
        {isFiltered(values) ? <a href="/console/subscribers">Clear the filters</a> : null}
      </div>
    </form>
  );
}

function Memberships({ subscriber }: { subscriber: Subscriber }) {
  if (subscriber.subscriptions.length === 0) return <span class="muted">no lists</span>;
  return (
    <>
      {subscriber.subscriptions.map((s, index) => (
        <>
          {index > 0 ? ' ' : ''}
          {s.list} <StatusBadge status={s.status} />
        </>
      ))}
    </>
  );
}

function SubscribersPage(props: {
  page: PageContext;
  values: FilterValues;
  lists: List[];
  topics: Topic[];
  subscribers: Subscriber[];
  total: number;
  pageNumber: number;
  problem?: FormProblem;
}) {
  const { page, values } = props;
  const filtered = isFiltered(values);
  const actions = (
    <>
      {can(page, 'editor') ? (
        <>
          <a class="button" href="/console/subscribers/new">
            Add a subscriber
          </a>{' '}
          <a class="button secondary" href="/console/subscribers/import">
            Import a CSV file
          </a>{' '}
        </>
      ) : null}
      <a class="button secondary" href={`/console/subscribers/export${queryString(values)}`} download>
        Export {filtered ? 'these' : 'all'} as CSV
      </a>
    </>
  );
  return (
    <Layout page={page} title="Subscribers" actions={actions}>
      <Filters values={values} lists={props.lists} topics={props.topics} />
      <ErrorSummary message={props.problem?.message} details={props.problem?.details} />
      {props.problem ? null : props.subscribers.length === 0 ? (
        filtered ? (
          <Empty title="No subscriber matches these filters">
            <p>
              Search for a shorter part of the address or name, pick another list or status, or <a href="/console/subscribers">clear the filters</a>.
            </p>
          </Empty>
        ) : (
          <Empty title="No subscribers yet">
            <p>
              {can(page, 'editor') ? (
                <>
                  <a href="/console/subscribers/new">Add a subscriber</a> or <a href="/console/subscribers/import">import a CSV file</a> of addresses. People can also sign up
                  on the public pages.
                </>
              ) : (
                'People appear here when they sign up on the public pages or an editor adds or imports them.'
              )}
            </p>
          </Empty>
        )
      ) : (
        <>
          <p class="muted">
            {formatNumber(props.total)} {props.total === 1 ? 'subscriber' : 'subscribers'}
            {filtered ? ' match' : ''}.
          </p>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Address</th>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Lists</th>
                  <th scope="col">Topics</th>
                  <th scope="col">
                    Added <ZoneNote page={page} />
                  </th>
                </tr>
              </thead>
              <tbody>
                {props.subscribers.map((subscriber) => (
                  <tr>
                    <td>
                      <a href={`/console/subscribers/${subscriber.id}`}>{subscriber.displayEmail}</a>
                    </td>
                    <td>{subscriber.name || <span class="muted">–</span>}</td>
                    <td>
                      <StatusBadge status={subscriber.status} />
                    </td>
                    <td>
                      <Memberships subscriber={subscriber} />
                    </td>
                    <td>{subscriber.topics.join(', ') || <span class="muted">–</span>}</td>
                    <td>
                      <When page={page} at={subscriber.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager base="/console/subscribers" page={props.pageNumber} pageSize={PAGE_SIZE} total={props.total} query={{ ...values }} />
        </>
      )}
    </Layout>
  );
}

function SubscriberFields(props: { values: SubscriberFormValues; lists: List[]; topics: Topic[]; problem?: FormProblem; current?: Subscriber }) {
  const { values, problem, current } = props;
  const emailError = fieldError(problem, 'email');
  const statusOf = new Map(current?.subscriptions.map((s) => [s.list, s.status]) ?? []);
  return (
    <>
      {current ? null : (
        <>
          <label for="subscriber-email">Email address</label>
          <input id="subscriber-email" type="email" name="email" required maxlength={254} value={values.email} aria-invalid={emailError ? 'true' : undefined} />
          {emailError ? (
            <span class="field-error">
              {emailError === 'already exists' ? (
                <>
                  A subscriber with this address exists: <a href={`/console/subscribers?q=${encodeURIComponent(values.email)}`}>find it</a> and edit it instead.
                </>
              ) : (
                emailError
              )}
            </span>
          ) : null}
        </>
      )}
      <label for="subscriber-name">Name (optional)</label>
      <input id="subscriber-name" type="text" name="name" maxlength={200} value={values.name} />

      <fieldset>
        <legend>Attributes</legend>
        <label for="subscriber-country">Country</label>
        <input id="subscriber-country" type="text" name="country" maxlength={100} value={values.country} />
        {fieldError(problem, 'attributes.country') ? <span class="field-error">{fieldError(problem, 'attributes.country')}</span> : null}
        <label for="subscriber-organisation">Organisation</label>
        <input id="subscriber-organisation" type="text" name="organisation" maxlength={300} value={values.organisation} />
        <label for="subscriber-organisation-type">Organisation type</label>
        <select id="subscriber-organisation-type" name="organisationType">
          <option value="">(not set)</option>
          {organisationTypes.map((type) => (
            <option value={type} selected={values.organisationType === type}>
              {organisationTypeLabels[type] ?? type}
            </option>
          ))}
        </select>
        <label for="subscriber-other">Other attributes (one "key: value" per line)</label>
        <textarea id="subscriber-other" name="otherAttributes" rows={4} aria-invalid={fieldError(problem, 'otherAttributes') ? 'true' : undefined}>
          {values.otherAttributes}
        </textarea>
        {fieldError(problem, 'otherAttributes') ? <span class="field-error">{fieldError(problem, 'otherAttributes')}</span> : null}
      </fieldset>

      <fieldset>
        <legend>Lists</legend>
        {props.lists.length === 0 ? (
          <p class="muted">
            There are no lists yet. <a href="/console/lists">Create one</a> first.
          </p>
        ) : (
          <>
            <p class="muted">
              {current
                ? 'A newly ticked list is confirmed at once and an unticked one is unsubscribed. Tick a list the person left only when they asked to join it again; the change is written to the consent history.'
                : 'Ticked lists are confirmed at once, without a confirmation message: add only people who agreed to receive them.'}
            </p>
            {props.lists.map((list) => (
              <label class="check">
                <input type="checkbox" name="lists" value={list.slug} checked={values.lists.includes(list.slug)} /> {list.name}{' '}
                <span class="muted">({list.slug})</span>
                {statusOf.get(list.slug) ? (
                  <>
                    {' '}
                    <StatusBadge status={statusOf.get(list.slug)!} />
                  </>
                ) : null}
              </label>
            ))}
          </>
        )}
      </fieldset>

      <fieldset>
        <legend>Topics</legend>
        {props.topics.length === 0 ? (
          <p class="muted">There are no topics yet.</p>
        ) : (
          props.topics.map((topic) => (
            <label class="check">
              <input type="checkbox" name="topics" value={topic.slug} checked={values.topics.includes(topic.slug)} /> {topic.name}
            </label>
          ))
        )}
      </fieldset>

      <label for="subscriber-status">Status</label>
      <select id="subscriber-status" name="status">
        <option value="active" selected={values.status !== 'blocklisted'}>
          Active: receives the lists above
        </option>
        <option value="blocklisted" selected={values.status === 'blocklisted'}>
          Blocklisted: receives nothing, and imports skip the address
        </option>
      </select>
    </>
  );
}

function NewSubscriberPage(props: { page: PageContext; values: SubscriberFormValues; lists: List[]; topics: Topic[]; problem?: FormProblem }) {
  return (
    <Layout page={props.page} title="Add a subscriber">
      <p>
        <a href="/console/subscribers">← Subscribers</a>
      </p>
      <PostForm page={props.page} action="/console/subscribers" class="card">
        <ErrorSummary message={props.problem?.message} details={props.problem?.details} />
        <SubscriberFields values={props.values} lists={props.lists} topics={props.topics} problem={props.problem} />
        <div class="buttons">
          <button type="submit">Add the subscriber</button>
        </div>
      </PostForm>
    </Layout>
  );
}

function EngagementFacts({ page, engagement }: { page: PageContext; engagement: SubscriberEngagement }) {
  return (
    <dl class="facts">
      <dt>Issues sent</dt>
      <dd>
        {formatNumber(engagement.sent)}
        {engagement.lastSentAt ? (
          <>
            {' '}
            (last <When page={page} at={engagement.lastSentAt} />)
          </>
        ) : null}
      </dd>
      <dt>Opens and clicks</dt>
      <dd>
        {formatNumber(engagement.opens)} opens, {formatNumber(engagement.clicks)} clicks
        {engagement.lastEngagedAt ? (
          <>
            {' '}
            (last <When page={page} at={engagement.lastEngagedAt} />)
          </>
        ) : null}
        <span class="muted"> · scanners and mail proxies are not counted</span>
      </dd>
      <dt>Bounces and complaints</dt>
      <dd>
        {formatNumber(engagement.bounced)} bounced, {formatNumber(engagement.complained)} complaints
      </dd>
    </dl>
  );
}

function attributeLabel(key: string): string {
  if (key === 'organisationType') return 'Organisation type';
  return key.charAt(0).toUpperCase() + key.slice(1);
}

function attributeValue(key: string, value: unknown): string {
  if (typeof value !== 'string') return JSON.stringify(value);
  if (key === 'organisationType') return organisationTypeLabels[value] ?? value;
  return value;
}

function consentBy(record: ConsentRecord): string {
  const details = record.details;
  if (typeof details.actor === 'string') return details.actor;
  if (typeof details.importId === 'string') return `import ${details.importId}${typeof details.line === 'number' ? `, line ${details.line}` : ''}`;
  return '';
}

function ConsentTable({ page, records }: { page: PageContext; records: ConsentRecord[] }) {
  if (records.length === 0) return <p class="muted">No consent changes are recorded for this subscriber.</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">
              When <ZoneNote page={page} />
            </th>
            <th scope="col">What</th>
            <th scope="col">Lists</th>
            <th scope="col">Through</th>
            <th scope="col">By</th>
            <th scope="col">IP address</th>
          </tr>
        </thead>
        <tbody>
          {records.map((record) => (
            <tr>
              <td>
                <When page={page} at={record.createdAt} />
              </td>
              <td>{consentActionLabels[record.action] ?? record.action}</td>
              <td>{record.lists.join(', ') || <span class="muted">–</span>}</td>
              <td>{record.source}</td>
              <td>{consentBy(record) || <span class="muted">–</span>}</td>
              <td>{record.ip ?? <span class="muted">–</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface SubscriberPageProps {
  page: PageContext;
  subscriber: Subscriber;
  lists: List[];
  topics: Topic[];
  engagement: SubscriberEngagement;
  suppression: string | undefined;
  consent: { items: ConsentRecord[]; total: number; page: number };
}

function SubscriberPage(props: SubscriberPageProps) {
  const { page, subscriber } = props;
  const listNames = new Map(props.lists.map((list) => [list.slug, list.name]));
  const topicNames = new Map(props.topics.map((topic) => [topic.slug, topic.name]));
  const editor = can(page, 'editor');
  const base = `/console/subscribers/${subscriber.id}`;
  const members = subscriber.subscriptions.filter((s) => s.status !== 'unsubscribed');
  const attributes = Object.entries(subscriber.attributes);
  const actions = editor ? (
    <a class="button" href={`${base}/edit`}>
      Edit
    </a>
  ) : undefined;
  return (
    <Layout page={page} title={subscriber.displayEmail} actions={actions}>
      <p>
        <a href="/console/subscribers">← Subscribers</a>
      </p>
      {props.suppression ? (
        <div class="error-summary" role="status">
          <p>
            This address is on the suppression list ({props.suppression.replace(/_/g, ' ')}), so no issue is sent to it whatever its lists say. See the{' '}
            <a href="/console/suppressions">suppression list</a> to lift it.
          </p>
        </div>
      ) : null}

      <div class="card">
        <dl class="facts">
          <dt>Name</dt>
          <dd>{subscriber.name || <span class="muted">not given</span>}</dd>
          <dt>Status</dt>
          <dd>
            <StatusBadge status={subscriber.status} />
          </dd>
          <dt>Added</dt>
          <dd>
            <When page={page} at={subscriber.createdAt} /> <ZoneNote page={page} />
          </dd>
          {attributes.length === 0 ? (
            <>
              <dt>Attributes</dt>
              <dd class="muted">none</dd>
            </>
          ) : (
            attributes.map(([key, value]) => (
              <>
                <dt>{attributeLabel(key)}</dt>
                <dd>{attributeValue(key, value)}</dd>
              </>
            ))
          )}
          <dt>Topics</dt>
          <dd>{subscriber.topics.map((slug) => topicNames.get(slug) ?? slug).join(', ') || <span class="muted">none</span>}</dd>
        </dl>
      </div>

      <h2>Lists</h2>
      {subscriber.subscriptions.length === 0 ? (
        <p class="muted">Not on any list.{editor ? ' Use Edit to add one.' : ''}</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">List</th>
                <th scope="col">Status</th>
                {editor ? <th scope="col">Action</th> : null}
              </tr>
            </thead>
            <tbody>
              {subscriber.subscriptions.map((s) => (
                <tr>
                  <td>
                    {listNames.get(s.list) ?? s.list} <span class="muted">({s.list})</span>
                  </td>
                  <td>
                    <StatusBadge status={s.status} />
                  </td>
                  {editor ? (
                    <td>
                      {s.status === 'unsubscribed' ? (
                        <span class="muted">–</span>
                      ) : (
                        <PostForm page={page} action={`${base}/unsubscribe`} class="inline">
                          <input type="hidden" name="list" value={s.list} />
                          <button type="submit" class="secondary">
                            Unsubscribe from {listNames.get(s.list) ?? s.list}
                          </button>
                        </PostForm>
                      )}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editor && members.length > 1 ? (
        <PostForm page={page} action={`${base}/unsubscribe`}>
          <input type="hidden" name="list" value="" />
          <button type="submit" class="secondary">
            Unsubscribe from every list
          </button>
        </PostForm>
      ) : null}

      <h2>Mail and engagement</h2>
      <EngagementFacts page={page} engagement={props.engagement} />

      <h2>Consent history</h2>
      <p class="muted">Every change to what this person agreed to, newest first: sign-ups, confirmations, unsubscribes, imports and staff edits.</p>
      <ConsentTable page={page} records={props.consent.items} />
      <Pager base={base} page={props.consent.page} pageSize={CONSENT_PAGE_SIZE} total={props.consent.total} />

      {editor ? (
        <>
          <h2>Erase</h2>
          <p>Erasing deletes everything stored about this person. Use it when they ask to be forgotten.</p>
          <p>
            <a class="button danger" href={`${base}/erase`}>
              Erase this subscriber…
            </a>
          </p>
        </>
      ) : null}
    </Layout>
  );
}

function EditSubscriberPage(props: { page: PageContext; subscriber: Subscriber; values: SubscriberFormValues; lists: List[]; topics: Topic[]; problem?: FormProblem }) {
  const base = `/console/subscribers/${props.subscriber.id}`;
  return (
    <Layout page={props.page} title={`Edit ${props.subscriber.displayEmail}`}>
      <p>
        <a href={base}>← Back to the subscriber</a>
      </p>
      <PostForm page={props.page} action={base} class="card">
        <ErrorSummary message={props.problem?.message} details={props.problem?.details} />
        <SubscriberFields values={props.values} lists={props.lists} topics={props.topics} problem={props.problem} current={props.subscriber} />
        <div class="buttons">
          <button type="submit">Save changes</button>
          <a href={base}>Cancel</a>
        </div>
      </PostForm>
    </Layout>
  );
}

function ErasePage(props: { page: PageContext; subscriber: Subscriber; consentTotal: number; problem?: FormProblem }) {
  const { page, subscriber } = props;
  const base = `/console/subscribers/${subscriber.id}`;
  return (
    <Layout page={page} title={`Erase ${subscriber.displayEmail}?`}>
      <p>
        <a href={base}>← Back to the subscriber</a>
      </p>
      <ErrorSummary message={props.problem?.message} />
      <div class="card">
        <p>Erasing cannot be undone. It deletes:</p>
        <ul>
          <li>the address, the name{Object.keys(subscriber.attributes).length > 0 ? ` and ${Object.keys(subscriber.attributes).length} attributes` : ''};</li>
          <li>
            {subscriber.subscriptions.length === 1 ? 'the membership of 1 list' : `the memberships of ${subscriber.subscriptions.length} lists`}
            {subscriber.subscriptions.length > 0 ? ` (${subscriber.subscriptions.map((s) => s.list).join(', ')})` : ''} and {subscriber.topics.length} topics;
          </li>
          <li>
            the IP addresses, browser details and other details of the {formatNumber(props.consentTotal)} consent history entries. The entries themselves stay, without a
            link to the person, as the record that consent was given and withdrawn.
          </li>
        </ul>
        <p>
          The address is kept only as a keyed hash on the suppression list, so an import of the same address later skips it. The person can still sign up again on the
          public pages, and must then confirm by email.
        </p>
        <PostForm page={page} action={`${base}/erase`}>
          <label class="check">
            <input type="checkbox" name="confirm" value="yes" required /> I understand that {subscriber.displayEmail} and the data above are deleted for good.
          </label>
          <div class="buttons">
            <button type="submit" class="danger">
              Erase the subscriber
            </button>
            <a href={base}>Keep the subscriber</a>
          </div>
        </PostForm>
      </div>
    </Layout>
  );
}

async function choices(c: Context<AppEnv>): Promise<{ lists: List[]; topics: Topic[] }> {
  const [lists, topics] = await Promise.all([listLists(c.var.deps.db), listTopics(c.var.deps.db)]);
  return { lists, topics };
}

async function subscriberPage(c: Context<AppEnv>, id: string) {
  const { deps } = c.var;
  const subscriber = await getSubscriber(deps.db, id);
  const consentPage = Math.max(1, Number(c.req.query('page')) || 1);
  const [{ lists, topics }, engagement, suppression, consent] = await Promise.all([
    choices(c),
    subscriberEngagement(deps.db, subscriber.id),
    suppressionOf(deps.db, deps.signer, subscriber.email),
    consentHistory(deps.db, subscriber.id, consentPage, CONSENT_PAGE_SIZE),
  ]);
  return c.html(<SubscriberPage page={pageContext(c)} subscriber={subscriber} lists={lists} topics={topics} engagement={engagement} suppression={suppression} consent={consent} />);
}

async function editPage(c: Context<AppEnv>, subscriber: Subscriber, values: SubscriberFormValues, problem?: FormProblem) {
  const { lists, topics } = await choices(c);
  return c.html(<EditSubscriberPage page={pageContext(c)} subscriber={subscriber} values={values} lists={lists} topics={topics} problem={problem} />, problem ? 422 : 200);
}

async function newPage(c: Context<AppEnv>, values: SubscriberFormValues, problem?: FormProblem) {
  const { lists, topics } = await choices(c);
  return c.html(<NewSubscriberPage page={pageContext(c)} values={values} lists={lists} topics={topics} problem={problem} />, problem ? 422 : 200);
}

export function registerSubscriberPages(app: Hono<AppEnv>): void {
  app.get('/subscribers', async (c) => {
    const values = filterValues(c);
    const pageNumber = Math.max(1, Number(c.req.query('page')) || 1);
    const { lists, topics } = await choices(c);
    const render = (result: { subscribers: Subscriber[]; total: number; problem?: FormProblem }, status: 200 | 422 = 200) =>
      c.html(<SubscribersPage page={pageContext(c)} values={values} lists={lists} topics={topics} pageNumber={pageNumber} {...result} />, status);
    try {
      const found = await searchSubscribers(c.var.deps.db, toFilter(values, pageNumber));
      return render({ subscribers: found.items, total: found.total });
    } catch (error) {
      return render({ subscribers: [], total: 0, problem: formProblem(error) }, 422);
    }
  });

  // The filtered view as CSV, through the same export as `/api/subscribers/export`.
  app.get('/subscribers/export', async (c) => {
    const filter = toFilter(filterValues(c));
    const query = validate(exportQuery, { list: filter.list, status: filter.status, q: filter.q, country: filter.country, topic: filter.topic }, 'The export');
    const stream = await exportSubscribersCsv(c.var.deps, query);
    return c.body(stream, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="subscribers${query.list ? `-${query.list}` : ''}.csv"`,
    });
  });

  app.get('/subscribers/new', (c) => newPage(c, emptySubscriberValues()));

  app.post('/subscribers', async (c) => {
    const values = subscriberValuesFromForm(await readForm(c));
    try {
      const subscriber = await createSubscriber(c.var.deps, createInputFromForm(values), staffContext(c));
      // The id only: an address in the audit log would outlive an erasure.
      c.set('auditDetails', { subscriberId: subscriber.id });
      return redirectWithNotice(c, `/console/subscribers/${subscriber.id}`, 'subscriber-created');
    } catch (error) {
      return newPage(c, values, formProblem(error));
    }
  });

  app.get('/subscribers/:id{[0-9]+}', (c) => subscriberPage(c, c.req.param('id')));

  app.get('/subscribers/:id{[0-9]+}/edit', async (c) => {
    const subscriber = await getSubscriber(c.var.deps.db, c.req.param('id'));
    return editPage(c, subscriber, subscriberValues(subscriber));
  });

  app.post('/subscribers/:id{[0-9]+}', async (c) => {
    const subscriber = await getSubscriber(c.var.deps.db, c.req.param('id'));
    const values = subscriberValuesFromForm(await readForm(c));
    try {
      await updateSubscriber(c.var.deps, subscriber.id, updateInputFromForm(values, subscriber), staffContext(c));
      return redirectWithNotice(c, `/console/subscribers/${subscriber.id}`, 'subscriber-saved');
    } catch (error) {
      return editPage(c, subscriber, values, formProblem(error));
    }
  });

  app.post('/subscribers/:id{[0-9]+}/unsubscribe', async (c) => {
    const { deps } = c.var;
    const subscriber = await getSubscriber(deps.db, c.req.param('id'));
    const slug = field(await readForm(c), 'list');
    const listIds = slug ? (await resolveLists(deps.db, [slug], { path: 'list' })).map((list) => list.id) : [];
    const left = await unsubscribe(deps, subscriber.id, listIds, staffContext(c), { actor: c.var.staff?.name });
    c.set('auditDetails', { subscriberId: subscriber.id, lists: left });
    let notice = slug ? 'unsubscribed-list' : 'unsubscribed';
    if (left.length === 0) notice = 'already-unsubscribed';
    return redirectWithNotice(c, `/console/subscribers/${subscriber.id}`, notice);
  });

  app.get('/subscribers/:id{[0-9]+}/erase', async (c) => {
    const subscriber = await getSubscriber(c.var.deps.db, c.req.param('id'));
    const consent = await consentHistory(c.var.deps.db, subscriber.id, 1, 1);
    return c.html(<ErasePage page={pageContext(c)} subscriber={subscriber} consentTotal={consent.total} />);
  });

  app.post('/subscribers/:id{[0-9]+}/erase', async (c) => {
    const { deps } = c.var;
    const subscriber = await getSubscriber(deps.db, c.req.param('id'));
    if (field(await readForm(c), 'confirm') !== 'yes') {
      const consent = await consentHistory(deps.db, subscriber.id, 1, 1);
      const problem = formProblem(new ValidationError('Nothing was erased: tick the box to confirm that the data is deleted for good, then press Erase again.'));
      return c.html(<ErasePage page={pageContext(c)} subscriber={subscriber} consentTotal={consent.total} problem={problem} />, 422);
    }
    await eraseSubscriber(deps, subscriber.id, staffContext(c));
    c.set('auditDetails', { subscriberId: subscriber.id });
    return redirectWithNotice(c, '/console/subscribers', 'erased');
  });
}
