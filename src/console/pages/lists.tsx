/** @jsxImportSource hono/jsx */
/**
 * Lists and topics: every list with its subscriptions by status and every topic with its
 * followers. Editors create, edit and delete both. Deleting needs a confirmation, which states
 * what happens to the memberships and what still names the list.
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { ConflictError } from '../../errors.ts';
import type { AppEnv } from '../../http/context.ts';
import { validate } from '../../http/validate.ts';
import {
  createList,
  createTopic,
  deleteList,
  deleteTopic,
  getList,
  getTopic,
  listLists,
  listReferences,
  listTopicsWithFollowers,
  renameTopic,
  subscriptionCounts,
  subscriptionCountsByList,
  updateList,
  type List,
  type ListReferences,
  type SubscriptionCounts,
  type TopicWithFollowers,
} from '../../lists/lists.ts';
import { listInput } from '../../lists/routes.ts';
import { formatNumber } from '../format.ts';
import { field, fieldError, formProblem, pageContext, readForm, redirectWithNotice, type FormProblem, type FormValues } from '../http.ts';
import { can, Empty, ErrorSummary, Layout, PostForm, type PageContext } from '../layout.tsx';

const topicInput = z.object({
  name: z.string().trim().min(1, 'expected a name').max(200, 'expected at most 200 characters'),
  slug: listInput.shape.slug,
});
const topicRename = topicInput.pick({ name: true });

const optInLabels = {
  single: 'Single opt-in: a sign-up is confirmed at once',
  double: 'Double opt-in: a sign-up is confirmed by a link sent by email',
} as const;

const visibilityLabels = {
  public: 'Public: offered on the sign-up form and the preferences page',
  private: 'Private: only staff and imports add people',
} as const;

/** `1 membership`, `4 memberships`. */
function counted(count: number, singular: string, plural = `${singular}s`): string {
  return `${formatNumber(count)} ${count === 1 ? singular : plural}`;
}

function OptionalError({ problem, path }: { problem?: FormProblem; path: string }) {
  const message = fieldError(problem, path);
  return message ? <span class="field-error">{message}</span> : null;
}

/** Renders the fields of a list. On the edit form the slug is shown but fixed. */
function ListFields(props: { values: FormValues; problem?: FormProblem; prefix: string; slugFixed?: boolean }) {
  const { values, problem, prefix } = props;
  const optIn = field(values, 'optIn') || 'single';
  const visibility = field(values, 'visibility') || 'public';
  return (
    <>
      <label for={`${prefix}-name`}>Name</label>
      <input id={`${prefix}-name`} name="name" type="text" required maxlength={200} value={field(values, 'name')} />
      <OptionalError problem={problem} path="name" />
      {props.slugFixed ? (
        <p>
          Slug: <code>{field(values, 'slug')}</code>{' '}
          <span class="hint">Campaigns, digests, segments and sign-up forms name the list by its slug, so it cannot be changed here.</span>
        </p>
      ) : (
        <>
          <label for={`${prefix}-slug`}>
            Slug <span class="hint">Lower-case letters, digits and hyphens, such as monthly-news. Forms and the API name the list by it; it cannot be changed later here.</span>
          </label>
          <input id={`${prefix}-slug`} name="slug" type="text" required maxlength={64} pattern="[a-z0-9]+(-[a-z0-9]+)*" value={field(values, 'slug')} />
          <OptionalError problem={problem} path="slug" />
        </>
      )}
      <label for={`${prefix}-description`}>
        Description <span class="hint">Shown to readers beside the list on the sign-up form. Optional.</span>
      </label>
      <textarea id={`${prefix}-description`} name="description" rows={3} maxlength={2000}>
        {field(values, 'description')}
      </textarea>
      <OptionalError problem={problem} path="description" />
      <fieldset>
        <legend>Sign-up confirmation</legend>
        {(['single', 'double'] as const).map((value) => (
          <label class="check">
            <input type="radio" name="optIn" value={value} checked={optIn === value} /> {optInLabels[value]}
          </label>
        ))}
        <p class="hint">Changing this affects new sign-ups only; existing subscriptions keep their status.</p>
      </fieldset>
      <fieldset>
        <legend>Visibility</legend>
        {(['public', 'private'] as const).map((value) => (
          <label class="check">
            <input type="radio" name="visibility" value={value} checked={visibility === value} /> {visibilityLabels[value]}
          </label>
        ))}
      </fieldset>
    </>
  );
}

function valuesOf(list: List): FormValues {
  return { name: list.name, slug: list.slug, description: list.description, optIn: list.optIn, visibility: list.visibility };
}

interface OverviewData {
  lists: Array<List & { counts: SubscriptionCounts }>;
  topics: TopicWithFollowers[];
  listValues?: FormValues;
  listProblem?: FormProblem;
  topicValues?: FormValues;
  topicProblem?: FormProblem;
}

function ListsPage({ page, data }: { page: PageContext; data: OverviewData }) {
  const editor = can(page, 'editor');
  return (
    <Layout page={page} title="Lists and topics">
      <p>
        A list is what a reader subscribes to and what an issue is sent to. A topic is an interest a reader follows; an issue can go only to those who follow
        some topics.
      </p>

      <h2 id="lists">Lists</h2>
      {data.lists.length === 0 ? (
        <Empty title="No lists yet">
          <p>{editor ? 'Create the first list with the form below; issues are sent to lists.' : 'An editor or administrator can create one.'}</p>
        </Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">List</th>
                <th scope="col">Confirmation</th>
                <th scope="col">Visibility</th>
                <th scope="col" class="num">
                  Confirmed
                </th>
                <th scope="col" class="num">
                  Unconfirmed
                </th>
                <th scope="col" class="num">
                  Unsubscribed
                </th>
              </tr>
            </thead>
            <tbody>
              {data.lists.map((list) => (
                <tr>
                  <td>
                    <a href={`/console/lists/${list.id}`}>{list.name}</a> <span class="muted">({list.slug})</span>
                    {list.description ? <div class="muted">{list.description}</div> : null}
                  </td>
                  <td>{list.optIn === 'double' ? 'double opt-in' : 'single opt-in'}</td>
                  <td>{list.visibility}</td>
                  <td class="num">{formatNumber(list.counts.confirmed)}</td>
                  <td class="num">{formatNumber(list.counts.unconfirmed)}</td>
                  <td class="num">{formatNumber(list.counts.unsubscribed)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2 id="topics">Topics</h2>
      {data.topics.length === 0 ? (
        <Empty title="No topics yet">
          <p>
            {editor
              ? 'Create a topic below; readers can then follow it, and content tagged with its slug reaches them.'
              : 'An editor or administrator can create one.'}
          </p>
        </Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Topic</th>
                <th scope="col">Slug</th>
                <th scope="col" class="num">
                  Followers
                </th>
              </tr>
            </thead>
            <tbody>
              {data.topics.map((topic) => (
                <tr>
                  <td>
                    <a href={`/console/lists/topics/${topic.id}`}>{topic.name}</a>
                  </td>
                  <td>
                    <code>{topic.slug}</code>
                  </td>
                  <td class="num">{formatNumber(topic.followers)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {editor ? (
        <>
          <h2 id="new-list">New list</h2>
          <PostForm page={page} action="/console/lists" class="card">
            <ErrorSummary message={data.listProblem?.message} details={data.listProblem?.details} />
            <ListFields values={data.listValues ?? {}} problem={data.listProblem} prefix="list" />
            <div class="buttons">
              <button type="submit">Create list</button>
            </div>
          </PostForm>

          <h2 id="new-topic">New topic</h2>
          <PostForm page={page} action="/console/lists/topics" class="card">
            <ErrorSummary message={data.topicProblem?.message} details={data.topicProblem?.details} />
            <label for="topic-name">Name</label>
            <input id="topic-name" name="name" type="text" required maxlength={200} value={field(data.topicValues ?? {}, 'name')} />
            <OptionalError problem={data.topicProblem} path="name" />
            <label for="topic-slug">
              Slug <span class="hint">Content tagged "Open data" carries the slug open-data; use the same slug here so it reaches the topic's followers.</span>
            </label>
            <input id="topic-slug" name="slug" type="text" required maxlength={64} pattern="[a-z0-9]+(-[a-z0-9]+)*" value={field(data.topicValues ?? {}, 'slug')} />
            <OptionalError problem={data.topicProblem} path="slug" />
            <div class="buttons">
              <button type="submit">Create topic</button>
            </div>
          </PostForm>
        </>
      ) : null}
    </Layout>
  );
}

function CountsFacts({ counts }: { counts: SubscriptionCounts }) {
  return (
    <>
      <dt>Confirmed</dt>
      <dd>{formatNumber(counts.confirmed)}</dd>
      <dt>Unconfirmed</dt>
      <dd>{formatNumber(counts.unconfirmed)}</dd>
      <dt>Unsubscribed</dt>
      <dd>{formatNumber(counts.unsubscribed)}</dd>
    </>
  );
}

function ListPage(props: { page: PageContext; list: List; counts: SubscriptionCounts; values: FormValues; problem?: FormProblem }) {
  const { page, list } = props;
  return (
    <Layout page={page} title={`List: ${list.name}`}>
      <p>
        <a href="/console/lists">← Lists and topics</a>
      </p>
      <dl class="facts">
        <dt>Slug</dt>
        <dd>
          <code>{list.slug}</code>
        </dd>
        <dt>Confirmation</dt>
        <dd>{optInLabels[list.optIn]}</dd>
        <dt>Visibility</dt>
        <dd>{visibilityLabels[list.visibility]}</dd>
        <CountsFacts counts={props.counts} />
      </dl>
      {can(page, 'editor') ? (
        <>
          <h2>Edit</h2>
          <PostForm page={page} action={`/console/lists/${list.id}`} class="card">
            <ErrorSummary message={props.problem?.message} details={props.problem?.details} />
            <ListFields values={props.values} problem={props.problem} prefix="edit" slugFixed />
            <div class="buttons">
              <button type="submit">Save changes</button>
            </div>
          </PostForm>
          <h2>Delete</h2>
          <p>
            <a class="button secondary" href={`/console/lists/${list.id}/delete`}>
              Delete this list…
            </a>{' '}
            <span class="hint">The next page says what is removed and asks to confirm.</span>
          </p>
        </>
      ) : null}
    </Layout>
  );
}

function References({ references }: { references: ListReferences }) {
  if (references.digests.length === 0 && references.campaigns.length === 0) return null;
  return (
    <div class="warning">
      <p>These still name the list and will reach nobody through it afterwards; change their audience first if they should still go out:</p>
      <ul>
        {references.digests.map((digest) => (
          <li>digest "{digest.name}"</li>
        ))}
        {references.campaigns.map((campaign) => (
          <li>
            campaign <a href={`/console/campaigns/${campaign.id}`}>{campaign.subject}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}

function DeleteListPage(props: { page: PageContext; list: List; counts: SubscriptionCounts; references: ListReferences }) {
  const { page, list, counts } = props;
  const total = counts.confirmed + counts.unconfirmed + counts.unsubscribed;
  return (
    <Layout page={page} title={`Delete the list "${list.name}"?`}>
      <div class="card" role="alertdialog" aria-labelledby="delete-question">
        <p id="delete-question">
          Deleting <strong>{list.name}</strong> (<code>{list.slug}</code>) removes its <strong>{counted(total, 'membership')}</strong>:{' '}
          {formatNumber(counts.confirmed)} confirmed, {formatNumber(counts.unconfirmed)} unconfirmed and {formatNumber(counts.unsubscribed)} unsubscribed.
        </p>
        <p>
          The subscribers themselves stay, with their other lists, their topics and their consent history. Nobody is emailed. Issues already sent keep
          their reports. This cannot be undone: re-creating the list starts it empty.
        </p>
        <References references={props.references} />
        {can(page, 'editor') ? (
          <PostForm page={page} action={`/console/lists/${list.id}/delete`}>
            <div class="buttons">
              <button type="submit" class="danger">
                Delete the list and its {counted(total, 'membership')}
              </button>
              <a href={`/console/lists/${list.id}`}>Keep the list</a>
            </div>
          </PostForm>
        ) : (
          <p>Deleting needs the editor or administrator role.</p>
        )}
      </div>
    </Layout>
  );
}

function TopicPage(props: { page: PageContext; topic: TopicWithFollowers; values: FormValues; problem?: FormProblem }) {
  const { page, topic } = props;
  return (
    <Layout page={page} title={`Topic: ${topic.name}`}>
      <p>
        <a href="/console/lists#topics">← Lists and topics</a>
      </p>
      <dl class="facts">
        <dt>Slug</dt>
        <dd>
          <code>{topic.slug}</code>
        </dd>
        <dt>Followers</dt>
        <dd>{formatNumber(topic.followers)}</dd>
      </dl>
      {can(page, 'editor') ? (
        <>
          <h2>Rename</h2>
          <PostForm page={page} action={`/console/lists/topics/${topic.id}`} class="card">
            <ErrorSummary message={props.problem?.message} details={props.problem?.details} />
            <label for="topic-name">Name</label>
            <input id="topic-name" name="name" type="text" required maxlength={200} value={field(props.values, 'name')} />
            <OptionalError problem={props.problem} path="name" />
            <p class="hint">The slug stays: content items, feeds and digests name the topic by it.</p>
            <div class="buttons">
              <button type="submit">Save name</button>
            </div>
          </PostForm>
          <h2>Delete</h2>
          <p>
            <a class="button secondary" href={`/console/lists/topics/${topic.id}/delete`}>
              Delete this topic…
            </a>{' '}
            <span class="hint">The next page says what is removed and asks to confirm.</span>
          </p>
        </>
      ) : null}
    </Layout>
  );
}

function DeleteTopicPage({ page, topic }: { page: PageContext; topic: TopicWithFollowers }) {
  return (
    <Layout page={page} title={`Delete the topic "${topic.name}"?`}>
      <div class="card" role="alertdialog" aria-labelledby="delete-question">
        <p id="delete-question">
          Deleting <strong>{topic.name}</strong> (<code>{topic.slug}</code>) takes it off the interests of{' '}
          <strong>{counted(topic.followers, 'subscriber')}</strong>.
        </p>
        <p>
          The subscribers stay on their lists and keep their other topics. Content tagged <code>{topic.slug}</code> keeps the tag, but no reader follows it
          any more, so audiences and segments chosen by this topic reach nobody through it. This cannot be undone.
        </p>
        {can(page, 'editor') ? (
          <PostForm page={page} action={`/console/lists/topics/${topic.id}/delete`}>
            <div class="buttons">
              <button type="submit" class="danger">
                Delete the topic and its {counted(topic.followers, 'follower')}
              </button>
              <a href={`/console/lists/topics/${topic.id}`}>Keep the topic</a>
            </div>
          </PostForm>
        ) : (
          <p>Deleting needs the editor or administrator role.</p>
        )}
      </div>
    </Layout>
  );
}

async function overview(c: Context<AppEnv>, extra: Partial<OverviewData> = {}, status: 200 | 409 | 422 = 200) {
  const { db } = c.var.deps;
  const [lists, counts, topics] = await Promise.all([listLists(db), subscriptionCountsByList(db), listTopicsWithFollowers(db)]);
  const withCounts = lists.map((list) => ({ ...list, counts: counts.get(list.id) ?? { confirmed: 0, unconfirmed: 0, unsubscribed: 0 } }));
  return c.html(<ListsPage page={pageContext(c)} data={{ lists: withCounts, topics, ...extra }} />, status);
}

async function listPage(c: Context<AppEnv>, values?: FormValues, problem?: FormProblem, status: 200 | 409 | 422 = 200) {
  const { db } = c.var.deps;
  const list = await getList(db, c.req.param('id')!);
  const counts = await subscriptionCounts(db, list.id);
  return c.html(<ListPage page={pageContext(c)} list={list} counts={counts} values={values ?? valuesOf(list)} problem={problem} />, status);
}

async function topicPage(c: Context<AppEnv>, values?: FormValues, problem?: FormProblem, status: 200 | 422 = 200) {
  const topic = await getTopic(c.var.deps.db, c.req.param('id')!);
  return c.html(<TopicPage page={pageContext(c)} topic={topic} values={values ?? { name: topic.name }} problem={problem} />, status);
}

/** Returns the status of a form error: 409 for a taken slug, 422 for invalid input. */
function statusOf(error: unknown): 409 | 422 {
  return error instanceof ConflictError ? 409 : 422;
}

export function registerListPages(app: Hono<AppEnv>): void {
  app.get('/lists', (c) => overview(c));

  app.post('/lists', async (c) => {
    const values = await readForm(c);
    try {
      const input = validate(
        listInput,
        {
          name: field(values, 'name'),
          slug: field(values, 'slug'),
          description: field(values, 'description'),
          optIn: field(values, 'optIn') || 'single',
          visibility: field(values, 'visibility') || 'public',
        },
        'The list',
      );
      const list = await createList(c.var.deps.db, input);
      c.set('auditDetails', { listId: list.id, slug: list.slug, optIn: list.optIn, visibility: list.visibility });
      return redirectWithNotice(c, `/console/lists/${list.id}`, 'created');
    } catch (error) {
      const problem = formProblem(error);
      return overview(c, { listValues: values, listProblem: problem }, statusOf(error));
    }
  });

  app.get('/lists/:id{[0-9]+}', (c) => listPage(c));

  app.post('/lists/:id{[0-9]+}', async (c) => {
    const values = await readForm(c);
    const list = await getList(c.var.deps.db, c.req.param('id'));
    try {
      const input = validate(
        listInput.omit({ slug: true }),
        {
          name: field(values, 'name'),
          description: field(values, 'description'),
          optIn: field(values, 'optIn') || list.optIn,
          visibility: field(values, 'visibility') || list.visibility,
        },
        'The list',
      );
      const updated = await updateList(c.var.deps.db, list.id, input);
      c.set('auditDetails', { listId: list.id, slug: list.slug, optIn: updated.optIn, visibility: updated.visibility });
      return redirectWithNotice(c, `/console/lists/${list.id}`, 'saved');
    } catch (error) {
      const problem = formProblem(error);
      return listPage(c, { ...values, slug: list.slug }, problem, statusOf(error));
    }
  });

  app.get('/lists/:id{[0-9]+}/delete', async (c) => {
    const { db } = c.var.deps;
    const list = await getList(db, c.req.param('id'));
    const [counts, references] = await Promise.all([subscriptionCounts(db, list.id), listReferences(db, list.slug)]);
    return c.html(<DeleteListPage page={pageContext(c)} list={list} counts={counts} references={references} />);
  });

  app.post('/lists/:id{[0-9]+}/delete', async (c) => {
    const { db } = c.var.deps;
    const list = await getList(db, c.req.param('id'));
    const counts = await subscriptionCounts(db, list.id);
    await deleteList(db, list.id);
    c.set('auditDetails', { listId: list.id, slug: list.slug, memberships: counts });
    return redirectWithNotice(c, '/console/lists', 'list-deleted');
  });

  app.post('/lists/topics', async (c) => {
    const values = await readForm(c);
    try {
      const input = validate(topicInput, { name: field(values, 'name'), slug: field(values, 'slug') }, 'The topic');
      const topic = await createTopic(c.var.deps.db, input);
      c.set('auditDetails', { topicId: topic.id, slug: topic.slug });
      return redirectWithNotice(c, `/console/lists/topics/${topic.id}`, 'created');
    } catch (error) {
      const problem = formProblem(error);
      return overview(c, { topicValues: values, topicProblem: problem }, statusOf(error));
    }
  });

  app.get('/lists/topics/:id{[0-9]+}', (c) => topicPage(c));

  app.post('/lists/topics/:id{[0-9]+}', async (c) => {
    const values = await readForm(c);
    try {
      const input = validate(topicRename, { name: field(values, 'name') }, 'The topic');
      const topic = await renameTopic(c.var.deps.db, c.req.param('id'), input.name);
      c.set('auditDetails', { topicId: topic.id, slug: topic.slug });
      return redirectWithNotice(c, `/console/lists/topics/${topic.id}`, 'saved');
    } catch (error) {
      return topicPage(c, values, formProblem(error), 422);
    }
  });

  app.get('/lists/topics/:id{[0-9]+}/delete', async (c) => {
    const topic = await getTopic(c.var.deps.db, c.req.param('id'));
    return c.html(<DeleteTopicPage page={pageContext(c)} topic={topic} />);
  });

  app.post('/lists/topics/:id{[0-9]+}/delete', async (c) => {
    const topic = await getTopic(c.var.deps.db, c.req.param('id'));
    await deleteTopic(c.var.deps.db, topic.id);
    c.set('auditDetails', { topicId: topic.id, slug: topic.slug, followers: topic.followers });
    return redirectWithNotice(c, '/console/lists', 'topic-deleted');
  });
}
