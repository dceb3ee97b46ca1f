/** @jsxImportSource hono/jsx */
/**
 * Campaigns: the list with status filters, and one campaign's page. A draft shows its preview
 * (desktop, phone, plain text), an edit form, a test send and "schedule or send now", both
 * behind a confirmation that states the recipient count. A campaign that has started shows
 * its progress, the controls its state allows (pause, resume, cancel, resend to failed) and
 * its report with charts and a per-recipient search.
 */
import type { Context, Hono } from 'hono';
import { campaignPreview, getCampaign, listCampaigns, updateCampaign, type CampaignJson } from '../../campaigns/campaigns.ts';
import { campaignCounts } from '../../campaigns/counts.ts';
import { updateCampaignSchema } from '../../campaigns/schemas.ts';
import type { CampaignStatus, LedgerStatus } from '../../db/schema.ts';
import { cancelCampaign, pauseCampaign, resendRows, resumeCampaign, scheduleCampaign, testSend, type TestSendResult } from '../../delivery/controls.ts';
import { listRecipients, sendCounts, startSend, type SendCounts } from '../../delivery/ledger.ts';
import { ValidationError } from '../../errors.ts';
import { campaignReport, type CampaignReport } from '../../feedback/report.ts';
import type { AppEnv } from '../../http/context.ts';
import { validate } from '../../http/validate.ts';
import { countAudience } from '../../segments/audience.ts';
import { audienceFromForm } from '../audience-form.ts';
import { BarChart, PartsBar } from '../charts.tsx';
import { formatDateTime, formatNumber, fromLocalInput, percent, toLocalInput } from '../format.ts';
import { field, fields, formProblem, pageContext, readForm, redirectWithNotice, type FormProblem, type FormValues } from '../http.ts';
import { ActionButton, can, Empty, ErrorSummary, Layout, Pager, PostForm, StatusBadge, When, ZoneNote, type PageContext } from '../layout.tsx';
import { AudienceFields, audienceChoices, type AudienceChoices } from '../audience-fields.tsx';

const statuses: CampaignStatus[] = ['draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled'];
const ledgerStatuses: LedgerStatus[] = ['queued', 'sending', 'sent', 'failed', 'skipped', 'uncertain'];
const PAGE_SIZE = 25;

function actorOf(c: Context<AppEnv>): string {
  return c.var.staff?.name ?? 'console';
}

function CampaignsPage(props: { page: PageContext; campaigns: CampaignJson[]; total: number; pageNumber: number; status: string }) {
  const { page } = props;
  return (
    <Layout page={page} title="Campaigns" actions={can(page, 'editor') ? <a class="button" href="/console/compose">Compose an issue</a> : undefined}>
      <form method="get" action="/console/campaigns" class="filters" role="search">
        <div>
          <label for="campaign-status">Status</label>
          <select id="campaign-status" name="status">
            <option value="">All</option>
            {statuses.map((status) => (
              <option value={status} selected={props.status === status}>
                {status}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="secondary">
          Filter
        </button>
      </form>
      {props.campaigns.length === 0 ? (
        <Empty title={props.status ? `No ${props.status} campaigns` : 'No campaigns yet'}>
          <p>
            <a href="/console/compose">Compose an issue</a> from the latest events and publications.
          </p>
        </Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">Status</th>
                <th scope="col">
                  Sent, due or created <ZoneNote page={page} />
                </th>
                <th scope="col" class="num">
                  Recipients
                </th>
                <th scope="col" class="num">
                  Sent
                </th>
                <th scope="col" class="num">
                  Failed
                </th>
              </tr>
            </thead>
            <tbody>
              {props.campaigns.map((campaign) => (
                <tr>
                  <td>
                    <a href={`/console/campaigns/${campaign.id}`}>{campaign.subject}</a>
                  </td>
                  <td>
                    <StatusBadge status={campaign.status} />
                  </td>
                  <td>
                    <When page={page} at={campaign.finishedAt ?? campaign.startedAt ?? campaign.sendAt ?? campaign.createdAt} />
                  </td>
                  <td class="num">{formatNumber(campaign.counts?.audience)}</td>
                  <td class="num">{formatNumber(campaign.counts?.sent)}</td>
                  <td class="num">{formatNumber(campaign.counts?.failed)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager base="/console/campaigns" page={props.pageNumber} pageSize={PAGE_SIZE} total={props.total} query={{ status: props.status }} />
    </Layout>
  );
}

function audienceText(campaign: CampaignJson, segments: AudienceChoices['segments']): string {
  const parts: string[] = [];
  if (campaign.lists.length > 0) parts.push(`lists ${campaign.lists.join(', ')}`);
  if (campaign.segment) parts.push(`segment "${segments.find((s) => s.id === campaign.segment)?.name ?? campaign.segment}"`);
  if (campaign.rule) parts.push('a rule');
  return parts.join(', narrowed by ') || 'nobody';
}

/** The progress box: refreshes itself every two seconds while the campaign is sending. */
function Progress({ campaign, counts }: { campaign: CampaignJson; counts: SendCounts }) {
  const done = counts.sent + counts.failed + counts.skipped + counts.uncertain;
  const live = campaign.status === 'sending';
  return (
    <div class="card" id="progress" data-poll-url={live ? `/console/campaigns/${campaign.id}/progress` : undefined} aria-live="polite">
      <label for="send-progress">
        {formatNumber(done)} of {formatNumber(counts.audience)} handled ({percent(done, counts.audience)})
      </label>
      <progress id="send-progress" max={Math.max(counts.audience, 1)} value={done}>
        {percent(done, counts.audience)}
      </progress>
      <p class="muted">
        {formatNumber(counts.sent)} sent · {formatNumber(counts.queued + counts.sending)} waiting · {formatNumber(counts.failed)} failed · {formatNumber(counts.uncertain)} uncertain ·{' '}
        {formatNumber(counts.skipped)} skipped
      </p>
    </div>
  );
}

function Report({ page, campaign, counts, report }: { page: PageContext; campaign: CampaignJson; counts: SendCounts; report: CampaignReport }) {
  return (
    <>
      <h2>Report</h2>
      <div class="cards">
        <div class="card">
          <span class="stat">{formatNumber(report.sent)}</span> sent
        </div>
        <div class="card">
          <span class="stat">{percent(report.delivered, report.sent)}</span> delivered
        </div>
        <div class="card">
          <span class="stat">{formatNumber(report.opened.people.unique)}</span> people opened ({percent(report.opened.people.unique, report.delivered || report.sent)})
        </div>
        <div class="card">
          <span class="stat">{formatNumber(report.clicked.people.unique)}</span> people clicked
        </div>
        <div class="card">
          <span class="stat">{formatNumber(report.bounced.total)}</span> bounced ({formatNumber(report.bounced.hard)} hard)
        </div>
        <div class="card">
          <span class="stat">{formatNumber(report.complained)}</span> complaints · {formatNumber(report.unsubscribed)} unsubscribed
        </div>
      </div>
      <div class="card">
        <PartsBar
          title="What happened to the messages"
          parts={[
            { label: 'Delivered', value: report.delivered - report.complained, className: 'bar' },
            { label: 'Complained', value: report.complained, className: 'bar-bad' },
            { label: 'Bounced', value: report.bounced.total, className: 'bar-bad' },
            { label: 'No feedback yet', value: Math.max(0, report.sent - report.delivered - report.bounced.total), className: 'bar-none' },
          ]}
        />
        <BarChart
          title="Engagement"
          bars={[
            { label: 'Delivered', value: report.delivered },
            { label: 'Opened', value: report.opened.people.unique },
            { label: 'Clicked', value: report.clicked.people.unique },
            { label: 'Bounced', value: report.bounced.total, bad: true },
          ]}
        />
        <p class="muted">
          Opens and clicks count people; {formatNumber(report.opened.machines.unique)} opens and {formatNumber(report.clicked.machines.unique)} clicks by mail scanners and proxies are left out.
          {report.clickTracking ? '' : ' Click tracking is off for this issue.'}
        </p>
      </div>
      {report.topLinks.length > 0 ? (
        <>
          <h3>Most clicked links</h3>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Link</th>
                  <th scope="col" class="num">
                    People
                  </th>
                </tr>
              </thead>
              <tbody>
                {report.topLinks.map((link) => (
                  <tr>
                    <td>{link.url}</td>
                    <td class="num">{formatNumber(link.people.unique)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
      {can(page, 'editor') && counts.failed + counts.uncertain > 0 && (campaign.status === 'sent' || campaign.status === 'paused' || campaign.status === 'sending') ? (
        <PostForm page={page} action={`/console/campaigns/${campaign.id}/resend`} class="card">
          <p>
            {formatNumber(counts.failed)} failed and {formatNumber(counts.uncertain)} uncertain (possibly sent before a crash). Resending uncertain ones may deliver a second copy.
          </p>
          <label class="check">
            <input type="checkbox" name="states" value="failed" checked /> Failed
          </label>
          <label class="check">
            <input type="checkbox" name="states" value="uncertain" /> Uncertain
          </label>
          <button type="submit">Resend to these recipients</button>
        </PostForm>
      ) : null}
    </>
  );
}

async function Recipients({ c, campaign }: { c: Context<AppEnv>; campaign: CampaignJson }) {
  const page = pageContext(c);
  const q = c.req.query('q')?.trim() ?? '';
  const statusQuery = c.req.query('state') ?? '';
  const status = (ledgerStatuses as string[]).includes(statusQuery) ? (statusQuery as LedgerStatus) : undefined;
  const pageNumber = Math.max(1, Number(c.req.query('page')) || 1);
  const rows = await listRecipients(c.var.deps.db, campaign.id, { q: q || undefined, status, page: pageNumber, pageSize: PAGE_SIZE });
  return (
    <>
      <h2 id="recipients">Recipients</h2>
      <form method="get" action={`/console/campaigns/${campaign.id}#recipients`} class="filters" role="search">
        <div>
          <label for="recipient-q">Address contains</label>
          <input id="recipient-q" name="q" type="search" value={q} />
        </div>
        <div>
          <label for="recipient-state">State</label>
          <select id="recipient-state" name="state">
            <option value="">All</option>
            {ledgerStatuses.map((s) => (
              <option value={s} selected={status === s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="secondary">
          Search
        </button>
      </form>
      {rows.items.length === 0 ? (
        <Empty title="No recipient matches" />
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Address</th>
                <th scope="col">State</th>
                <th scope="col">Outcome</th>
                <th scope="col">
                  Sent <ZoneNote page={page} />
                </th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {rows.items.map((row) => (
                <tr>
                  <td>
                    <a href={`/console/subscribers/${row.subscriberId}`}>{row.email}</a>
                  </td>
                  <td>
                    <StatusBadge status={row.status} />
                  </td>
                  <td>{row.outcome ? <StatusBadge status={row.outcome} /> : <span class="muted">–</span>}</td>
                  <td>
                    <When page={page} at={row.sentAt} />
                  </td>
                  <td>{row.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager base={`/console/campaigns/${campaign.id}`} page={pageNumber} pageSize={PAGE_SIZE} total={rows.total} query={{ q, state: status }} />
    </>
  );
}

interface DraftExtras {
  values?: FormValues;
  problem?: FormProblem;
  testResults?: TestSendResult[];
  testWarnings?: string[];
}

function Draft(props: { page: PageContext; campaign: CampaignJson; choices: AudienceChoices; audienceCount: number; extras: DraftExtras }) {
  const { page, campaign, extras } = props;
  const values: FormValues = extras.values ?? {
    subject: campaign.subject,
    preheader: campaign.preheader,
    intro: campaign.intro,
    lists: campaign.lists,
    segment: campaign.segment ?? '',
  };
  const zone = page.session.timezone;
  const suggested = toLocalInput(new Date(Date.now() + 60 * 60 * 1000), zone);
  return (
    <>
      <h2>Preview</h2>
      <p class="muted">As a reader sees it, with neutral values for the name and the personal links.</p>
      <div class="previews">
        <figure>
          <figcaption>Desktop</figcaption>
          <iframe class="preview-frame" id="preview-desktop" title="Desktop preview" src={`/console/campaigns/${campaign.id}/preview`}></iframe>
        </figure>
        <figure>
          <figcaption>Phone (375 px)</figcaption>
          <iframe class="preview-frame preview-phone" id="preview-phone" title="Phone preview" src={`/console/campaigns/${campaign.id}/preview`}></iframe>
        </figure>
      </div>
      <details>
        <summary>Plain text version</summary>
        <iframe class="preview-frame" id="preview-text" title="Plain text preview" src={`/console/campaigns/${campaign.id}/preview?format=text`}></iframe>
      </details>
      {campaign.items.length > 0 ? (
        <p>
          Carries {campaign.items.length} items: {campaign.items.map((item) => item.title).join(' · ')}
        </p>
      ) : (
        <p class="warning">This issue carries no events or publications, only the introduction.</p>
      )}
      {campaign.warnings.map((warning) => (
        <p class="warning">{warning}</p>
      ))}

      {can(page, 'editor') ? (
        <>
          <h2 id="test">Send a test</h2>
          {extras.testResults ? (
            <div class="notice" role="status">
              {extras.testResults.map((result) => (
                <p>
                  {result.email}: {result.status === 'sent' ? 'sent' : `failed (${result.error ?? 'unknown error'})`}
                </p>
              ))}
              {extras.testWarnings?.map((warning) => <p>{warning}</p>)}
            </div>
          ) : null}
          <PostForm page={page} action={`/console/campaigns/${campaign.id}/test`} class="card">
            <label for="test-emails">
              Addresses <span class="hint">Up to 20, separated by commas. The subject starts with [Test]; counts and reports are not touched.</span>
            </label>
            <input id="test-emails" name="emails" type="text" value={page.session.email} />
            <div class="buttons">
              <button type="submit" class="secondary">
                Send test
              </button>
            </div>
          </PostForm>

          <h2 id="send">Schedule or send</h2>
          <PostForm page={page} action={`/console/campaigns/${campaign.id}/confirm`} class="card">
            {extras.problem?.details.some((d) => d.path === 'sendAt') ? <ErrorSummary message={extras.problem.message} /> : null}
            <p>
              Goes to {audienceText(campaign, props.choices.segments)}: <strong>{formatNumber(props.audienceCount)}</strong> recipients as of now.
            </p>
            <label for="send-at">
              Send at <span class="hint">In your time zone, {zone}.</span>
            </label>
            <input id="send-at" name="sendAt" type="datetime-local" value={suggested} />
            <div class="buttons">
              <button type="submit" name="intent" value="schedule">
                Schedule…
              </button>
              <button type="submit" name="intent" value="send" class="secondary">
                Send now…
              </button>
            </div>
            <p class="hint">Both ask for confirmation first.</p>
          </PostForm>

          <h2 id="edit">Edit the draft</h2>
          <PostForm page={page} action={`/console/campaigns/${campaign.id}`} class="card">
            {extras.problem && !extras.problem.details.some((d) => d.path === 'sendAt') ? <ErrorSummary message={extras.problem.message} details={extras.problem.details} /> : null}
            <label for="edit-subject">Subject</label>
            <input id="edit-subject" name="subject" type="text" required maxlength={300} value={field(values, 'subject')} />
            <label for="edit-preheader">Preheader</label>
            <input id="edit-preheader" name="preheader" type="text" maxlength={300} value={field(values, 'preheader')} />
            <label for="edit-intro">Editor's introduction (Markdown)</label>
            <textarea id="edit-intro" name="intro" rows={6}>
              {typeof values.intro === 'string' ? values.intro : ''}
            </textarea>
            {campaign.items.length > 0 ? (
              <fieldset>
                <legend>Items</legend>
                <input type="hidden" name="hasItems" value="1" />
                {campaign.items.map((item) => (
                  <label class="check">
                    <input type="checkbox" name="items" value={item.id} checked /> {item.title} <span class="muted">· {item.kind}</span>
                  </label>
                ))}
              </fieldset>
            ) : null}
            <AudienceFields choices={props.choices} values={values} count={props.audienceCount} />
            <div class="buttons">
              <button type="submit" name="intent" value="save">
                Save and render again
              </button>
            </div>
          </PostForm>
          <h2>Discard</h2>
          <ActionButton page={page} action={`/console/campaigns/${campaign.id}/cancel`} label="Cancel this draft" danger />
        </>
      ) : null}
    </>
  );
}

function Controls({ page, campaign }: { page: PageContext; campaign: CampaignJson }) {
  if (!can(page, 'editor')) return null;
  const base = `/console/campaigns/${campaign.id}`;
  return (
    <div class="buttons">
      {campaign.status === 'sending' ? <ActionButton page={page} action={`${base}/pause`} label="Pause sending" /> : null}
      {campaign.status === 'paused' ? <ActionButton page={page} action={`${base}/resume`} label="Resume sending" /> : null}
      {campaign.status === 'scheduled' || campaign.status === 'sending' || campaign.status === 'paused' ? (
        <ActionButton page={page} action={`${base}/cancel`} label="Cancel the campaign" danger />
      ) : null}
    </div>
  );
}

async function campaignPage(c: Context<AppEnv>, extras: DraftExtras = {}, status: 200 | 422 = 200) {
  const { deps } = c.var;
  const page = pageContext(c);
  const campaign = await getCampaign(deps.db, deps.config, c.req.param('id')!);
  const choices = await audienceChoices(c);
  let body;
  if (campaign.status === 'draft') {
    const audienceCount = await audienceSize(c, campaign);
    body = <Draft page={page} campaign={campaign} choices={choices} audienceCount={audienceCount} extras={extras} />;
  } else {
    const [counts, report] = await Promise.all([sendCounts(deps.db, campaign.id), campaignReport(deps.db, campaign.id)]);
    body = (
      <>
        <dl class="facts">
          <dt>Audience</dt>
          <dd>{audienceText(campaign, choices.segments)}</dd>
          {campaign.sendAt ? (
            <>
              <dt>{campaign.status === 'scheduled' ? 'Goes out' : 'Scheduled for'}</dt>
              <dd>
                <When page={page} at={campaign.sendAt} /> <ZoneNote page={page} />
              </dd>
            </>
          ) : null}
          {campaign.startedAt ? (
            <>
              <dt>Started</dt>
              <dd>
                <When page={page} at={campaign.startedAt} /> <ZoneNote page={page} />
              </dd>
            </>
          ) : null}
          {campaign.archiveUrl ? (
            <>
              <dt>Web version</dt>
              <dd>
                <a href={campaign.archiveUrl}>{campaign.archiveUrl}</a>
              </dd>
            </>
          ) : null}
        </dl>
        <Controls page={page} campaign={campaign} />
        {campaign.status !== 'scheduled' ? <Progress campaign={campaign} counts={counts} /> : null}
        {campaign.status === 'scheduled' ? (
          <>
            <p>
              <a href={`/console/campaigns/${campaign.id}/preview`}>Open the preview</a>
            </p>
            {can(page, 'editor') ? (
              <PostForm page={page} action={`/console/campaigns/${campaign.id}/confirm`} class="card">
                <p>Rather not wait? Sending now asks for confirmation first.</p>
                <button type="submit" name="intent" value="send">
                  Send now…
                </button>
              </PostForm>
            ) : null}
          </>
        ) : (
          <>
            <Report page={page} campaign={campaign} counts={counts} report={report} />
            {await Recipients({ c, campaign })}
          </>
        )}
      </>
    );
  }
  return c.html(
    <Layout page={page} title={campaign.subject}>
      <p>
        <a href="/console/campaigns">← Campaigns</a> · <StatusBadge status={campaign.status} />
      </p>
      {body}
    </Layout>,
    status,
  );
}

async function audienceSize(c: Context<AppEnv>, campaign: Pick<CampaignJson, 'lists' | 'segment' | 'rule'>): Promise<number> {
  const spec = { lists: campaign.lists, segment: campaign.segment ?? undefined, rule: campaign.rule ?? undefined };
  return countAudience(c.var.deps.db, spec, { now: c.var.deps.now() });
}

function ConfirmPage(props: { page: PageContext; campaign: CampaignJson; intent: 'send' | 'schedule'; count: number; sendAt?: Date }) {
  const { page, campaign } = props;
  const when = props.sendAt ? `${formatDateTime(props.sendAt, page.session.timezone)} (${page.session.timezone})` : 'now';
  return (
    <Layout page={page} title={props.intent === 'send' ? 'Send this issue now?' : 'Schedule this issue?'}>
      <div class="card" role="alertdialog" aria-labelledby="confirm-question">
        <p id="confirm-question">
          <strong>"{campaign.subject}"</strong> goes to <strong>{formatNumber(props.count)} recipients</strong> {props.intent === 'send' ? 'now' : `on ${when}`}. A sent issue cannot be taken back.
        </p>
        {props.count === 0 ? <p class="warning">Nobody would receive it: check the audience before going on.</p> : null}
        <PostForm page={page} action={`/console/campaigns/${campaign.id}/${props.intent}`}>
          {props.sendAt ? <input type="hidden" name="sendAt" value={props.sendAt.toISOString()} /> : null}
          <input type="hidden" name="expected" value={String(props.count)} />
          <div class="buttons">
            <button type="submit">{props.intent === 'send' ? `Send to ${formatNumber(props.count)} recipients` : `Schedule for ${formatNumber(props.count)} recipients`}</button>
            <a href={`/console/campaigns/${campaign.id}#send`}>Go back</a>
          </div>
        </PostForm>
      </div>
    </Layout>
  );
}

export function registerCampaignPages(app: Hono<AppEnv>): void {
  app.get('/campaigns', async (c) => {
    const { deps } = c.var;
    const statusQuery = c.req.query('status') ?? '';
    const status = (statuses as string[]).includes(statusQuery) ? (statusQuery as CampaignStatus) : undefined;
    const pageNumber = Math.max(1, Number(c.req.query('page')) || 1);
    const result = await listCampaigns(deps.db, deps.config, { page: pageNumber, pageSize: PAGE_SIZE, status });
    const campaigns = await Promise.all(result.items.map(async (campaign) => ({ ...campaign, counts: await campaignCounts(deps.db, campaign.id) })));
    return c.html(<CampaignsPage page={pageContext(c)} campaigns={campaigns} total={result.total} pageNumber={pageNumber} status={status ?? ''} />);
  });

  app.get('/campaigns/:id{[0-9]+}', (c) => campaignPage(c));

  // The issue's body in a frame of its own: mail HTML carries inline styles, so this response
  // gets a policy that allows them and sandboxes the document with no script and no forms.
  // The sandbox keeps the console's origin, which is harmless without script. With an opaque
  // origin Chromium (IsolateSandboxedIframes, on in Debian's Chromium 156) runs each preview in
  // its own process, and a click right after a scroll was then routed to a preview frame
  // instead of the "Send test" button under the pointer.
  app.get('/campaigns/:id{[0-9]+}/preview', async (c) => {
    const { deps } = c.var;
    const format = c.req.query('format') === 'text' ? 'text' : 'html';
    const body = await campaignPreview(deps.db, deps.config, c.req.param('id'), format);
    c.header(
      'Content-Security-Policy',
      "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox",
    );
    return format === 'html' ? c.html(body) : c.text(body);
  });

  app.get('/campaigns/:id{[0-9]+}/progress', async (c) => {
    const { deps } = c.var;
    const campaign = await getCampaign(deps.db, deps.config, c.req.param('id'));
    return c.html(<Progress campaign={campaign} counts={await sendCounts(deps.db, campaign.id)} />);
  });

  app.post('/campaigns/:id{[0-9]+}', async (c) => {
    const { deps } = c.var;
    const id = c.req.param('id');
    const values = await readForm(c);
    const audience = audienceFromForm(values);
    try {
      if (field(values, 'intent') === 'count') return campaignPage(c, { values });
      const changes = validate(updateCampaignSchema, {
        subject: field(values, 'subject'),
        preheader: field(values, 'preheader'),
        intro: typeof values.intro === 'string' ? values.intro : '',
        lists: audience.lists ?? [],
        segment: audience.segment,
        rule: audience.rule,
        ...('items' in values || field(values, 'hasItems') ? { items: fields(values, 'items') } : {}),
      });
      await updateCampaign(deps, id, changes);
      return redirectWithNotice(c, `/console/campaigns/${id}`, 'draft-saved');
    } catch (error) {
      return campaignPage(c, { values, problem: formProblem(error) }, 422);
    }
  });

  app.post('/campaigns/:id{[0-9]+}/test', async (c) => {
    const form = await readForm(c);
    const emails = field(form, 'emails')
      .split(/[,;\s]+/)
      .map((email) => email.trim())
      .filter(Boolean);
    try {
      if (emails.length === 0 || emails.length > 20) {
        throw new ValidationError('Enter between 1 and 20 addresses for the test, separated by commas.', [{ path: 'emails', message: 'expected 1 to 20 addresses' }]);
      }
      const result = await testSend(c.var.deps, c.req.param('id'), emails, { actor: actorOf(c) });
      return campaignPage(c, { testResults: result.results, testWarnings: result.warnings });
    } catch (error) {
      const problem = formProblem(error);
      return campaignPage(c, { testResults: emails.map((email) => ({ email, status: 'failed', error: problem.message })) }, 422);
    }
  });

  app.post('/campaigns/:id{[0-9]+}/confirm', async (c) => {
    const { deps } = c.var;
    const form = await readForm(c);
    const campaign = await getCampaign(deps.db, deps.config, c.req.param('id'));
    const intent = field(form, 'intent') === 'send' ? 'send' : 'schedule';
    const count = await audienceSize(c, campaign);
    if (intent === 'send') return c.html(<ConfirmPage page={pageContext(c)} campaign={campaign} intent="send" count={count} />);
    const sendAt = fromLocalInput(field(form, 'sendAt'), c.var.session!.timezone);
    if (!sendAt || sendAt.getTime() <= deps.now().getTime()) {
      const message = sendAt ? 'The send time is in the past. Pick a later time, or use Send now.' : 'Pick a date and time to schedule the issue for.';
      return campaignPage(c, { problem: { message, details: [{ path: 'sendAt', message }] } }, 422);
    }
    return c.html(<ConfirmPage page={pageContext(c)} campaign={campaign} intent="schedule" count={count} sendAt={sendAt} />);
  });

  app.post('/campaigns/:id{[0-9]+}/send', async (c) => {
    const id = c.req.param('id');
    const result = await startSend(c.var.deps, id, { actor: actorOf(c) });
    c.set('auditDetails', { audienceSize: result.audienceSize });
    return redirectWithNotice(c, `/console/campaigns/${id}`, 'sending');
  });

  app.post('/campaigns/:id{[0-9]+}/schedule', async (c) => {
    const id = c.req.param('id');
    const form = await readForm(c);
    const sendAt = new Date(field(form, 'sendAt'));
    if (Number.isNaN(sendAt.getTime())) {
      throw new ValidationError('The send time is missing or unreadable. Go back to the campaign and pick a time again.', [{ path: 'sendAt', message: 'expected a time' }]);
    }
    await scheduleCampaign(c.var.deps, id, sendAt, actorOf(c));
    return redirectWithNotice(c, `/console/campaigns/${id}`, 'scheduled');
  });

  app.post('/campaigns/:id{[0-9]+}/pause', async (c) => {
    await pauseCampaign(c.var.deps, c.req.param('id'), actorOf(c));
    return redirectWithNotice(c, `/console/campaigns/${c.req.param('id')}`, 'paused');
  });

  app.post('/campaigns/:id{[0-9]+}/resume', async (c) => {
    await resumeCampaign(c.var.deps, c.req.param('id'), actorOf(c));
    return redirectWithNotice(c, `/console/campaigns/${c.req.param('id')}`, 'resumed');
  });

  app.post('/campaigns/:id{[0-9]+}/cancel', async (c) => {
    await cancelCampaign(c.var.deps, c.req.param('id'), actorOf(c));
    return redirectWithNotice(c, `/console/campaigns/${c.req.param('id')}`, 'cancelled');
  });

  app.post('/campaigns/:id{[0-9]+}/resend', async (c) => {
    const form = await readForm(c);
    const states = fields(form, 'states').filter((state): state is 'failed' | 'uncertain' => state === 'failed' || state === 'uncertain');
    if (states.length === 0) throw new ValidationError('Tick failed, uncertain or both to choose whom to resend to.', [{ path: 'states', message: 'expected failed or uncertain' }]);
    const result = await resendRows(c.var.deps, c.req.param('id'), states, actorOf(c));
    c.set('auditDetails', { requeued: result.requeued });
    return redirectWithNotice(c, `/console/campaigns/${c.req.param('id')}`, 'resent');
  });
}

