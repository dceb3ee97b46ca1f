/** @jsxImportSource hono/jsx */
/**
 * The suppression list: addresses Gazette never mails, with the reason and the date. Everyone
 * can search it. Editors and administrators add an address with a reason, and remove one after
 * a confirmation that states what removing it means.
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { SuppressionReason } from '../../db/schema.ts';
import type { AppEnv } from '../../http/context.ts';
import { validate } from '../../http/validate.ts';
import { addSuppression, findSuppressionOf, getSuppression, removeSuppression, searchSuppressions, type Suppression } from '../../subscribers/suppression-list.ts';
import type { ConsentContext } from '../../subscribers/subscribers.ts';
import { formatNumber } from '../format.ts';
import { clientIp, field, fieldError, formProblem, pageContext, readForm, redirectWithNotice, type FormProblem, type FormValues } from '../http.ts';
import { can, Empty, ErrorSummary, Layout, Pager, PostForm, When, ZoneNote, type PageContext } from '../layout.tsx';

const PAGE_SIZE = 50;

const reasonLabels: Record<SuppressionReason, string> = {
  manual: 'added by staff',
  complaint: 'complaint (marked as spam)',
  hard_bounce: 'hard bounce',
  soft_bounces: 'repeated soft bounces',
  erased: 'erased subscriber',
};

/** The cause of each reason, worded to end the sentence "suppressed because ...". */
const reasonCauses: Record<SuppressionReason, string> = {
  manual: 'a member of staff added it',
  complaint: 'the reader marked an issue as spam',
  hard_bounce: 'mail to it bounced permanently',
  soft_bounces: 'mail to it bounced temporarily too often',
  erased: 'the subscriber was erased',
};

/** Reasons staff may give by hand. `erased` comes only from erasing a subscriber. */
const manualReasons = ['manual', 'complaint', 'hard_bounce', 'soft_bounces'] as const;
const searchReasons = Object.keys(reasonLabels) as SuppressionReason[];

const addInput = z.object({
  email: z.string().trim().min(1, 'expected an email address'),
  reason: z.enum(manualReasons, { message: `expected one of ${manualReasons.join(', ')}` }),
  note: z.string().trim().max(500, 'expected a note of at most 500 characters'),
});

interface Search {
  q: string;
  reason?: SuppressionReason;
  pageNumber: number;
}

function readSearch(c: Context<AppEnv>): Search {
  const reason = c.req.query('reason') ?? '';
  return {
    q: (c.req.query('q') ?? '').trim().slice(0, 200),
    reason: (searchReasons as string[]).includes(reason) ? (reason as SuppressionReason) : undefined,
    pageNumber: Math.max(1, Number(c.req.query('page')) || 1),
  };
}

/** Describes a row's details in words: the staff note and who added it, or the bounce or complaint. */
function detailText(suppression: Suppression): string {
  const details = suppression.details;
  const parts: string[] = [];
  if (typeof details.note === 'string' && details.note) parts.push(details.note);
  if (typeof details.actor === 'string' && details.actor) parts.push(`by ${details.actor}`);
  if (typeof details.bounceType === 'string') parts.push([details.bounceType, details.bounceSubType, details.status].filter((part) => typeof part === 'string' && part).join(' · '));
  if (typeof details.feedbackType === 'string' && details.feedbackType) parts.push(`feedback type ${details.feedbackType}`);
  if (typeof details.softBounces === 'number') parts.push(`${details.softBounces} soft bounces`);
  return parts.join('; ');
}

function Address({ suppression }: { suppression: Suppression }) {
  return suppression.email ? <>{suppression.email}</> : <span class="muted">address erased (kept only as a hash)</span>;
}

interface PageData {
  search: Search;
  rows: Suppression[];
  total: number;
  /** The row of an erased address that the search named in full. */
  hashMatch?: Suppression;
  values?: FormValues;
  problem?: FormProblem;
}

function SuppressionsPage({ page, data }: { page: PageContext; data: PageData }) {
  const { search } = data;
  const editor = can(page, 'editor');
  const rows = data.hashMatch ? [data.hashMatch, ...data.rows] : data.rows;
  const values = data.values ?? {};
  const filtered = Boolean(search.q || search.reason);
  return (
    <Layout page={page} title="Suppression list">
      <p>
        Gazette never mails these addresses, whatever list they are on. Bounces and complaints add them on their own; erasing a subscriber leaves only a
        hash of the address, so a later import of it is still stopped.
      </p>
      <form method="get" action="/console/suppressions" class="filters" role="search">
        <div>
          <label for="suppression-q">Address contains</label>
          <input id="suppression-q" name="q" type="search" value={search.q} />
        </div>
        <div>
          <label for="suppression-reason">Reason</label>
          <select id="suppression-reason" name="reason">
            <option value="">Any</option>
            {searchReasons.map((reason) => (
              <option value={reason} selected={search.reason === reason}>
                {reasonLabels[reason]}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="secondary">
          Search
        </button>
        {filtered ? <a href="/console/suppressions">Show all</a> : null}
      </form>
      <p class="hint">An erased address is found only by typing it in full.</p>

      {rows.length === 0 ? (
        filtered ? (
          <Empty title="No suppressed address matches">
            <p>
              Check the spelling, type the whole address to find an erased one, or <a href="/console/suppressions">show the whole list</a>.
            </p>
          </Empty>
        ) : (
          <Empty title="The suppression list is empty">
            <p>Every subscriber may be mailed. Hard bounces and complaints will be added here as they arrive.</p>
          </Empty>
        )
      ) : (
        <>
          <p class="muted">
            {formatNumber(data.total + (data.hashMatch ? 1 : 0))} {data.total + (data.hashMatch ? 1 : 0) === 1 ? 'address' : 'addresses'}
            {filtered ? ' match' : ''}.
          </p>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Address</th>
                  <th scope="col">Reason</th>
                  <th scope="col">
                    Since <ZoneNote page={page} />
                  </th>
                  <th scope="col">Details</th>
                  {editor ? <th scope="col">Action</th> : null}
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr>
                    <td>
                      <Address suppression={row} />
                    </td>
                    <td>{reasonLabels[row.reason]}</td>
                    <td>
                      <When page={page} at={row.createdAt} />
                    </td>
                    <td>{detailText(row)}</td>
                    {editor ? (
                      <td>
                        <a href={`/console/suppressions/${row.id}/remove`}>Remove…</a>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      <Pager base="/console/suppressions" page={search.pageNumber} pageSize={PAGE_SIZE} total={data.total} query={{ q: search.q, reason: search.reason }} />

      {editor ? (
        <>
          <h2 id="add">Add an address</h2>
          <PostForm page={page} action="/console/suppressions" class="card">
            <ErrorSummary message={data.problem?.message} details={data.problem?.details} />
            <label for="suppression-email">Email address</label>
            <input id="suppression-email" name="email" type="email" required maxlength={320} value={field(values, 'email')} />
            {fieldError(data.problem, 'email') ? <span class="field-error">{fieldError(data.problem, 'email')}</span> : null}
            <label for="suppression-add-reason">Reason</label>
            <select id="suppression-add-reason" name="reason">
              {manualReasons.map((reason) => (
                <option value={reason} selected={(field(values, 'reason') || 'manual') === reason}>
                  {reasonLabels[reason]}
                </option>
              ))}
            </select>
            <label for="suppression-note">
              Note <span class="hint">Why, for whoever reads this later, such as "asked by phone on 3 March". Optional, up to 500 characters.</span>
            </label>
            <input id="suppression-note" name="note" type="text" maxlength={500} value={field(values, 'note')} />
            <div class="buttons">
              <button type="submit">Add to the suppression list</button>
            </div>
            <p class="hint">The address stays subscribed to its lists but is skipped by every send until it is removed here.</p>
          </PostForm>
        </>
      ) : null}
    </Layout>
  );
}

function RemovePage({ page, suppression }: { page: PageContext; suppression: Suppression }) {
  const warnings: Partial<Record<SuppressionReason, string>> = {
    complaint: 'Mailing a reader who complained harms the sender reputation. Remove it only if they asked to be mailed again.',
    hard_bounce: 'Mail to this address bounced permanently. Remove it only if the address has been fixed, or the next send bounces again.',
    erased: 'The subscriber was erased at their request. Removing this row lets a later import or sign-up of the same address through.',
  };
  const warning = warnings[suppression.reason];
  return (
    <Layout page={page} title="Remove from the suppression list?">
      <div class="card" role="alertdialog" aria-labelledby="remove-question">
        <p id="remove-question">
          <strong>
            <Address suppression={suppression} />
          </strong>{' '}
          is suppressed because {reasonCauses[suppression.reason]}, since <When page={page} at={suppression.createdAt} /> <ZoneNote page={page} />.
        </p>
        <p>Once removed, the address is mailed again with the next issue to every list it is confirmed on.</p>
        {warning ? <p class="warning">{warning}</p> : null}
        {can(page, 'editor') ? (
          <PostForm page={page} action={`/console/suppressions/${suppression.id}/remove`}>
            <div class="buttons">
              <button type="submit" class="danger">
                Remove and allow mail again
              </button>
              <a href="/console/suppressions">Keep it suppressed</a>
            </div>
          </PostForm>
        ) : (
          <p>Removing needs the editor or administrator role.</p>
        )}
      </div>
    </Layout>
  );
}

function staffContext(c: Context<AppEnv>): ConsentContext {
  return { source: 'staff', actor: c.var.staff?.name, ip: clientIp(c) || null, userAgent: c.req.header('user-agent') ?? null };
}

async function suppressionsPage(c: Context<AppEnv>, extra: Pick<PageData, 'values' | 'problem'> = {}, status: 200 | 422 = 200) {
  const { deps } = c.var;
  const search = readSearch(c);
  const result = await searchSuppressions(deps.db, { q: search.q || undefined, reason: search.reason, page: search.pageNumber, pageSize: PAGE_SIZE });
  // A whole address may belong to an erased subscriber, whose row has no address to match.
  let hashMatch: Suppression | undefined;
  if (search.q.includes('@') && search.pageNumber === 1) {
    const found = await findSuppressionOf(deps, search.q);
    if (found && found.email === null && (!search.reason || search.reason === found.reason)) hashMatch = found;
  }
  return c.html(<SuppressionsPage page={pageContext(c)} data={{ search, rows: result.items, total: result.total, hashMatch, ...extra }} />, status);
}

export function registerSuppressionPages(app: Hono<AppEnv>): void {
  app.get('/suppressions', (c) => suppressionsPage(c));

  app.post('/suppressions', async (c) => {
    const values = await readForm(c);
    try {
      const input = validate(addInput, { email: field(values, 'email'), reason: field(values, 'reason') || 'manual', note: field(values, 'note') }, 'The suppression');
      const result = await addSuppression(c.var.deps, { email: input.email, reason: input.reason, note: input.note || undefined }, staffContext(c));
      c.set('auditDetails', { suppressionId: result.suppression.id, reason: input.reason, created: result.created });
      return redirectWithNotice(c, `/console/suppressions?q=${encodeURIComponent(input.email)}`, result.created ? 'suppression-added' : 'suppression-exists');
    } catch (error) {
      return suppressionsPage(c, { values, problem: formProblem(error) }, 422);
    }
  });

  app.get('/suppressions/:id{[0-9]+}/remove', async (c) => {
    const suppression = await getSuppression(c.var.deps.db, c.req.param('id'));
    return c.html(<RemovePage page={pageContext(c)} suppression={suppression} />);
  });

  app.post('/suppressions/:id{[0-9]+}/remove', async (c) => {
    const suppression = await getSuppression(c.var.deps.db, c.req.param('id'));
    await removeSuppression(c.var.deps, suppression.id, staffContext(c));
    c.set('auditDetails', { suppressionId: suppression.id, reason: suppression.reason });
    return redirectWithNotice(c, '/console/suppressions', 'suppression-removed');
  });
}
