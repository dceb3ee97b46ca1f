/** @jsxImportSource hono/jsx */
/**
 * Content: events, publications and news with filters, a form to add or edit one, and the
 * feeds they come from with each feed's recent errors. The pages call the content services
 * (`src/content`), so the console and `/api/content` validate alike.
 */
import type { Context, Hono } from 'hono';
import { contentKinds } from '../../content/entry.ts';
import { createFeed, getFeed, listFeedErrors, listFeeds, refreshFeed, type Feed } from '../../content/feeds.ts';
import { contentCreateSchema, createContent, deleteContent, getContent, listContent, updateContent, type ContentItem } from '../../content/items.ts';
import type { ContentKind } from '../../db/schema.ts';
import type { AppEnv } from '../../http/context.ts';
import { validate } from '../../http/validate.ts';
import { formatDateTime, timeZoneNames, toLocalInput } from '../format.ts';
import { field, fieldError, formProblem, pageContext, readForm, redirectWithNotice, type FormProblem, type FormValues } from '../http.ts';
import { ActionButton, can, Empty, ErrorSummary, Layout, Pager, PostForm, StatusBadge, When, ZoneNote, type PageContext } from '../layout.tsx';

const PAGE_SIZE = 25;

const kindLabels: Record<ContentKind, string> = { event: 'Event', publication: 'Publication', news: 'News' };

type ItemValues = Record<string, string>;

function valuesOf(item: ContentItem | undefined, timezone: string): ItemValues {
  if (!item) return { kind: 'event', timezone };
  const zone = item.timezone ?? timezone;
  const local = (value: string | null) => (value ? toLocalInput(new Date(value), zone) : '');
  return {
    kind: item.kind,
    title: item.title,
    url: item.url ?? '',
    summary: item.summary,
    startsAt: local(item.startsAt),
    endsAt: local(item.endsAt),
    publishedAt: local(item.publishedAt),
    timezone: zone,
    venue: item.venue ?? '',
    city: item.city ?? '',
    country: item.country ?? '',
    online: item.online ? '1' : '',
    topics: item.topics.join(', '),
    authors: item.authors.join(', '),
    registrationUrl: item.registrationUrl ?? '',
  };
}

function valuesFromForm(form: FormValues): ItemValues {
  const names = ['kind', 'title', 'url', 'summary', 'startsAt', 'endsAt', 'publishedAt', 'timezone', 'venue', 'city', 'country', 'online', 'topics', 'authors', 'registrationUrl'];
  return Object.fromEntries(names.map((name) => [name, field(form, name)]));
}

/** Maps the form to API fields: empty inputs are left out (null on update), lists are split on commas. */
function fieldsOf(values: ItemValues, forUpdate: boolean) {
  const emptyValue = forUpdate ? null : undefined;
  const text = (name: string) => values[name] || emptyValue;
  const list = (name: string) => (values[name] ?? '').split(',').map((part) => part.trim()).filter(Boolean);
  return {
    kind: values.kind as ContentKind,
    title: values.title ?? '',
    url: values.url || (forUpdate ? null : undefined),
    summary: values.summary ?? '',
    startsAt: text('startsAt'),
    endsAt: text('endsAt'),
    publishedAt: text('publishedAt'),
    timezone: values.timezone || 'UTC',
    venue: text('venue'),
    city: text('city'),
    country: text('country'),
    online: values.online === '1',
    topics: list('topics'),
    authors: list('authors'),
    registrationUrl: text('registrationUrl'),
  };
}

function Field(props: { id: string; name: string; label: string; hint?: string; values: ItemValues; problem?: FormProblem; type?: string; required?: boolean }) {
  const error = fieldError(props.problem, props.name);
  return (
    <>
      <label for={props.id}>
        {props.label} {props.hint ? <span class="hint">{props.hint}</span> : null}
      </label>
      <input id={props.id} name={props.name} type={props.type ?? 'text'} value={props.values[props.name] ?? ''} required={props.required} aria-invalid={error ? 'true' : undefined} aria-describedby={error ? `${props.id}-error` : undefined} />
      {error ? (
        <span class="field-error" id={`${props.id}-error`}>
          {error}
        </span>
      ) : null}
    </>
  );
}

function ItemForm(props: { page: PageContext; action: string; values: ItemValues; problem?: FormProblem; submit: string }) {
  const { values, problem } = props;
  return (
    <PostForm page={props.page} action={props.action} class="card" id="content-form">
      <ErrorSummary message={problem?.message} details={problem?.details} />
      <label for="item-kind">Kind</label>
      <select id="item-kind" name="kind">
        {contentKinds.map((kind) => (
          <option value={kind} selected={values.kind === kind}>
            {kindLabels[kind]}
          </option>
        ))}
      </select>
      <Field id="item-title" name="title" label="Title" values={values} problem={problem} required />
      <Field id="item-url" name="url" label="Link" hint="The page readers open, https://..." type="url" values={values} problem={problem} required />
      <label for="item-summary">
        Summary <span class="hint">A few sentences; for a publication, the abstract.</span>
      </label>
      <textarea id="item-summary" name="summary" rows={4}>
        {values.summary ?? ''}
      </textarea>
      <fieldset>
        <legend>When</legend>
        <label for="item-timezone">
          Time zone <span class="hint">The times below are read in this zone.</span>
        </label>
        <select id="item-timezone" name="timezone">
          {timeZoneNames().map((zone) => (
            <option value={zone} selected={zone === values.timezone}>
              {zone}
            </option>
          ))}
        </select>
        <Field id="item-starts" name="startsAt" label="Starts" hint="Events only: required for an event." type="datetime-local" values={values} problem={problem} />
        <Field id="item-ends" name="endsAt" label="Ends" type="datetime-local" values={values} problem={problem} />
        <Field id="item-published" name="publishedAt" label="Published" hint="Publications and news: leave empty for now." type="datetime-local" values={values} problem={problem} />
      </fieldset>
      <fieldset>
        <legend>Where (events)</legend>
        <Field id="item-venue" name="venue" label="Venue" values={values} problem={problem} />
        <Field id="item-city" name="city" label="City" values={values} problem={problem} />
        <Field id="item-country" name="country" label="Country" values={values} problem={problem} />
        <label class="check">
          <input type="checkbox" name="online" value="1" checked={values.online === '1'} /> Online
        </label>
        <Field id="item-registration" name="registrationUrl" label="Registration link" type="url" values={values} problem={problem} />
      </fieldset>
      <Field id="item-topics" name="topics" label="Topics" hint="Comma-separated, such as digital-government, open-data." values={values} problem={problem} />
      <Field id="item-authors" name="authors" label="Authors" hint="Publications: comma-separated." values={values} problem={problem} />
      <div class="buttons">
        <button type="submit">{props.submit}</button>
        <a href="/console/content">Cancel</a>
      </div>
    </PostForm>
  );
}

function ItemRows({ page, items }: { page: PageContext; items: ContentItem[] }) {
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Title</th>
            <th scope="col">Kind</th>
            <th scope="col">
              Date <ZoneNote page={page} />
            </th>
            <th scope="col">Topics</th>
            <th scope="col">Source</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr>
              <td>
                <a href={`/console/content/${item.id}`}>{item.title}</a>
              </td>
              <td>{kindLabels[item.kind]}</td>
              <td>
                <When page={page} at={item.kind === 'event' ? item.startsAt : (item.publishedAt ?? item.ingestedAt)} />
              </td>
              <td>{item.topics.join(', ')}</td>
              <td>{item.source}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function FeedRows({ page, feeds }: { page: PageContext; feeds: Feed[] }) {
  if (feeds.length === 0) {
    return (
      <Empty title="No feeds yet">
        <p>Add an RSS, Atom or JSON Feed address below and its entries arrive here on their own.</p>
      </Empty>
    );
  }
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Feed</th>
            <th scope="col">Kind</th>
            <th scope="col">
              Last fetched <ZoneNote page={page} />
            </th>
            <th scope="col">Status</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {feeds.map((feed) => (
            <tr>
              <td>
                <a href={`/console/content/feeds/${feed.id}`}>{feed.name || feed.url}</a>
              </td>
              <td>{kindLabels[feed.kind]}</td>
              <td>
                <When page={page} at={feed.lastFetchedAt} empty="not yet" />
              </td>
              <td>
                {feed.lastError ? (
                  <>
                    <StatusBadge status="failed" /> <span class="muted">{feed.errorCount} in a row: {feed.lastError}</span>
                  </>
                ) : (
                  <StatusBadge status="active" />
                )}
              </td>
              <td>{can(page, 'editor') ? <ActionButton page={page} action={`/console/content/feeds/${feed.id}/fetch`} label="Fetch now" /> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface ListData {
  items: ContentItem[];
  total: number;
  pageNumber: number;
  filters: { kind: string; q: string; topic: string };
  feeds: Feed[];
  values: ItemValues;
  problem?: FormProblem;
  feedProblem?: FormProblem;
  feedValues?: ItemValues;
}

function ContentPage({ page, data }: { page: PageContext; data: ListData }) {
  const { filters } = data;
  const filtered = Boolean(filters.kind || filters.q || filters.topic);
  return (
    <Layout page={page} title="Content" actions={can(page, 'editor') ? <a class="button" href="#add-item">Add an item</a> : undefined}>
      <form method="get" action="/console/content" class="filters" role="search">
        <div>
          <label for="filter-kind">Kind</label>
          <select id="filter-kind" name="kind">
            <option value="">All kinds</option>
            {contentKinds.map((kind) => (
              <option value={kind} selected={filters.kind === kind}>
                {kindLabels[kind]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="filter-q">Words</label>
          <input id="filter-q" name="q" type="search" value={filters.q} />
        </div>
        <div>
          <label for="filter-topic">Topic</label>
          <input id="filter-topic" name="topic" type="search" value={filters.topic} />
        </div>
        <button type="submit" class="secondary">
          Filter
        </button>
      </form>
      {data.items.length === 0 ? (
        <Empty title={filtered ? 'Nothing matches these filters' : 'No content yet'}>
          <p>{filtered ? 'Clear a filter to see more.' : 'Add an event or a publication below, or add a feed that brings them in.'}</p>
        </Empty>
      ) : (
        <ItemRows page={page} items={data.items} />
      )}
      <Pager base="/console/content" page={data.pageNumber} pageSize={PAGE_SIZE} total={data.total} query={filters} />

      <h2>Feeds</h2>
      <FeedRows page={page} feeds={data.feeds} />
      {can(page, 'editor') ? (
        <PostForm page={page} action="/console/content/feeds" class="card">
          <h3>Add a feed</h3>
          <ErrorSummary message={data.feedProblem?.message} />
          <label for="feed-url">Feed address</label>
          <input id="feed-url" name="url" type="url" required value={data.feedValues?.url ?? ''} />
          <label for="feed-kind">Its entries are</label>
          <select id="feed-kind" name="kind">
            {contentKinds.map((kind) => (
              <option value={kind} selected={data.feedValues?.kind === kind}>
                {kindLabels[kind]}
              </option>
            ))}
          </select>
          <div class="buttons">
            <button type="submit">Add feed</button>
          </div>
        </PostForm>
      ) : null}

      {can(page, 'editor') ? (
        <>
          <h2 id="add-item">Add an item</h2>
          <ItemForm page={page} action="/console/content" values={data.values} problem={data.problem} submit="Add item" />
        </>
      ) : null}
    </Layout>
  );
}

async function listData(c: Context<AppEnv>): Promise<ListData> {
  const { deps } = c.var;
  const pageNumber = Math.max(1, Number(c.req.query('page')) || 1);
  const kindQuery = c.req.query('kind') ?? '';
  const kind = (contentKinds as readonly string[]).includes(kindQuery) ? (kindQuery as ContentKind) : undefined;
  const filters = { kind: kind ?? '', q: c.req.query('q')?.trim() ?? '', topic: c.req.query('topic')?.trim() ?? '' };
  const [items, feeds] = await Promise.all([
    listContent(deps.db, { kind, q: filters.q || undefined, topic: filters.topic || undefined, page: pageNumber, pageSize: PAGE_SIZE }, deps.config.publicUrl),
    listFeeds(deps.db, 1, 100),
  ]);
  return { items: items.items, total: items.total, pageNumber, filters, feeds: feeds.items, values: valuesOf(undefined, c.var.session!.timezone) };
}

function ItemPage(props: { page: PageContext; item: ContentItem; values: ItemValues; problem?: FormProblem }) {
  const { page, item } = props;
  return (
    <Layout page={page} title={item.title}>
      <p>
        <a href="/console/content">← Content</a>
      </p>
      <dl class="facts">
        <dt>Kind</dt>
        <dd>{kindLabels[item.kind]}</dd>
        {item.startsAt ? (
          <>
            <dt>Starts</dt>
            <dd>
              {formatDateTime(item.startsAt, item.timezone ?? page.session.timezone)} ({item.timezone ?? page.session.timezone})
            </dd>
          </>
        ) : null}
        <dt>Link</dt>
        <dd>{item.url ? <a href={item.url}>{item.url}</a> : '–'}</dd>
        <dt>Source</dt>
        <dd>{item.source}</dd>
        <dt>Updated</dt>
        <dd>
          <When page={page} at={item.updatedAt} /> <ZoneNote page={page} />
        </dd>
      </dl>
      {can(page, 'editor') ? (
        <>
          <h2>Edit</h2>
          <ItemForm page={page} action={`/console/content/${item.id}`} values={props.values} problem={props.problem} submit="Save changes" />
          <h2>Delete</h2>
          <p>Issues already sent keep their copy. An item that came from a feed returns on the next fetch while the feed still lists it.</p>
          <ActionButton page={page} action={`/console/content/${item.id}/delete`} label="Delete this item" danger />
        </>
      ) : null}
    </Layout>
  );
}

export function registerContentPages(app: Hono<AppEnv>): void {
  app.get('/content', async (c) => c.html(<ContentPage page={pageContext(c)} data={await listData(c)} />));

  app.post('/content', async (c) => {
    const { deps } = c.var;
    const values = valuesFromForm(await readForm(c));
    try {
      const fields = validate(contentCreateSchema, fieldsOf(values, false));
      const item = await createContent(deps.db, fields, { now: deps.now(), publicUrl: deps.config.publicUrl, source: 'console' });
      c.set('auditDetails', { contentId: item.id, kind: item.kind, title: item.title });
      return redirectWithNotice(c, '/console/content', 'content-saved');
    } catch (error) {
      const problem = formProblem(error);
      return c.html(<ContentPage page={pageContext(c)} data={{ ...(await listData(c)), values, problem }} />, 422);
    }
  });

  app.get('/content/:id{[0-9]+}', async (c) => {
    const item = await getContent(c.var.deps.db, c.req.param('id'), c.var.deps.config.publicUrl);
    return c.html(<ItemPage page={pageContext(c)} item={item} values={valuesOf(item, c.var.session!.timezone)} />);
  });

  app.post('/content/:id{[0-9]+}', async (c) => {
    const { deps } = c.var;
    const id = c.req.param('id');
    const values = valuesFromForm(await readForm(c));
    try {
      await updateContent(deps.db, id, fieldsOf(values, true), { now: deps.now(), publicUrl: deps.config.publicUrl, source: 'console' });
      return redirectWithNotice(c, `/console/content/${id}`, 'content-saved');
    } catch (error) {
      const problem = formProblem(error);
      const item = await getContent(deps.db, id, deps.config.publicUrl);
      return c.html(<ItemPage page={pageContext(c)} item={item} values={values} problem={problem} />, 422);
    }
  });

  app.post('/content/:id{[0-9]+}/delete', async (c) => {
    await deleteContent(c.var.deps.db, c.req.param('id'));
    return redirectWithNotice(c, '/console/content', 'deleted');
  });

  app.post('/content/feeds', async (c) => {
    const form = await readForm(c);
    const feedValues = { url: field(form, 'url'), kind: field(form, 'kind') };
    try {
      const kind = (contentKinds as readonly string[]).includes(feedValues.kind) ? (feedValues.kind as ContentKind) : 'publication';
      const result = await createFeed(c.var.deps, { url: feedValues.url, kind });
      c.set('auditDetails', { feedId: result.feed.id, url: result.feed.url });
      return redirectWithNotice(c, `/console/content/feeds/${result.feed.id}`, 'feed-added');
    } catch (error) {
      const feedProblem = formProblem(error);
      return c.html(<ContentPage page={pageContext(c)} data={{ ...(await listData(c)), feedProblem, feedValues }} />, 422);
    }
  });

  app.get('/content/feeds/:id{[0-9]+}', async (c) => {
    const page = pageContext(c);
    const feed = await getFeed(c.var.deps.db, c.req.param('id'));
    const [errors, items] = await Promise.all([
      listFeedErrors(c.var.deps.db, feed.id, 1, 20),
      listContent(c.var.deps.db, { feedId: feed.id, page: 1, pageSize: PAGE_SIZE }, c.var.deps.config.publicUrl),
    ]);
    return c.html(
      <Layout page={page} title={`Feed: ${feed.name || feed.url}`}>
        <p>
          <a href="/console/content">← Content</a>
        </p>
        <dl class="facts">
          <dt>Address</dt>
          <dd>{feed.url}</dd>
          <dt>Fetched every</dt>
          <dd>{feed.pollMinutes} minutes</dd>
          <dt>Last success</dt>
          <dd>
            <When page={page} at={feed.lastSuccessAt} empty="never" />
          </dd>
          <dt>Next fetch</dt>
          <dd>
            <When page={page} at={feed.nextFetchAt} /> <ZoneNote page={page} />
          </dd>
        </dl>
        {can(page, 'editor') ? <ActionButton page={page} action={`/console/content/feeds/${feed.id}/fetch`} label="Fetch now" /> : null}
        <h2>Recent errors</h2>
        {errors.items.length === 0 ? (
          <Empty title="No errors">
            <p>Every fetch of this feed has worked.</p>
          </Empty>
        ) : (
          <ul>
            {errors.items.map((error) => (
              <li>
                <When page={page} at={error.createdAt} />: {error.kind}
                {error.httpStatus ? ` (HTTP ${error.httpStatus})` : ''}: {error.message}
              </li>
            ))}
          </ul>
        )}
        <h2>Its items</h2>
        {items.items.length === 0 ? <Empty title="No items from this feed yet" /> : <ItemRows page={page} items={items.items} />}
      </Layout>,
    );
  });

  app.post('/content/feeds/:id{[0-9]+}/fetch', async (c) => {
    const id = c.req.param('id');
    try {
      await refreshFeed(c.var.deps, id);
      return redirectWithNotice(c, `/console/content/feeds/${id}`, 'feed-fetched');
    } catch (error) {
      // The failure is already in the feed's error history, which the feed page lists.
      formProblem(error);
      c.get('log').warn({ err: error, feedId: id }, 'feed fetch from the console failed');
      return redirectWithNotice(c, `/console/content/feeds/${id}`, 'feed-failed');
    }
  });
}
