/** @jsxImportSource hono/jsx */
/**
 * Schedules of recurring digests: each schedule's next runs and last run, forms to create,
 * edit and delete one, and the digest drafts awaiting approval. A digest that does not send on
 * its own leaves a draft, which an editor previews on its campaign page and then approves (it
 * is sent) or discards (it is cancelled) here.
 */
import type { Context, Hono } from 'hono';
import { getCampaign } from '../../campaigns/campaigns.ts';
import { countAudience } from '../../segments/audience.ts';
import { deleteDigest, updateDigest, type Digest, type DigestInput } from '../../digests/digests.ts';
import { approveDigestDraft, discardDigestDraft, getDigestDraft, listDigestDrafts, type DigestDraft } from '../../digests/drafts.ts';
import { checkCron, createSchedule, deleteSchedule, getSchedule, listFires, listSchedules, updateSchedule, type Schedule } from '../../digests/schedules.ts';
import { createScheduleSchema, updateDigestSchema, updateScheduleSchema } from '../../digests/schemas.ts';
import type { AppEnv } from '../../http/context.ts';
import { validate } from '../../http/validate.ts';
import { audienceFromForm, isEmptyAudience } from '../audience-form.ts';
import { formatNumber, timeZoneNames } from '../format.ts';
import { field, fieldError, fields, formProblem, pageContext, readForm, redirectWithNotice, type FormProblem, type FormValues } from '../http.ts';
import { ActionButton, can, Empty, ErrorSummary, Layout, PostForm, StatusBadge, When, ZoneNote, type PageContext } from '../layout.tsx';
import { AudienceFields, audienceChoices, type AudienceChoices } from '../audience-fields.tsx';

function ScheduleRows({ page, schedules }: { page: PageContext; schedules: Schedule[] }) {
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Schedule</th>
            <th scope="col">When</th>
            <th scope="col">
              Next runs <ZoneNote page={page} />
            </th>
            <th scope="col">Last run</th>
            <th scope="col">Sends</th>
          </tr>
        </thead>
        <tbody>
          {schedules.map((schedule) => (
            <tr>
              <td>
                <a href={`/console/schedules/${schedule.id}`}>{schedule.name || schedule.digest.name}</a>
                {schedule.enabled ? null : (
                  <>
                    {' '}
                    <StatusBadge status="paused" />
                  </>
                )}
              </td>
              <td>
                <code>{schedule.cron}</code> <span class="muted">in {schedule.timezone}</span>
              </td>
              <td>
                {schedule.nextRuns.length === 0 ? (
                  <span class="muted">none while paused</span>
                ) : (
                  schedule.nextRuns.slice(0, 3).map((run) => (
                    <div>
                      <When page={page} at={run} />
                    </div>
                  ))
                )}
              </td>
              <td>
                {schedule.lastFire ? (
                  <>
                    <StatusBadge status={schedule.lastFire.status} /> <When page={page} at={schedule.lastFire.fireAt} />
                  </>
                ) : (
                  <span class="muted">not yet</span>
                )}
              </td>
              <td>{schedule.digest.autoSend ? 'on its own' : 'a draft for approval'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Renders the fields a schedule form shares between creating and editing. */
function ScheduleFields(props: { values: FormValues; problem?: FormProblem; choices: AudienceChoices; zone: string; prefix: string; count?: number }) {
  const { values, problem, prefix } = props;
  const fresh = !('name' in values);
  return (
    <>
      <label for={`${prefix}-name`}>Name</label>
      <input id={`${prefix}-name`} name="name" type="text" required maxlength={200} value={field(values, 'name')} />
      {fieldError(problem, 'name') ? <span class="field-error">{fieldError(problem, 'name')}</span> : null}
      <label for={`${prefix}-subject`}>
        Subject <span class="hint">{'{date}'} becomes the run's date, such as "Digest of {'{date}'}".</span>
      </label>
      <input id={`${prefix}-subject`} name="subject" type="text" required maxlength={300} value={field(values, 'subject')} />
      {fieldError(problem, 'subject') ? <span class="field-error">{fieldError(problem, 'subject')}</span> : null}
      <label for={`${prefix}-cron`}>
        When (cron) <span class="hint">minute hour day month weekday: "0 9 * * 1#1" is 09:00 on the first Monday of each month.</span>
      </label>
      <input id={`${prefix}-cron`} name="cron" type="text" required value={field(values, 'cron') || '0 9 * * 1#1'} />
      {fieldError(problem, 'cron') ? <span class="field-error">{fieldError(problem, 'cron')}</span> : null}
      <label for={`${prefix}-zone`}>Time zone</label>
      <select id={`${prefix}-zone`} name="timezone">
        {timeZoneNames().map((name) => (
          <option value={name} selected={name === props.zone}>
            {name}
          </option>
        ))}
      </select>
      <label class="check">
        <input type="checkbox" name="autoSend" value="1" checked={field(values, 'autoSend') === '1'} /> Send on its own (otherwise a draft waits for approval)
      </label>
      <label class="check">
        <input type="checkbox" name="skipWhenEmpty" value="1" checked={fresh || field(values, 'skipWhenEmpty') === '1'} /> Skip the run when nothing is new
      </label>
      <label for={`${prefix}-missed`}>If the service was down at a run time</label>
      <select id={`${prefix}-missed`} name="missedFire">
        <option value="catchUp" selected={field(values, 'missedFire') !== 'skip'}>
          Run it once when back
        </option>
        <option value="skip" selected={field(values, 'missedFire') === 'skip'}>
          Skip it
        </option>
      </select>
      <AudienceFields choices={props.choices} values={values} count={props.count} problem={problem} />
    </>
  );
}

function DraftList({ page, drafts }: { page: PageContext; drafts: DigestDraft[] }) {
  if (drafts.length === 0) {
    return (
      <Empty title="No digest is waiting">
        <p>Digests that do not send on their own leave their draft here for an editor to approve or discard.</p>
      </Empty>
    );
  }
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Issue</th>
            <th scope="col">Digest</th>
            <th scope="col" class="num">
              Items
            </th>
            <th scope="col">
              Composed <ZoneNote page={page} />
            </th>
            {can(page, 'editor') ? <th scope="col">Decision</th> : null}
          </tr>
        </thead>
        <tbody>
          {drafts.map((draft) => (
            <tr>
              <td>
                <a href={`/console/campaigns/${draft.id}`}>{draft.subject}</a> <span class="muted">(preview and edit)</span>
              </td>
              <td>{draft.digestName ?? <span class="muted">deleted digest</span>}</td>
              <td class="num">{formatNumber(draft.itemCount)}</td>
              <td>
                <When page={page} at={draft.createdAt} />
              </td>
              {can(page, 'editor') ? (
                <td>
                  <a href={`/console/schedules/drafts/${draft.id}/approve`}>Approve…</a> · <a href={`/console/schedules/drafts/${draft.id}/discard`}>Discard…</a>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Form values showing a schedule and its digest as they are stored. */
function valuesOf(schedule: Schedule): FormValues {
  const digest = schedule.digest;
  return {
    name: schedule.name,
    subject: digest.subject,
    cron: schedule.cron,
    timezone: schedule.timezone,
    missedFire: schedule.missedFire,
    autoSend: digest.autoSend ? '1' : '',
    skipWhenEmpty: digest.skipWhenEmpty ? '1' : '',
    lists: digest.lists,
    segment: digest.segment ?? '',
    topics: topicsOf(digest.rule) ?? [],
  };
}

/** Returns the topic slugs of a rule the audience form writes (`topic in [...]`), or undefined for any other rule. */
function topicsOf(rule: unknown): string[] | undefined {
  if (!rule || typeof rule !== 'object') return undefined;
  const candidate = rule as { field?: unknown; op?: unknown; value?: unknown };
  if (candidate.field !== 'topic' || candidate.op !== 'in' || !Array.isArray(candidate.value)) return undefined;
  return candidate.value.filter((value): value is string => typeof value === 'string');
}

/** True when the digest's rule was set through the API in a form the audience fields cannot show. */
function hasOtherRule(digest: Digest): boolean {
  return digest.rule !== null && topicsOf(digest.rule) === undefined;
}

function SchedulePage(props: {
  page: PageContext;
  schedule: Schedule;
  fires: Awaited<ReturnType<typeof listFires>>;
  sharedWith: number;
  choices: AudienceChoices;
  values: FormValues;
  problem?: FormProblem;
  count?: number;
}) {
  const { page, schedule, fires } = props;
  return (
    <Layout page={page} title={`Schedule: ${schedule.name || schedule.digest.name}`}>
      <p>
        <a href="/console/schedules">← Schedules</a>
      </p>
      <dl class="facts">
        <dt>Runs</dt>
        <dd>
          <code>{schedule.cron}</code> in {schedule.timezone}
          {schedule.enabled ? null : (
            <>
              {' '}
              <StatusBadge status="paused" />
            </>
          )}
        </dd>
        <dt>Subject</dt>
        <dd>{schedule.digest.subject}</dd>
        <dt>Audience</dt>
        <dd>{[...schedule.digest.lists, schedule.digest.segment ? `segment ${schedule.digest.segment}` : ''].filter(Boolean).join(', ') || 'a rule'}</dd>
        <dt>Sends</dt>
        <dd>{schedule.digest.autoSend ? 'on its own' : 'a draft for approval'}</dd>
        <dt>
          Next runs <ZoneNote page={page} />
        </dt>
        <dd>
          {schedule.nextRuns.length === 0
            ? 'none while paused'
            : schedule.nextRuns.map((run) => (
                <div>
                  <When page={page} at={run} />
                </div>
              ))}
        </dd>
      </dl>
      {can(page, 'editor') ? (
        <div class="buttons">
          <ActionButton page={page} action={`/console/schedules/${schedule.id}/${schedule.enabled ? 'pause' : 'resume'}`} label={schedule.enabled ? 'Pause the schedule' : 'Resume the schedule'} />
          <a class="button secondary" href={`/console/schedules/${schedule.id}/delete`}>
            Delete the schedule…
          </a>
        </div>
      ) : null}
      <h2>Runs</h2>
      {fires.items.length === 0 ? (
        <Empty title="No run yet">
          <p>The first run is at the first of the next runs above.</p>
        </Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">
                  Due <ZoneNote page={page} />
                </th>
                <th scope="col">Outcome</th>
                <th scope="col">Issue</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {fires.items.map((fire) => (
                <tr>
                  <td>
                    <When page={page} at={fire.fireAt} />
                  </td>
                  <td>
                    <StatusBadge status={fire.status} />
                  </td>
                  <td>{fire.campaignId ? <a href={`/console/campaigns/${fire.campaignId}`}>open</a> : '–'}</td>
                  <td>{fire.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {can(page, 'editor') ? (
        <>
          <h2 id="edit">Edit</h2>
          <PostForm page={page} action={`/console/schedules/${schedule.id}`} class="card">
            <ErrorSummary message={props.problem?.message} details={props.problem?.details} />
            {props.sharedWith > 0 ? (
              <p class="warning">
                The subject, audience and sending choices belong to the digest "{schedule.digest.name}", which {props.sharedWith === 1 ? 'one other schedule' : `${props.sharedWith} other schedules`} also
                run: changing them here changes those too.
              </p>
            ) : null}
            {hasOtherRule(schedule.digest) ? (
              <p class="hint">This digest's audience also has a rule set through the API. Saving keeps it unless you tick topics here, which replace it.</p>
            ) : null}
            <ScheduleFields values={props.values} problem={props.problem} choices={props.choices} zone={field(props.values, 'timezone') || schedule.timezone} prefix="edit" count={props.count} />
            <p class="hint">A new time or zone starts the schedule afresh from now: runs of the old rhythm are not caught up.</p>
            <div class="buttons">
              <button type="submit" name="intent" value="save">
                Save changes
              </button>
            </div>
          </PostForm>
        </>
      ) : null}
    </Layout>
  );
}

function DeleteSchedulePage(props: { page: PageContext; schedule: Schedule; runs: number; sharedWith: number }) {
  const { page, schedule } = props;
  const name = schedule.name || schedule.digest.name;
  return (
    <Layout page={page} title={`Delete the schedule "${name}"?`}>
      <div class="card" role="alertdialog" aria-labelledby="delete-question">
        <p id="delete-question">
          <strong>{name}</strong> stops running: no more issues are composed at <code>{schedule.cron}</code> in {schedule.timezone}. Its history of{' '}
          {formatNumber(props.runs)} {props.runs === 1 ? 'run' : 'runs'} is deleted.
        </p>
        <p>
          Issues it already composed stay: drafts still wait under Drafts awaiting approval, and scheduled or sent issues keep their reports.{' '}
          {props.sharedWith > 0
            ? `The digest "${schedule.digest.name}" stays, because ${props.sharedWith === 1 ? 'another schedule runs' : `${props.sharedWith} other schedules run`} it.`
            : `Its subject and audience settings (the digest "${schedule.digest.name}") are deleted with it.`}{' '}
          This cannot be undone.
        </p>
        {can(page, 'editor') ? (
          <PostForm page={page} action={`/console/schedules/${schedule.id}/delete`}>
            <div class="buttons">
              <button type="submit" class="danger">
                Delete the schedule
              </button>
              <a href={`/console/schedules/${schedule.id}`}>Keep it</a>
            </div>
          </PostForm>
        ) : (
          <p>Deleting needs the editor or administrator role.</p>
        )}
      </div>
    </Layout>
  );
}

function DraftDecisionPage(props: { page: PageContext; draft: DigestDraft; decision: 'approve' | 'discard'; count: number }) {
  const { page, draft } = props;
  const approve = props.decision === 'approve';
  return (
    <Layout page={page} title={approve ? 'Approve and send this digest?' : 'Discard this digest draft?'}>
      <div class="card" role="alertdialog" aria-labelledby="decision-question">
        {approve ? (
          <>
            <p id="decision-question">
              <strong>"{draft.subject}"</strong> with {formatNumber(draft.itemCount)} {draft.itemCount === 1 ? 'item' : 'items'} goes to{' '}
              <strong>
                {formatNumber(props.count)} {props.count === 1 ? 'recipient' : 'recipients'}
              </strong>{' '}
              now. A sent issue cannot be taken back.
            </p>
            {props.count === 0 ? <p class="warning">Nobody would receive it: check the audience on the campaign page before approving.</p> : null}
          </>
        ) : (
          <p id="decision-question">
            <strong>"{draft.subject}"</strong> is cancelled and nobody receives it. Its {formatNumber(draft.itemCount)} {draft.itemCount === 1 ? 'item counts' : 'items count'} as unsent, so the
            digest's next run offers {draft.itemCount === 1 ? 'it' : 'them'} again.
          </p>
        )}
        <p>
          <a href={`/console/campaigns/${draft.id}`}>Open the preview</a> to read it first{approve ? ', or to edit it or schedule it for later' : ''}.
        </p>
        {can(page, 'editor') ? (
          <PostForm page={page} action={`/console/schedules/drafts/${draft.id}/${props.decision}`}>
            <div class="buttons">
              <button type="submit" class={approve ? undefined : 'danger'}>
                {approve ? `Approve and send to ${formatNumber(props.count)} ${props.count === 1 ? 'recipient' : 'recipients'}` : 'Discard the draft'}
              </button>
              <a href="/console/schedules#drafts">Go back</a>
            </div>
          </PostForm>
        ) : (
          <p>This needs the editor or administrator role.</p>
        )}
      </div>
    </Layout>
  );
}

function SchedulesPage(props: { page: PageContext; schedules: Schedule[]; drafts: DigestDraft[]; choices: AudienceChoices; values: FormValues; problem?: FormProblem }) {
  const { page, values, problem } = props;
  const zone = field(values, 'timezone') || page.session.timezone;
  return (
    <Layout page={page} title="Schedules">
      <h2 id="drafts">Drafts awaiting approval</h2>
      <DraftList page={page} drafts={props.drafts} />

      <h2>Recurring digests</h2>
      {props.schedules.length === 0 ? (
        <Empty title="No schedules yet">
          <p>A schedule composes an issue from what is new, such as "first Monday of the month, 09:00 Asia/Seoul".</p>
        </Empty>
      ) : (
        <ScheduleRows page={page} schedules={props.schedules} />
      )}

      {can(page, 'editor') ? (
        <>
          <h2 id="new-schedule">New schedule</h2>
          <PostForm page={page} action="/console/schedules" class="card">
            <ErrorSummary message={problem?.message} details={problem?.details} />
            <ScheduleFields values={values} problem={problem} choices={props.choices} zone={zone} prefix="schedule" />
            <div class="buttons">
              <button type="submit" name="intent" value="save">
                Create schedule
              </button>
            </div>
          </PostForm>
        </>
      ) : null}
    </Layout>
  );
}

async function schedulesPage(c: Context<AppEnv>, values: FormValues = {}, problem?: FormProblem, status: 200 | 422 = 200) {
  const { deps } = c.var;
  const [schedules, drafts, choices] = await Promise.all([listSchedules(deps.db, deps.now(), { page: 1, pageSize: 100 }), listDigestDrafts(deps.db), audienceChoices(c)]);
  return c.html(<SchedulesPage page={pageContext(c)} schedules={schedules.items} drafts={drafts} choices={choices} values={values} problem={problem} />, status);
}

/** Counts the other schedules that run the same digest. */
async function otherSchedulesOf(c: Context<AppEnv>, schedule: Schedule): Promise<number> {
  const { deps } = c.var;
  const sharing = await listSchedules(deps.db, deps.now(), { page: 1, pageSize: 1, digest: schedule.digestId });
  return sharing.total - 1;
}

async function schedulePage(c: Context<AppEnv>, extra: { values?: FormValues; problem?: FormProblem; count?: number } = {}, status: 200 | 422 = 200) {
  const { deps } = c.var;
  const schedule = await getSchedule(deps.db, c.req.param('id')!, deps.now());
  const [fires, sharedWith, choices] = await Promise.all([listFires(deps.db, schedule.id, 1, 20), otherSchedulesOf(c, schedule), audienceChoices(c)]);
  return c.html(
    <SchedulePage
      page={pageContext(c)}
      schedule={schedule}
      fires={fires}
      sharedWith={sharedWith}
      choices={choices}
      values={extra.values ?? valuesOf(schedule)}
      problem={extra.problem}
      count={extra.count}
    />,
    status,
  );
}

function actorOf(c: Context<AppEnv>): string {
  return c.var.staff?.name ?? 'console';
}

export function registerSchedulePages(app: Hono<AppEnv>): void {
  app.get('/schedules', (c) => schedulesPage(c));

  app.post('/schedules', async (c) => {
    const { deps } = c.var;
    const values = await readForm(c);
    try {
      if (field(values, 'intent') === 'count') return schedulesPage(c, values);
      const audience = audienceFromForm(values);
      const body = validate(createScheduleSchema, {
        name: field(values, 'name'),
        subject: field(values, 'subject'),
        cron: field(values, 'cron'),
        timezone: field(values, 'timezone'),
        missedFire: field(values, 'missedFire') === 'skip' ? 'skip' : 'catchUp',
        autoSend: field(values, 'autoSend') === '1',
        skipWhenEmpty: field(values, 'skipWhenEmpty') === '1',
        ...audience,
      });
      const { digest: _none, cron, timezone, missedFire, maxLatenessMinutes, enabled, ...digestFields } = body;
      const schedule = await createSchedule(
        deps.db,
        { digestInput: digestFields as DigestInput, name: digestFields.name, cron, timezone, missedFire, maxLatenessMinutes, enabled },
        deps.now(),
        c.var.staff?.name,
      );
      c.set('auditDetails', { scheduleId: schedule.id, cron: schedule.cron, timezone: schedule.timezone });
      return redirectWithNotice(c, `/console/schedules/${schedule.id}`, 'created');
    } catch (error) {
      return schedulesPage(c, values, formProblem(error), 422);
    }
  });

  app.get('/schedules/:id{[0-9]+}', (c) => schedulePage(c));

  // The edit form changes the schedule (name, time, zone, missed runs) and its digest (subject,
  // audience, sending choices). Both are checked before either is written.
  app.post('/schedules/:id{[0-9]+}', async (c) => {
    const { deps } = c.var;
    const schedule = await getSchedule(deps.db, c.req.param('id'), deps.now());
    const values = await readForm(c);
    try {
      const audience = audienceFromForm(values);
      if (field(values, 'intent') === 'count') {
        const count = isEmptyAudience(audience) ? 0 : await countAudience(deps.db, audience, { now: deps.now() });
        return schedulePage(c, { values, count });
      }
      const scheduleChanges = validate(
        updateScheduleSchema,
        {
          name: field(values, 'name'),
          cron: field(values, 'cron'),
          timezone: field(values, 'timezone'),
          missedFire: field(values, 'missedFire') === 'skip' ? 'skip' : 'catchUp',
        },
        'The schedule',
      );
      checkCron(scheduleChanges.cron ?? schedule.cron, scheduleChanges.timezone ?? schedule.timezone);
      // A rule set through the API that the form cannot show is kept unless topics replace it.
      const rule = audience.rule ?? (hasOtherRule(schedule.digest) ? schedule.digest.rule : undefined);
      const digestChanges = validate(
        updateDigestSchema,
        {
          subject: field(values, 'subject'),
          lists: fields(values, 'lists'),
          segment: audience.segment,
          rule,
          autoSend: field(values, 'autoSend') === '1',
          skipWhenEmpty: field(values, 'skipWhenEmpty') === '1',
        },
        'The schedule',
      );
      await updateDigest(deps.db, schedule.digestId, digestChanges as Partial<DigestInput>, actorOf(c));
      await updateSchedule(deps.db, schedule.id, scheduleChanges, deps.now(), actorOf(c));
      c.set('auditDetails', { scheduleId: schedule.id, digestId: schedule.digestId, cron: scheduleChanges.cron, timezone: scheduleChanges.timezone });
      return redirectWithNotice(c, `/console/schedules/${schedule.id}`, 'saved');
    } catch (error) {
      return schedulePage(c, { values, problem: formProblem(error) }, 422);
    }
  });

  app.post('/schedules/:id{[0-9]+}/pause', async (c) => {
    await updateSchedule(c.var.deps.db, c.req.param('id'), { enabled: false }, c.var.deps.now(), c.var.staff?.name);
    return redirectWithNotice(c, `/console/schedules/${c.req.param('id')}`, 'saved');
  });

  app.post('/schedules/:id{[0-9]+}/resume', async (c) => {
    await updateSchedule(c.var.deps.db, c.req.param('id'), { enabled: true }, c.var.deps.now(), c.var.staff?.name);
    return redirectWithNotice(c, `/console/schedules/${c.req.param('id')}`, 'saved');
  });

  app.get('/schedules/:id{[0-9]+}/delete', async (c) => {
    const { deps } = c.var;
    const schedule = await getSchedule(deps.db, c.req.param('id'), deps.now());
    const [fires, sharedWith] = await Promise.all([listFires(deps.db, schedule.id, 1, 1), otherSchedulesOf(c, schedule)]);
    return c.html(<DeleteSchedulePage page={pageContext(c)} schedule={schedule} runs={fires.total} sharedWith={sharedWith} />);
  });

  // A digest that no other schedule runs is deleted with its schedule: the console shows
  // digests only through their schedules, and a left-over digest would keep its name taken.
  app.post('/schedules/:id{[0-9]+}/delete', async (c) => {
    const { deps } = c.var;
    const schedule = await getSchedule(deps.db, c.req.param('id'), deps.now());
    const sharedWith = await otherSchedulesOf(c, schedule);
    if (sharedWith === 0) await deleteDigest(deps.db, schedule.digestId, actorOf(c));
    else await deleteSchedule(deps.db, schedule.id, actorOf(c));
    c.set('auditDetails', { scheduleId: schedule.id, digestId: schedule.digestId, digestDeleted: sharedWith === 0 });
    return redirectWithNotice(c, '/console/schedules', 'deleted');
  });

  app.get('/schedules/drafts/:id{[0-9]+}/approve', async (c) => {
    const { deps } = c.var;
    const draft = await getDigestDraft(deps.db, c.req.param('id'));
    const campaign = await getCampaign(deps.db, deps.config, draft.id);
    const count = await countAudience(deps.db, { lists: campaign.lists, segment: campaign.segment ?? undefined, rule: campaign.rule ?? undefined }, { now: deps.now() });
    return c.html(<DraftDecisionPage page={pageContext(c)} draft={draft} decision="approve" count={count} />);
  });

  app.post('/schedules/drafts/:id{[0-9]+}/approve', async (c) => {
    const result = await approveDigestDraft(c.var.deps, c.req.param('id'), actorOf(c));
    c.set('auditDetails', { campaignId: result.campaignId, audienceSize: result.audienceSize });
    return redirectWithNotice(c, `/console/campaigns/${result.campaignId}`, 'approved');
  });

  app.get('/schedules/drafts/:id{[0-9]+}/discard', async (c) => {
    const draft = await getDigestDraft(c.var.deps.db, c.req.param('id'));
    return c.html(<DraftDecisionPage page={pageContext(c)} draft={draft} decision="discard" count={0} />);
  });

  app.post('/schedules/drafts/:id{[0-9]+}/discard', async (c) => {
    await discardDigestDraft(c.var.deps, c.req.param('id'), actorOf(c));
    return redirectWithNotice(c, '/console/schedules', 'discarded');
  });
}
