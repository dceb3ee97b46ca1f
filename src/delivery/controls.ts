/**
 * Staff controls over a send: schedule, pause, resume, cancel, resend failed or uncertain
 * rows, and test sends. Plain functions taking `deps`, shared by the staff API, the console
 * and the CLI. Every change is written to the audit log with the actor.
 */
import type { CampaignStatus, LedgerStatus } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { maskEmail } from '../log.ts';
import { SendError } from './mailer.ts';
import { bareAddress, buildMime } from './mime.ts';
import { fillMergeFields } from '../campaigns/merge-fields.ts';
import { recordAudit } from './ledger.ts';
import { bodySizeWarning, mergeValuesFor } from './personalise.ts';
import { renderedForSend, type RenderedLoader } from './rendered-source.ts';
import { recordSentMessage } from '../feedback/sent-messages.ts';

export interface CampaignState {
  id: string;
  status: CampaignStatus;
  statusReason: string | null;
  sendAt: string | null;
}

async function lockCampaign(deps: Deps, campaignId: string) {
  const campaign = await deps.db
    .selectFrom('campaigns')
    .select(['id', 'status', 'status_reason', 'send_at'])
    .where('id', '=', campaignId)
    .executeTakeFirst();
  if (!campaign) throw new NotFoundError(`Campaign ${campaignId} not found.`);
  return campaign;
}

/**
 * Moves a campaign from one set of statuses to another in one conditional UPDATE, so a change
 * made meanwhile by another process (a worker finishing, feedback pausing) is never overwritten.
 */
async function transition(
  deps: Deps,
  campaignId: string,
  from: CampaignStatus[],
  to: CampaignStatus,
  changes: { status_reason?: string | null; send_at?: Date },
  actor: string,
  action: string,
): Promise<CampaignState> {
  return deps.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('campaigns')
      .set({ status: to, updated_at: deps.now(), ...changes })
      .where('id', '=', campaignId)
      .where('status', 'in', from)
      .returning(['id', 'status', 'status_reason', 'send_at'])
      .executeTakeFirst();
    if (!updated) {
      const current = await trx.selectFrom('campaigns').select('status').where('id', '=', campaignId).executeTakeFirst();
      if (!current) throw new NotFoundError(`Campaign ${campaignId} not found.`);
      throw new ConflictError(`Campaign ${campaignId} is ${current.status}; this needs it to be ${from.join(' or ')}.`);
    }
    await recordAudit(trx, actor, action, campaignId, { to, ...changes });
    return toState(updated);
  });
}

function toState(row: { id: string; status: CampaignStatus; status_reason: string | null; send_at: Date | null }): CampaignState {
  return {
    id: row.id,
    status: row.status,
    statusReason: row.status_reason,
    sendAt: row.send_at ? new Date(row.send_at).toISOString() : null,
  };
}

/** Schedules a draft (or reschedules a scheduled campaign) for `sendAt`, which must be in the future. */
export async function scheduleCampaign(deps: Deps, campaignId: string, sendAt: Date, actor: string): Promise<CampaignState> {
  if (sendAt.getTime() <= deps.now().getTime()) {
    throw new ValidationError('sendAt must be in the future; to send now, use send.', [
      { path: 'sendAt', message: 'expected a time in the future' },
    ]);
  }
  return transition(deps, campaignId, ['draft', 'scheduled'], 'scheduled', { send_at: sendAt, status_reason: null }, actor, 'campaign.schedule');
}

/** Pauses a sending campaign; workers finish the message in hand and claim no more. */
export async function pauseCampaign(deps: Deps, campaignId: string, actor: string, reason?: string): Promise<CampaignState> {
  const current = await lockCampaign(deps, campaignId);
  if (current.status === 'paused') return toState(current);
  return transition(deps, campaignId, ['sending'], 'paused', { status_reason: reason ?? `Paused by ${actor}.` }, actor, 'campaign.pause');
}

/** Resumes a paused campaign: workers continue with the rows not yet sent. */
export async function resumeCampaign(deps: Deps, campaignId: string, actor: string): Promise<CampaignState> {
  const current = await lockCampaign(deps, campaignId);
  if (current.status === 'sending') return toState(current);
  return transition(deps, campaignId, ['paused'], 'sending', { status_reason: null }, actor, 'campaign.resume');
}

/** Cancels a campaign that is not sent: queued rows are skipped, messages already sent stay sent. */
export async function cancelCampaign(deps: Deps, campaignId: string, actor: string): Promise<CampaignState> {
  const current = await lockCampaign(deps, campaignId);
  if (current.status === 'cancelled') return toState(current);
  const state = await transition(
    deps,
    campaignId,
    ['draft', 'scheduled', 'sending', 'paused'],
    'cancelled',
    { status_reason: `Cancelled by ${actor}.` },
    actor,
    'campaign.cancel',
  );
  await deps.db
    .updateTable('ledger')
    .set({ status: 'skipped', error: 'campaign cancelled', updated_at: deps.now() })
    .where('campaign_id', '=', campaignId)
    .where('status', '=', 'queued')
    .execute();
  return state;
}

export type ResendState = Extract<LedgerStatus, 'failed' | 'uncertain'>;

export interface ResendResult {
  campaignId: string;
  /** Rows moved back to queued. */
  requeued: number;
  status: CampaignStatus;
}

/**
 * Moves failed and/or uncertain rows back to `queued` and records who decided it. A sent
 * campaign goes back to `sending` so the workers pick the rows up; a paused one stays paused.
 */
export async function resendRows(
  deps: Deps,
  campaignId: string,
  states: ResendState[],
  actor: string,
  ledgerIds?: string[],
): Promise<ResendResult> {
  if (states.length === 0) throw new ValidationError('Name at least one state to resend: failed or uncertain.');
  return deps.db.transaction().execute(async (trx) => {
    const campaign = await trx
      .selectFrom('campaigns')
      .select(['id', 'status'])
      .where('id', '=', campaignId)
      .forUpdate()
      .executeTakeFirst();
    if (!campaign) throw new NotFoundError(`Campaign ${campaignId} not found.`);
    if (campaign.status === 'draft' || campaign.status === 'scheduled' || campaign.status === 'cancelled') {
      throw new ConflictError(`Campaign ${campaignId} is ${campaign.status}; only a campaign that has been sending can resend rows.`);
    }

    let update = trx
      .updateTable('ledger')
      .set({ status: 'queued', lease_until: null, worker_id: null, error: null, updated_at: deps.now() })
      .where('campaign_id', '=', campaignId)
      .where('status', 'in', states);
    if (ledgerIds) update = update.where('id', 'in', ledgerIds.length > 0 ? ledgerIds : ['0']);
    const moved = await update.returning('id').execute();

    let status = campaign.status;
    if (moved.length > 0 && status === 'sent') {
      status = 'sending';
      await trx
        .updateTable('campaigns')
        .set({ status, finished_at: null, status_reason: `Resending ${moved.length} recipients.`, updated_at: deps.now() })
        .where('id', '=', campaignId)
        .execute();
    }
    await recordAudit(trx, actor, 'campaign.resend', campaignId, {
      states,
      requeued: moved.length,
      // Enough to reconstruct the decision for a normal campaign without bloating the log.
      ledgerIds: moved.slice(0, 1000).map((row) => row.id),
    });
    return { campaignId, requeued: moved.length, status };
  });
}

export interface TestSendResult {
  email: string;
  status: 'sent' | 'failed';
  messageId?: string;
  error?: string;
}

/**
 * Sends the campaign to the given addresses as a test, with "[Test]" before the subject and
 * sample merge values. The ledger, counts and audience are not touched.
 */
export async function testSend(
  deps: Deps,
  campaignId: string,
  emails: string[],
  options: { actor: string; loadRendered?: RenderedLoader },
): Promise<{ results: TestSendResult[]; warnings: string[] }> {
  if (!deps.mailer) throw new Error('This process has no mailer, so it cannot send a test.');
  const rendered = await (options.loadRendered ?? renderedForSend)(deps, campaignId);
  const body = rendered.bodyFor({ subscriberId: '0' });
  if (!body) throw new ValidationError(`Campaign ${campaignId} has no content to send.`);
  const warning = bodySizeWarning(rendered);

  const results: TestSendResult[] = [];
  for (const email of emails) {
    const values = await mergeValuesFor(deps, rendered, { subscriberId: '0', email, name: 'Test Reader' });
    const raw = await buildMime({
      from: deps.config.mail.from,
      to: email,
      subject: `[Test] ${fillMergeFields(rendered.subject, values, 'text')}`,
      html: fillMergeFields(body.html, values, 'html'),
      text: fillMergeFields(body.text, values, 'text'),
      headers: { 'X-Gazette-Campaign': campaignId, 'X-Gazette-Test': 'true' },
    });
    try {
      const sent = await sendWithRetry(() =>
        deps.mailer!.send({
          from: bareAddress(deps.config.mail.from),
          to: [email],
          raw,
          configurationSet: deps.config.ses.configurationSet,
          tags: { campaign: campaignId, test: 'true' },
        }),
      );
      results.push({ email, status: 'sent', messageId: sent.messageId });
      // Feedback on a test send is matched by this record, never by the campaign's ledger.
      await recordSentMessage(deps.db, { sesMessageId: sent.messageId, email, kind: 'test', campaignId });
    } catch (error) {
      deps.logger.warn({ err: error, campaignId, to: maskEmail(email) }, 'test send failed');
      results.push({ email, status: 'failed', error: (error as Error).message });
    }
  }
  await recordAudit(deps.db, options.actor, 'campaign.test', campaignId, {
    recipients: emails.length,
    sent: results.filter((result) => result.status === 'sent').length,
  });
  return { results, warnings: warning ? [warning] : [] };
}

async function sendWithRetry<T>(send: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (!(error instanceof SendError) || error.kind !== 'retryable' || attempt + 1 >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 100 * 2 ** attempt));
    }
  }
}

export type UncertainDecision = 'resend' | 'leave';

export interface UncertainResult {
  campaignId: string;
  decision: UncertainDecision;
  /** Uncertain rows the decision applied to. */
  rows: number;
  status: CampaignStatus;
}

/**
 * Records a staff decision on uncertain rows (all of the campaign's, or the given ledger ids):
 * `resend` queues them again, accepting that some readers may get a second copy; `leave` keeps
 * them `uncertain` (nobody knows whether SES got them) and notes who decided not to resend.
 */
export async function decideUncertain(
  deps: Deps,
  campaignId: string,
  decision: UncertainDecision,
  actor: string,
  ledgerIds?: string[],
): Promise<UncertainResult> {
  if (decision === 'resend') {
    const result = await resendRows(deps, campaignId, ['uncertain'], actor, ledgerIds);
    return { campaignId, decision, rows: result.requeued, status: result.status };
  }

  return deps.db.transaction().execute(async (trx) => {
    const campaign = await trx
      .selectFrom('campaigns')
      .select(['id', 'status'])
      .where('id', '=', campaignId)
      .forUpdate()
      .executeTakeFirst();
    if (!campaign) throw new NotFoundError(`Campaign ${campaignId} not found.`);

    const note = `Left without resending by ${actor} at ${deps.now().toISOString()}: the message may or may not have been sent.`;
    let update = trx
      .updateTable('ledger')
      .set({ error: note, updated_at: deps.now() })
      .where('campaign_id', '=', campaignId)
      .where('status', '=', 'uncertain');
    if (ledgerIds) update = update.where('id', 'in', ledgerIds.length > 0 ? ledgerIds : ['0']);
    const left = await update.returning('id').execute();

    // The "N recipients are uncertain" reason asked for this decision; once every uncertain row
    // is decided, it no longer applies.
    const undecided = await trx
      .selectFrom('ledger')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('campaign_id', '=', campaignId)
      .where('status', '=', 'uncertain')
      .where((eb) => eb.or([eb('error', 'is', null), eb('error', 'not like', 'Left without resending%')]))
      .executeTakeFirstOrThrow();
    if (Number(undecided.count) === 0 && campaign.status === 'sent') {
      await trx
        .updateTable('campaigns')
        .set({ status_reason: `Uncertain recipients left without resending by ${actor}.`, updated_at: deps.now() })
        .where('id', '=', campaignId)
        .execute();
    }
    await recordAudit(trx, actor, 'campaign.uncertain.leave', campaignId, {
      rows: left.length,
      ledgerIds: left.slice(0, 1000).map((row) => row.id),
    });
    return { campaignId, decision, rows: left.length, status: campaign.status };
  });
}
