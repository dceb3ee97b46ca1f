/** @jsxImportSource hono/jsx */
/**
 * Segments: saved rules with their live counts, a rule builder that works as a plain form
 * (rows of condition and value, or the rule as JSON), and the audience count the compose page
 * and the builder ask for while the form changes.
 */
import type { Context, Hono } from 'hono';
import type { AppEnv } from '../../http/context.ts';
import { countAudience } from '../../segments/audience.ts';
import type { Rule } from '../../segments/rule.ts';
import { countSegment, createSegment, deleteSegment, getSegment, listSegments, unknownSlugs, updateSegment, type Segment } from '../../segments/segments.ts';
import { ValidationError } from '../../errors.ts';
import { audienceFromForm, BUILDER_ROWS, conditionChoices, isEmptyAudience, ruleFromForm, rowsFromRule } from '../audience-form.ts';
import { formatNumber } from '../format.ts';
import { field, formProblem, pageContext, readForm, redirectWithNotice, type FormProblem, type FormValues } from '../http.ts';
import { ActionButton, can, Empty, ErrorSummary, Layout, Pager, PostForm, When, ZoneNote, type PageContext } from '../layout.tsx';

interface SegmentFormValues {
  name: string;
  description: string;
  match: string;
  rows: Array<{ condition: string; value: string }>;
  ruleJson: string;
}

function valuesFor(segment: Segment | undefined): SegmentFormValues {
  if (!segment) return { name: '', description: '', match: 'all', rows: [], ruleJson: '' };
  const rows = rowsFromRule(segment.rule);
  return {
    name: segment.name,
    description: segment.description,
    match: rows?.match ?? 'all',
    rows: rows?.rows ?? [],
    ruleJson: rows ? '' : JSON.stringify(segment.rule, null, 2),
  };
}

function valuesFromForm(form: FormValues): SegmentFormValues {
  const conditions = [form.condition ?? []].flat();
  const values = [form.value ?? []].flat();
  return {
    name: field(form, 'name'),
    description: field(form, 'description'),
    match: field(form, 'match') || 'all',
    rows: conditions.map((condition, index) => ({ condition, value: values[index] ?? '' })),
    ruleJson: field(form, 'ruleJson'),
  };
}

const matchLabels: Record<string, string> = {
  all: 'all of these conditions',
  any: 'any of these conditions',
  none: 'none of these conditions',
};

function SegmentForm(props: { page: PageContext; action: string; values: SegmentFormValues; problem?: FormProblem; count?: number; submit: string }) {
  const { page, values } = props;
  const rows = Array.from({ length: BUILDER_ROWS }, (_, index) => values.rows[index] ?? { condition: '', value: '' });
  return (
    <PostForm page={page} action={props.action} class="card" id="segment-form">
      <ErrorSummary message={props.problem?.message} details={props.problem?.details} />
      <label for="segment-name">Name</label>
      <input id="segment-name" type="text" name="name" required maxlength={200} value={values.name} />
      <label for="segment-description">Description (optional)</label>
      <input id="segment-description" type="text" name="description" maxlength={2000} value={values.description} />

      <fieldset>
        <legend>Rule</legend>
        <label for="segment-match">Subscribers who match</label>
        <select id="segment-match" name="match">
          {Object.entries(matchLabels).map(([key, label]) => (
            <option value={key} selected={values.match === key}>
              {label}
            </option>
          ))}
        </select>
        <table class="rule-rows">
          <thead>
            <tr>
              <th scope="col">Condition</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, index) => (
              <tr>
                <td>
                  <select name="condition" aria-label={`Condition ${index + 1}`}>
                    <option value="">(not used)</option>
                    {conditionChoices.map((choice) => (
                      <option value={choice.key} selected={row.condition === choice.key}>
                        {choice.label}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <input type="text" name="value" aria-label={`Value ${index + 1}`} value={row.value} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <details open={values.ruleJson !== ''}>
          <summary>Write the rule as JSON instead</summary>
          <p class="muted">
            For nested groups and custom attributes. When this box is filled it replaces the rows above. Example:{' '}
            <code>{'{"all":[{"field":"country","op":"in","value":["KR","FR"]}]}'}</code>
          </p>
          <label for="segment-json">Rule (JSON)</label>
          <textarea id="segment-json" name="ruleJson" rows={6}>
            {values.ruleJson}
          </textarea>
        </details>
      </fieldset>

      <p class="count" aria-live="polite">
        Matching sendable subscribers:{' '}
        <strong data-count-url="/console/segments/count" data-stale={props.count === undefined ? 'true' : undefined}>
          {props.count === undefined ? 'press Count' : formatNumber(props.count)}
        </strong>
      </p>
      <div class="buttons">
        <button type="submit" name="intent" value="save">
          {props.submit}
        </button>
        <button type="submit" name="intent" value="count" class="secondary">
          Count
        </button>
      </div>
    </PostForm>
  );
}

function SegmentsPage(props: { page: PageContext; segments: Array<Segment & { count: number }>; total: number; pageNumber: number; values: SegmentFormValues; problem?: FormProblem; count?: number }) {
  const { page } = props;
  return (
    <Layout page={page} title="Segments">
      <p>A segment picks subscribers by what they are (country, organisation, topics) or what they did (opened, clicked, bounced). Counts leave out suppressed, unconfirmed and inactive addresses: they are the number a send would reach.</p>
      {props.segments.length === 0 ? (
        <Empty title="No segments yet">
          <p>{can(page, 'editor') ? 'Build the first one with the form below.' : 'An editor can build one.'}</p>
        </Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Segment</th>
                <th scope="col" class="num">
                  Sendable now
                </th>
                <th scope="col">
                  Changed <ZoneNote page={page} />
                </th>
              </tr>
            </thead>
            <tbody>
              {props.segments.map((segment) => (
                <tr>
                  <td>
                    <a href={`/console/segments/${segment.id}`}>{segment.name}</a>
                    {segment.description ? <span class="muted"> · {segment.description}</span> : null}
                  </td>
                  <td class="num">{formatNumber(segment.count)}</td>
                  <td>
                    <When page={page} at={segment.updatedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager base="/console/segments" page={props.pageNumber} pageSize={50} total={props.total} />
      {can(page, 'editor') ? (
        <>
          <h2>New segment</h2>
          <SegmentForm page={page} action="/console/segments" values={props.values} problem={props.problem} count={props.count} submit="Save segment" />
        </>
      ) : null}
    </Layout>
  );
}

function SegmentPage(props: { page: PageContext; segment: Segment; count: number; values: SegmentFormValues; problem?: FormProblem; formCount?: number }) {
  const { page, segment } = props;
  return (
    <Layout page={page} title={`Segment: ${segment.name}`}>
      <p>
        <a href="/console/segments">← Segments</a>
      </p>
      <p>
        <strong>{formatNumber(props.count)}</strong> sendable subscribers match now.
      </p>
      <h2>Rule</h2>
      <pre class="code">{JSON.stringify(segment.rule, null, 2)}</pre>
      {can(page, 'editor') ? (
        <>
          <h2>Edit</h2>
          <SegmentForm page={page} action={`/console/segments/${segment.id}`} values={props.values} problem={props.problem} count={props.formCount} submit="Save changes" />
          <h2>Delete</h2>
          <p>A segment that a draft, scheduled or sending campaign still targets cannot be deleted.</p>
          <ActionButton page={page} action={`/console/segments/${segment.id}/delete`} label="Delete this segment" danger />
        </>
      ) : null}
    </Layout>
  );
}

async function withCounts(c: Context<AppEnv>, segments: Segment[]): Promise<Array<Segment & { count: number }>> {
  const now = c.var.deps.now();
  return Promise.all(segments.map(async (segment) => ({ ...segment, count: await countSegment(c.var.deps.db, segment.id, { now }) })));
}

/** Validates the builder's rule and names unknown list or topic slugs; returns the rule. */
async function checkedRule(c: Context<AppEnv>, form: FormValues): Promise<Rule> {
  const rule = ruleFromForm(form);
  if (!rule) throw new ValidationError('The rule is empty: fill at least one row (a condition and its value) or write the rule as JSON.', [{ path: 'value', message: 'expected at least one condition' }]);
  const issues = await unknownSlugs(c.var.deps.db, rule);
  if (issues.length > 0) throw new ValidationError(`${issues[0]!.message}. Check the slug on the Lists and topics page.`, issues);
  return rule;
}

async function listPage(c: Context<AppEnv>, extra: { values?: SegmentFormValues; problem?: FormProblem; count?: number } = {}, status: 200 | 422 = 200) {
  const pageNumber = Math.max(1, Number(c.req.query('page')) || 1);
  const segments = await listSegments(c.var.deps.db, pageNumber, 50);
  return c.html(
    <SegmentsPage
      page={pageContext(c)}
      segments={await withCounts(c, segments.items)}
      total={segments.total}
      pageNumber={pageNumber}
      values={extra.values ?? valuesFor(undefined)}
      problem={extra.problem}
      count={extra.count}
    />,
    status,
  );
}

export function registerSegmentPages(app: Hono<AppEnv>): void {
  app.get('/segments', (c) => listPage(c));

  // The live count: GET with the form's fields as the query, for the builder and compose.
  app.get('/segments/count', async (c) => {
    const form: FormValues = {};
    const url = new URL(c.req.url);
    for (const key of new Set(url.searchParams.keys())) form[key] = url.searchParams.getAll(key);
    try {
      const now = c.var.deps.now();
      const rule = 'condition' in form || 'ruleJson' in form ? ruleFromForm(form) : undefined;
      const audience = rule ? { rule } : audienceFromForm(form);
      if (rule) {
        const issues = await unknownSlugs(c.var.deps.db, rule);
        if (issues.length > 0) return c.json({ error: { code: 'invalid_input', message: issues[0]!.message } }, 422);
      }
      if (isEmptyAudience(audience)) return c.json({ count: 0, label: '0 (choose lists, a segment or topics)' });
      const count = await countAudience(c.var.deps.db, audience, { now });
      return c.json({ count, label: formatNumber(count) });
    } catch (error) {
      const problem = formProblem(error);
      return c.json({ error: { code: 'invalid_input', message: problem.message } }, 422);
    }
  });

  app.post('/segments', async (c) => {
    const form = await readForm(c);
    const values = valuesFromForm(form);
    try {
      const rule = await checkedRule(c, form);
      if (field(form, 'intent') === 'count') {
        return listPage(c, { values, count: await countAudience(c.var.deps.db, { rule }, { now: c.var.deps.now() }) });
      }
      const segment = await createSegment(c.var.deps.db, { name: values.name, description: values.description, rule }, c.var.staff?.name);
      c.set('auditDetails', { segmentId: segment.id, name: segment.name });
      return redirectWithNotice(c, `/console/segments/${segment.id}`, 'created');
    } catch (error) {
      return listPage(c, { values, problem: formProblem(error) }, 422);
    }
  });

  app.get('/segments/:id{[0-9]+}', async (c) => {
    const segment = await getSegment(c.var.deps.db, c.req.param('id'));
    const count = await countSegment(c.var.deps.db, segment.id, { now: c.var.deps.now() });
    return c.html(<SegmentPage page={pageContext(c)} segment={segment} count={count} values={valuesFor(segment)} />);
  });

  app.post('/segments/:id{[0-9]+}', async (c) => {
    const segment = await getSegment(c.var.deps.db, c.req.param('id'));
    const form = await readForm(c);
    const values = valuesFromForm(form);
    const now = c.var.deps.now();
    const count = await countSegment(c.var.deps.db, segment.id, { now });
    try {
      const rule = await checkedRule(c, form);
      if (field(form, 'intent') === 'count') {
        const formCount = await countAudience(c.var.deps.db, { rule }, { now });
        return c.html(<SegmentPage page={pageContext(c)} segment={segment} count={count} values={values} formCount={formCount} />);
      }
      await updateSegment(c.var.deps.db, segment.id, { name: values.name, description: values.description, rule }, c.var.staff?.name);
      return redirectWithNotice(c, `/console/segments/${segment.id}`, 'saved');
    } catch (error) {
      return c.html(<SegmentPage page={pageContext(c)} segment={segment} count={count} values={values} problem={formProblem(error)} />, 422);
    }
  });

  app.post('/segments/:id{[0-9]+}/delete', async (c) => {
    await deleteSegment(c.var.deps.db, c.req.param('id'), c.var.staff?.name);
    return redirectWithNotice(c, '/console/segments', 'deleted');
  });
}
