/** @jsxImportSource hono/jsx */
/**
 * Schedules of recurring digests: each schedule's next runs and last run, a form for a new
 * one, and the digest drafts awaiting approval. A digest that does not send on its own leaves
 * a draft, which an editor previews and sends from its campaign page.
 */
import type { Context, Hono } from 'hono';
import { sql } from 'kysely';
import { createSchedule, deleteSchedule, getSchedule, listFires, listSchedules, updateSchedule, type Schedule } from '../../digests/schedules.ts';
import { createScheduleSchema } from '../../digests/schemas.ts';
import type { DigestInput } from '../../digests/digests.ts';
import type { AppEnv } from '../../http/context.ts';
import { validate } from '../../http/validate.ts';
import { audienceFromForm } from '../audience-form.ts';
import { timeZoneNames } from '../format.ts';
import { field, fieldError, formProblem, pageContext, readForm, redirectWithNotice, type FormProblem, type FormValues } from '../http.ts';
import { ActionButton, can, Empty, ErrorSummary, Layout, PostForm, StatusBadge, When, ZoneNote, type PageContext } from '../layout.tsx';
import { AudienceFields, audienceChoices, type AudienceChoices } from '../audience-fields.tsx';

interface DraftRow {
  id: string;
  subject: string;
  created_at: Date;
}

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

function SchedulesPage(props: { page: PageContext; schedules: Schedule[]; drafts: DraftRow[]; choices: AudienceChoices; values: FormValues; problem?: FormProblem }) {
  const { page, values, problem } = props;
  const zone = field(values, 'timezone') || page.session.timezone;
  return (
    <Layout page={page} title="Schedules">
      <h2>Drafts awaiting approval</h2>
      {props.drafts.length === 0 ? (
        <Empty title="No digest is waiting">
          <p>Digests that do not send on their own leave their draft here.</p>
        </Empty>
      ) : (
        <ul>
          {props.drafts.map((draft) => (
            <li>
              <a href={`/console/campaigns/${draft.id}`}>{draft.subject}</a> <span class="muted">· composed <When page={page} at={draft.created_at} /></span>
            </li>
          ))}
        </ul>
      )}

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
            <label for="schedule-name">Name</label>
            <input id="schedule-name" name="name" type="text" required maxlength={200} value={field(values, 'name')} />
            <label for="schedule-subject">
              Subject <span class="hint">{'{date}'} becomes the run's date, such as "Digest of {'{date}'}".</span>
            </label>
            <input id="schedule-subject" name="subject" type="text" required maxlength={300} value={field(values, 'subject')} />
            <label for="schedule-cron">
              When (cron) <span class="hint">minute hour day month weekday: "0 9 * * 1#1" is 09:00 on the first Monday of each month.</span>
            </label>
            <input id="schedule-cron" name="cron" type="text" required value={field(values, 'cron') || '0 9 * * 1#1'} />
            {fieldError(problem, 'cron') ? <span class="field-error">{fieldError(problem, 'cron')}</span> : null}
            <label for="schedule-zone">Time zone</label>
            <select id="schedule-zone" name="timezone">
              {timeZoneNames().map((name) => (
                <option value={name} selected={name === zone}>
                  {name}
                </option>
              ))}
            </select>
            <label class="check">
              <input type="checkbox" name="autoSend" value="1" checked={field(values, 'autoSend') === '1'} /> Send on its own (otherwise a draft waits for approval)
            </label>
            <label class="check">
              <input type="checkbox" name="skipWhenEmpty" value="1" checked={!('name' in values) || field(values, 'skipWhenEmpty') === '1'} /> Skip the run when nothing is new
            </label>
            <label for="schedule-missed">If the service was down at a run time</label>
            <select id="schedule-missed" name="missedFire">
              <option value="catchUp" selected={field(values, 'missedFire') !== 'skip'}>
                Run it once when back
              </option>
              <option value="skip" selected={field(values, 'missedFire') === 'skip'}>
                Skip it
              </option>
            </select>
            <AudienceFields choices={props.choices} values={values} />
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

async function pendingDrafts(c: Context<AppEnv>): Promise<DraftRow[]> {
  return c.var.deps.db
    .selectFrom('campaigns')
    .select(['id', 'subject', 'created_at'])
    .where('status', '=', 'draft')
    .where(sql<boolean>`series like 'digest:%'`)
    .orderBy('id', 'desc')
    .limit(50)
    .execute();
}

async function schedulesPage(c: Context<AppEnv>, values: FormValues = {}, problem?: FormProblem, status: 200 | 422 = 200) {
  const { deps } = c.var;
  const [schedules, drafts, choices] = await Promise.all([listSchedules(deps.db, deps.now(), { page: 1, pageSize: 100 }), pendingDrafts(c), audienceChoices(c)]);
  return c.html(<SchedulesPage page={pageContext(c)} schedules={schedules.items} drafts={drafts} choices={choices} values={values} problem={problem} />, status);
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

  app.get('/schedules/:id{[0-9]+}', async (c) => {
    const { deps } = c.var;
    const page = pageContext(c);
    const schedule = await getSchedule(deps.db, c.req.param('id'), deps.now());
    const fires = await listFires(deps.db, schedule.id, 1, 20);
    return c.html(
      <Layout page={page} title={`Schedule: ${schedule.name || schedule.digest.name}`}>
        <p>
          <a href="/console/schedules">← Schedules</a>
        </p>
        <dl class="facts">
          <dt>Runs</dt>
          <dd>
            <code>{schedule.cron}</code> in {schedule.timezone}
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
            <ActionButton page={page} action={`/console/schedules/${schedule.id}/delete`} label="Delete the schedule" danger />
          </div>
        ) : null}
        <h2>Runs</h2>
        {fires.items.length === 0 ? (
          <Empty title="No run yet" />
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
      </Layout>,
    );
  });

  app.post('/schedules/:id{[0-9]+}/pause', async (c) => {
    await updateSchedule(c.var.deps.db, c.req.param('id'), { enabled: false }, c.var.deps.now(), c.var.staff?.name);
    return redirectWithNotice(c, `/console/schedules/${c.req.param('id')}`, 'saved');
  });

  app.post('/schedules/:id{[0-9]+}/resume', async (c) => {
    await updateSchedule(c.var.deps.db, c.req.param('id'), { enabled: true }, c.var.deps.now(), c.var.staff?.name);
    return redirectWithNotice(c, `/console/schedules/${c.req.param('id')}`, 'saved');
  });

  app.post('/schedules/:id{[0-9]+}/delete', async (c) => {
    await deleteSchedule(c.var.deps.db, c.req.param('id'), c.var.staff?.name);
    return redirectWithNotice(c, '/console/schedules', 'deleted');
  });
}
