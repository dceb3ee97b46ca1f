/** @jsxImportSource hono/jsx */
/**
 * CSV imports of subscribers: the upload form, the recent imports, and a progress page that
 * reloads itself without script (and is refreshed in place by the console script), ending with
 * the counts and the rejected rows as a CSV file. The import itself runs as a job
 * (`subscribers/imports.ts`), the same one the JSON API starts.
 */
import type { Context, Hono } from 'hono';
import { ValidationError } from '../../errors.ts';
import type { AppEnv } from '../../http/context.ts';
import { validate } from '../../http/validate.ts';
import { listLists, type List } from '../../lists/lists.ts';
import type { ImportCounts } from '../../subscribers/import.ts';
import { importOptions, toNewImport } from '../../subscribers/import-routes.ts';
import { getImport, importErrorsCsv, listImports, startImport, type ImportRecord } from '../../subscribers/imports.ts';
import { formatNumber, percent } from '../format.ts';
import { fieldError, formProblem, pageContext, redirectWithNotice, type FormProblem } from '../http.ts';
import { can, Empty, ErrorSummary, Layout, Pager, PostForm, StatusBadge, When, ZoneNote, type PageContext } from '../layout.tsx';

const RECENT_PAGE_SIZE = 20;
/** Seconds between reloads of the progress page when script is off. */
const RELOAD_SECONDS = 3;

interface ImportFormValues {
  list: string;
  mode: string;
  overwrite: boolean;
  resubscribe: boolean;
}

const emptyValues: ImportFormValues = { list: '', mode: 'subscribe', overwrite: false, resubscribe: false };

/** The counts a finished import shows, in this order. Zero counts are left out, except rows read. */
const countLabels: Array<[keyof ImportCounts, string]> = [
  ['rows', 'Rows read'],
  ['created', 'New subscribers'],
  ['updated', 'Existing subscribers updated'],
  ['subscribed', 'Subscriptions confirmed'],
  ['unsubscribed', 'Imported as unsubscribed'],
  ['unchanged', 'Already on the list as the file says'],
  ['suppressed', 'Added to the suppression list'],
  ['blocklisted', 'Blocklisted'],
  ['skippedUnsubscribed', 'Skipped: had unsubscribed from the list'],
  ['skippedSuppressed', 'Skipped: on the suppression list'],
  ['skippedBlocklisted', 'Skipped: blocklisted'],
  ['duplicates', 'Duplicates merged into an earlier row'],
  ['invalid', 'Rejected as invalid'],
];

function isLive(record: ImportRecord): boolean {
  return record.status === 'queued' || record.status === 'running';
}

function CountsList({ counts }: { counts: Partial<ImportCounts> }) {
  return (
    <dl class="facts">
      {countLabels
        .filter(([key]) => key === 'rows' || (counts[key] ?? 0) > 0)
        .map(([key, label]) => (
          <>
            <dt>{label}</dt>
            <dd>{formatNumber(counts[key] ?? 0)}</dd>
          </>
        ))}
    </dl>
  );
}

/** Renders the progress box. While the import runs it carries `data-poll-url`, so the script replaces it every two seconds. */
function ImportProgress({ record }: { record: ImportRecord }) {
  const base = `/console/subscribers/imports/${record.id}`;
  const live = isLive(record);
  return (
    <div class="card" id="import-progress" data-poll-url={live ? `${base}/progress` : undefined} aria-live="polite">
      <p>
        <StatusBadge status={record.status} />{' '}
        {record.status === 'queued'
          ? 'Waiting for a worker to start the import.'
          : record.status === 'running'
            ? 'Importing.'
            : record.status === 'done'
              ? 'The import is finished.'
              : 'The import stopped.'}
      </p>
      {live ? (
        <>
          <label for="import-bar">
            {formatNumber(record.processedBytes)} of {formatNumber(record.totalBytes)} bytes read ({percent(record.processedBytes, record.totalBytes)})
          </label>
          <progress id="import-bar" max={Math.max(record.totalBytes, 1)} value={record.processedBytes}>
            {percent(record.processedBytes, record.totalBytes)}
          </progress>
          <p class="muted">
            {formatNumber(record.counts.rows ?? 0)} rows so far. You may leave this page: the import goes on, and <a href="/console/subscribers/import">the import page</a> lists
            it. <a href={base}>Reload</a> to see the latest figures.
          </p>
        </>
      ) : null}
      {record.status === 'failed' ? (
        <div class="error-summary" role="alert">
          <p>{record.error ?? 'The import failed.'}</p>
          <p>
            Rows in the batches before the problem are imported. Correct the file and <a href="/console/subscribers/import">import it again</a>: rows already imported
            are recognised and left as they are.
          </p>
        </div>
      ) : null}
      {record.status === 'done' || (record.status === 'failed' && (record.counts.rows ?? 0) > 0) ? <CountsList counts={record.counts} /> : null}
      {!live && record.errorCount > 0 ? <RejectedRows record={record} /> : null}
      {record.status === 'done' && record.errorCount === 0 ? <p>Every row was read without a problem.</p> : null}
    </div>
  );
}

function RejectedRows({ record }: { record: ImportRecord }) {
  const firstRows = record.errors.slice(0, 20);
  return (
    <>
      <h2>Rows to check</h2>
      <p>
        {formatNumber(record.errorCount)} {record.errorCount === 1 ? 'row was' : 'rows were'} rejected or merged.{' '}
        <a class="button secondary" href={`/console/subscribers/imports/${record.id}/errors`} download>
          Download them as CSV
        </a>{' '}
        (line, the address as written, and the reason). Correct the rejected rows in your file and import just those again.
      </p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col" class="num">
                Line
              </th>
              <th scope="col">Address as written</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {firstRows.map((problem) => (
              <tr>
                <td class="num">{problem.line}</td>
                <td>{problem.email || <span class="muted">(empty)</span>}</td>
                <td>{problem.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {record.errorCount > firstRows.length ? <p class="muted">The first {firstRows.length} are shown. The file has all of them.</p> : null}
    </>
  );
}

function ImportFormPage(props: { page: PageContext; lists: List[]; values: ImportFormValues; recent: ImportRecord[]; total: number; pageNumber: number; problem?: FormProblem }) {
  const { page, values, problem } = props;
  return (
    <Layout page={page} title="Import subscribers">
      <p>
        <a href="/console/subscribers">← Subscribers</a>
      </p>
      {can(page, 'editor') ? (
        <PostForm page={page} action="/console/subscribers/import" enctype="multipart/form-data" class="card">
          <ErrorSummary message={problem?.message} details={problem?.details} />
          <p>
            The file needs a header line with an <code>email</code> column. Columns named name, first name, last name, country, organisation, organisation type and topics
            are read as such; any other column is kept as an attribute. Exports from Mailchimp and listmonk can be imported as they are. Comma, semicolon and tab
            separated files all work.
          </p>
          <label for="import-file">CSV file</label>
          <input id="import-file" type="file" name="file" accept=".csv,.txt,text/csv" required aria-invalid={fieldError(problem, 'file') ? 'true' : undefined} />
          {fieldError(problem, 'file') ? <span class="field-error">{fieldError(problem, 'file')}</span> : null}

          <fieldset>
            <legend>What to do with the addresses</legend>
            <label class="check">
              <input type="radio" name="mode" value="subscribe" checked={values.mode !== 'blocklist'} /> Subscribe them to a list (confirmed at once: import only people
              who agreed to receive it)
            </label>
            <label class="check">
              <input type="radio" name="mode" value="blocklist" checked={values.mode === 'blocklist'} /> Blocklist them: they receive nothing and are put on the
              suppression list
            </label>
          </fieldset>

          <label for="import-list">List</label>
          <select id="import-list" name="list" aria-invalid={fieldError(problem, 'list') ? 'true' : undefined}>
            <option value="">(choose a list)</option>
            {props.lists.map((list) => (
              <option value={list.slug} selected={values.list === list.slug}>
                {list.name} ({list.slug})
              </option>
            ))}
          </select>
          {fieldError(problem, 'list') ? <span class="field-error">{fieldError(problem, 'list')}</span> : null}

          <fieldset>
            <legend>Existing subscribers</legend>
            <label class="check">
              <input type="checkbox" name="overwrite" value="on" checked={values.overwrite} /> Replace their names and attributes with the file's values (otherwise only
              empty ones are filled in)
            </label>
            <label class="check">
              <input type="checkbox" name="resubscribe" value="on" checked={values.resubscribe} /> Subscribe again people who unsubscribed, and lift their suppression or
              blocklisting. Tick this only when each of them asked to receive the list again.
            </label>
          </fieldset>
          <div class="buttons">
            <button type="submit">Start the import</button>
          </div>
        </PostForm>
      ) : (
        <p>An editor or an administrator can import subscribers.</p>
      )}

      <h2>Recent imports</h2>
      {props.recent.length === 0 ? (
        <Empty title="No imports yet">
          <p>Imports started here or through the API are listed with their results.</p>
        </Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">List</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">
                  Rows
                </th>
                <th scope="col" class="num">
                  Rows to check
                </th>
                <th scope="col">
                  Started <ZoneNote page={page} />
                </th>
              </tr>
            </thead>
            <tbody>
              {props.recent.map((record) => (
                <tr>
                  <td>
                    <a href={`/console/subscribers/imports/${record.id}`}>{record.fileName}</a>
                  </td>
                  <td>{record.list ?? (record.mode === 'blocklist' ? 'blocklist' : '–')}</td>
                  <td>
                    <StatusBadge status={record.status} />
                  </td>
                  <td class="num">{formatNumber(record.counts.rows ?? 0)}</td>
                  <td class="num">{formatNumber(record.errorCount)}</td>
                  <td>
                    <When page={page} at={record.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager base="/console/subscribers/import" page={props.pageNumber} pageSize={RECENT_PAGE_SIZE} total={props.total} />
    </Layout>
  );
}

function ImportPage({ page, record }: { page: PageContext; record: ImportRecord }) {
  return (
    <Layout page={page} title={`Import of ${record.fileName}`} refreshSeconds={isLive(record) ? RELOAD_SECONDS : undefined}>
      <p>
        <a href="/console/subscribers/import">← Imports</a>
      </p>
      <div class="card">
        <dl class="facts">
          <dt>Into</dt>
          <dd>{record.mode === 'blocklist' ? 'the blocklist' : `the list ${record.list ?? '(deleted)'}`}</dd>
          <dt>Options</dt>
          <dd>
            {record.overwrite ? 'replace names and attributes' : 'fill in empty names and attributes'},{' '}
            {record.resubscribe ? 'subscribe again those who left' : 'keep unsubscribes'}
          </dd>
          <dt>Started</dt>
          <dd>
            <When page={page} at={record.createdAt} /> <ZoneNote page={page} />
          </dd>
        </dl>
      </div>
      <ImportProgress record={record} />
    </Layout>
  );
}

async function formPage(c: Context<AppEnv>, values: ImportFormValues, problem?: FormProblem) {
  const pageNumber = Math.max(1, Number(c.req.query('page')) || 1);
  const [lists, recent] = await Promise.all([listLists(c.var.deps.db), listImports(c.var.deps.db, pageNumber, RECENT_PAGE_SIZE)]);
  return c.html(
    <ImportFormPage page={pageContext(c)} lists={lists} values={values} recent={recent.items} total={recent.total} pageNumber={pageNumber} problem={problem} />,
    problem ? 422 : 200,
  );
}

export function registerSubscriberImportPages(app: Hono<AppEnv>): void {
  app.get('/subscribers/import', (c) => formPage(c, emptyValues));

  app.post('/subscribers/import', async (c) => {
    // The CSRF check has parsed the body already, and Hono returns the cached form.
    const body = await c.req.parseBody();
    const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');
    const values: ImportFormValues = { list: text('list'), mode: text('mode') || 'subscribe', overwrite: text('overwrite') === 'on', resubscribe: text('resubscribe') === 'on' };
    try {
      const file = body.file;
      if (!(file instanceof File) || file.size === 0) {
        throw new ValidationError('No file was uploaded: choose a CSV file, then press Start the import.', [{ path: 'file', message: 'choose a CSV file' }]);
      }
      if (values.mode === 'subscribe' && !values.list) {
        throw new ValidationError('Choose the list to import into, or choose to blocklist the addresses.', [{ path: 'list', message: 'choose a list' }]);
      }
      const options = validate(
        importOptions,
        {
          ...(values.list ? { list: values.list } : {}),
          mode: values.mode,
          overwrite: values.overwrite ? 'on' : 'no',
          resubscribe: values.resubscribe ? 'on' : 'no',
          fileName: file.name,
        },
        'The import',
      );
      // NOTE: Hono's form parser has read the whole file into memory, as for the API's multipart form.
      const id = await startImport(c.var.deps, toNewImport(c, options), file.stream() as unknown as AsyncIterable<Uint8Array>);
      c.set('auditDetails', { importId: id });
      return redirectWithNotice(c, `/console/subscribers/imports/${id}`, 'import-started');
    } catch (error) {
      return formPage(c, values, formProblem(error));
    }
  });

  app.get('/subscribers/imports/:id{[0-9]+}', async (c) => {
    const record = await getImport(c.var.deps.db, c.req.param('id'));
    return c.html(<ImportPage page={pageContext(c)} record={record} />);
  });

  app.get('/subscribers/imports/:id{[0-9]+}/progress', async (c) => {
    const record = await getImport(c.var.deps.db, c.req.param('id'));
    return c.html(<ImportProgress record={record} />);
  });

  app.get('/subscribers/imports/:id{[0-9]+}/errors', async (c) => {
    const id = c.req.param('id');
    const csv = await importErrorsCsv(c.var.deps.db, id);
    return c.body(csv, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="import-${id}-rows-to-check.csv"`,
    });
  });
}
