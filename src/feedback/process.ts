/**
 * Processing one SES notification: store it once (keyed by its SNS MessageId and by its
 * content), then act on each recipient it names, all in one transaction so a failure leaves
 * nothing half-done and SNS's retry starts clean.
 *
 * Side effects per type: Bounce and Complaint suppress addresses, unsubscribe complainers,
 * write the consent log and move ledger outcomes; Delivery marks messages delivered; Open and
 * Click record engagement; Send, Subscription and unknown messages are stored and nothing more.
 */
import type { Transaction } from 'kysely';
import type { Database, FeedbackEventKind, FeedbackSnsType, LedgerOutcome } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { maskEmail, type Logger } from '../log.ts';
import { recordConsent } from '../subscribers/consent.ts';
import { classifyBounce, dsnStatus, type BounceClass } from './classify.ts';
import { matchRecipient, recordOutcome, type RecipientMatch } from './correlate.ts';
import { deliveredAt, recordEngagement } from './engagement.ts';
import { pauseIfComplaintRateExceeded } from './health.ts';
import { contentKey, eventTime, recipientsOf, type SesNotification } from './notifications.ts';
import { suppressAddress, suppressionKey } from './suppressions.ts';

type Trx = Transaction<Database>;

/** The parts of `Deps` that processing uses. */
export type FeedbackDeps = Pick<Deps, 'db' | 'signer' | 'config' | 'logger' | 'now'>;

export interface NotificationInput {
  /** The SNS MessageId, or a derived id for a bare notification. */
  messageId: string;
  snsType: FeedbackSnsType;
  topicArn?: string;
  source: 'webhook' | 'replay';
  /** The received body: the SNS envelope, or the bare SES notification. */
  raw: unknown;
  /** The SES notification inside, when there is one. */
  notification?: SesNotification;
  /** The reason there is no SES notification to act on (stored in the summary). */
  ignoredReason?: string;
}

/** The actions taken for one recipient. */
export interface RecipientAction {
  /** Masked address. */
  recipient: string;
  event?: FeedbackEventKind;
  outcome?: LedgerOutcome;
  suppressed?: 'hard_bounce' | 'soft_bounces' | 'complaint';
  unsubscribedLists?: string[];
  matchedBy: RecipientMatch['by'];
  engagement?: 'person' | 'machine';
}

export interface ProcessResult {
  status: 'processed' | 'duplicate' | 'ignored';
  messageId: string;
  type?: string;
  actions: RecipientAction[];
  pausedCampaigns: string[];
}

/**
 * Stores a notification and applies it. A MessageId or notification seen before returns
 * `duplicate` and changes nothing.
 */
export async function processNotification(deps: FeedbackDeps, input: NotificationInput): Promise<ProcessResult> {
  const notification = input.notification;
  const key = notification ? await contentKey(notification) : null;
  const log = deps.logger.child({ snsMessageId: input.messageId, sesMessageId: notification?.body.mail.messageId });

  const result = await deps.db.transaction().execute(async (trx): Promise<ProcessResult> => {
    const sentAt = parseDate(notification?.body.mail.timestamp);
    // Concurrent deliveries of one message wait on the primary key here, and the later one
    // inserts nothing: the unique keys are the once-only guarantee, not a prior SELECT.
    const stored = await trx
      .insertInto('feedback_notifications')
      .values({
        message_id: input.messageId,
        content_key: key,
        sns_type: input.snsType,
        topic_arn: input.topicArn ?? null,
        source: input.source,
        event_type: notification?.type ?? null,
        ses_message_id: notification?.body.mail.messageId ?? null,
        status: notification ? 'processed' : 'ignored',
        raw: JSON.stringify(input.raw),
        sent_at: sentAt ?? null,
        received_at: deps.now(),
      })
      .onConflict((conflict) => conflict.doNothing())
      .returning('message_id')
      .executeTakeFirst();
    if (!stored) {
      return { status: 'duplicate', messageId: input.messageId, type: notification?.type, actions: [], pausedCampaigns: [] };
    }
    if (!notification) {
      await trx
        .updateTable('feedback_notifications')
        .set({ summary: JSON.stringify({ ignored: input.ignoredReason ?? 'not an SES notification' }) })
        .where('message_id', '=', input.messageId)
        .execute();
      return { status: 'ignored', messageId: input.messageId, actions: [], pausedCampaigns: [] };
    }

    const context: ApplyContext = { trx, deps, notification, notificationId: input.messageId, log, campaigns: new Set() };
    const actions = await applyNotification(context);
    const pausedCampaigns: string[] = [];
    for (const campaignId of context.campaigns) {
      if (await pauseIfComplaintRateExceeded(trx, deps, campaignId)) pausedCampaigns.push(campaignId);
    }
    await trx
      .updateTable('feedback_notifications')
      .set({ summary: JSON.stringify({ actions, pausedCampaigns }) })
      .where('message_id', '=', input.messageId)
      .execute();
    return { status: 'processed', messageId: input.messageId, type: notification.type, actions, pausedCampaigns };
  });

  if (result.status === 'duplicate') log.info('notification already processed');
  else log.info({ type: result.type, status: result.status, actions: result.actions.length }, 'notification processed');
  return result;
}

interface ApplyContext {
  trx: Trx;
  deps: FeedbackDeps;
  notification: SesNotification;
  notificationId: string;
  log: Logger;
  /** Campaigns that received a complaint, checked for the complaint-rate pause afterwards. */
  campaigns: Set<string>;
}

async function applyNotification(context: ApplyContext): Promise<RecipientAction[]> {
  const { notification } = context;
  switch (notification.type) {
    case 'Bounce':
      return applyBounce(context);
    case 'Complaint':
      return applyComplaint(context);
    case 'Delivery':
      return forEachRecipient(context, async (email, match) => {
        await addEvent(context, 'delivery', email, match);
        const changed = await recordOutcome(context.trx, match, 'delivered', context.deps.now());
        return { event: 'delivery', outcome: changed ? 'delivered' : undefined };
      });
    case 'DeliveryDelay':
      return forEachRecipient(context, async (email, match) => {
        await addEvent(context, 'delivery_delay', email, match, notification.body.deliveryDelay?.delayType);
        return { event: 'delivery_delay' };
      });
    case 'Reject':
      context.log.warn({ reason: notification.body.reject?.reason }, 'SES rejected a message before sending it');
      return forEachRecipient(context, async (email, match) => {
        await addEvent(context, 'reject', email, match, notification.body.reject?.reason);
        return { event: 'reject' };
      });
    case 'Rendering Failure':
      context.log.error({ error: notification.body.failure?.errorMessage }, 'SES could not render a template');
      return forEachRecipient(context, async (email, match) => {
        await addEvent(context, 'rendering_failure', email, match, notification.body.failure?.errorMessage);
        return { event: 'rendering_failure' };
      });
    case 'Open':
    case 'Click':
      return applyEngagement(context);
    case 'Send':
    case 'Subscription':
      // Send only confirms what the ledger already records; Subscription concerns SES contact
      // lists, which Gazette does not use. Both are stored and nothing else.
      return [];
  }
}

async function applyBounce(context: ApplyContext): Promise<RecipientAction[]> {
  const bounce = context.notification.body.bounce!;
  const actions: RecipientAction[] = [];
  for (const recipient of bounce.bouncedRecipients) {
    const email = normalizeAddress(recipient.emailAddress);
    const match = await matchRecipient(context.trx, context.notification.body, email);
    const kind = classifyBounce(bounce.bounceType, bounce.bounceSubType, recipient);
    const status = dsnStatus(recipient);
    const action: RecipientAction = { recipient: maskEmail(email), matchedBy: match.by };
    const detail = [bounce.bounceType, bounce.bounceSubType, status].filter(Boolean).join(' ');

    action.event = bounceEvents[kind];
    await addEvent(context, action.event, email, match, kind === 'auto_reply' ? `auto-reply: ${detail}` : detail);

    const outcome = bounceOutcomes[kind];
    if (outcome && (await recordOutcome(context.trx, match, outcome, context.deps.now()))) action.outcome = outcome;

    const bounceDetails = {
      sesMessageId: context.notification.body.mail.messageId,
      notificationId: context.notificationId,
      bounceType: bounce.bounceType,
      bounceSubType: bounce.bounceSubType ?? null,
      status: status ?? null,
      campaignId: match.campaignId ?? null,
    };
    if (kind === 'hard' || kind === 'account_suppressed') {
      if (await suppress(context, email, match, 'hard_bounce', 'bounce', bounceDetails)) action.suppressed = 'hard_bounce';
    } else if (kind === 'soft') {
      const count = await softBouncesInWindow(context, email);
      const { softBounceLimit, softBounceWindow } = context.deps.config.feedback;
      if (count >= softBounceLimit) {
        const details = { ...bounceDetails, softBounces: count, window: softBounceWindow };
        if (await suppress(context, email, match, 'soft_bounces', 'bounce', details)) action.suppressed = 'soft_bounces';
      }
    }
    actions.push(action);
  }
  return actions;
}

const bounceEvents: Record<BounceClass, FeedbackEventKind> = {
  hard: 'hard_bounce',
  soft: 'soft_bounce',
  uncounted: 'uncounted_bounce',
  auto_reply: 'uncounted_bounce',
  account_suppressed: 'suppressed_bounce',
};

const bounceOutcomes: Record<BounceClass, LedgerOutcome | undefined> = {
  hard: 'bounced',
  soft: 'soft_bounced',
  uncounted: 'soft_bounced',
  // An auto-reply means the message arrived.
  auto_reply: undefined,
  account_suppressed: 'bounced',
};

async function applyComplaint(context: ApplyContext): Promise<RecipientAction[]> {
  const complaint = context.notification.body.complaint!;
  // "not-spam" is a mailbox provider reporting that the recipient marked the message as wanted.
  if (complaint.complaintFeedbackType === 'not-spam') {
    context.log.info('not-spam feedback report: nothing to do');
    return [];
  }
  const onSuppressionList = complaint.complaintSubType === 'OnAccountSuppressionList';
  const actions: RecipientAction[] = [];
  for (const recipient of complaint.complainedRecipients) {
    const email = normalizeAddress(recipient.emailAddress);
    const match = await matchRecipient(context.trx, context.notification.body, email);
    const action: RecipientAction = { recipient: maskEmail(email), matchedBy: match.by };
    const details = {
      sesMessageId: context.notification.body.mail.messageId,
      notificationId: context.notificationId,
      feedbackType: complaint.complaintFeedbackType ?? null,
      campaignId: match.campaignId ?? null,
    };

    if (onSuppressionList) {
      // SES accepted the message but did not send it: the address was already on the account's
      // suppression list for a complaint. Suppress here too, without counting a new complaint.
      action.event = 'suppressed_complaint';
      await addEvent(context, action.event, email, match, 'OnAccountSuppressionList');
      if (await recordOutcome(context.trx, match, 'bounced', context.deps.now())) action.outcome = 'bounced';
      if (await suppress(context, email, match, 'complaint', 'complaint', details)) action.suppressed = 'complaint';
      actions.push(action);
      continue;
    }

    action.event = 'complaint';
    await addEvent(context, 'complaint', email, match, complaint.complaintFeedbackType);
    if (await recordOutcome(context.trx, match, 'complained', context.deps.now())) action.outcome = 'complained';
    if (await suppress(context, email, match, 'complaint', 'complaint', details)) action.suppressed = 'complaint';
    if (match.subscriberId) {
      action.unsubscribedLists = await unsubscribeEverywhere(context, match.subscriberId, details);
    }
    if (match.campaignId) context.campaigns.add(match.campaignId);
    actions.push(action);
  }
  return actions;
}

async function applyEngagement(context: ApplyContext): Promise<RecipientAction[]> {
  const { notification } = context;
  const hit = notification.type === 'Click' ? notification.body.click! : notification.body.open!;
  const at = parseDate(hit.timestamp) ?? context.deps.now();
  const delivered =
    (await deliveredAt(context.trx, notification.body.mail.messageId)) ?? parseDate(notification.body.mail.timestamp);

  return forEachRecipient(context, async (_email, match) => {
    const { isMachine } = await recordEngagement(context.trx, {
      kind: notification.type === 'Click' ? 'click' : 'open',
      source: 'ses',
      campaignId: match.campaignId,
      subscriberId: match.subscriberId,
      ledgerId: match.ledgerId,
      url: notification.body.click?.link,
      userAgent: hit.userAgent,
      at,
      deliveredAt: delivered ?? match.sentAt,
    });
    return { engagement: isMachine ? 'machine' : 'person' };
  });
}

async function forEachRecipient(
  context: ApplyContext,
  apply: (email: string, match: RecipientMatch) => Promise<Partial<RecipientAction>>,
): Promise<RecipientAction[]> {
  const actions: RecipientAction[] = [];
  for (const address of recipientsOf(context.notification)) {
    const email = normalizeAddress(address);
    const match = await matchRecipient(context.trx, context.notification.body, email);
    const done = await apply(email, match);
    actions.push({ recipient: maskEmail(email), matchedBy: match.by, ...done });
  }
  return actions;
}

async function addEvent(
  context: ApplyContext,
  kind: FeedbackEventKind,
  email: string,
  match: RecipientMatch,
  detail?: string,
): Promise<void> {
  const body = context.notification.body;
  await context.trx
    .insertInto('feedback_events')
    .values({
      notification_id: context.notificationId,
      kind,
      email_hash: await suppressionKey(context.deps.signer, email),
      ses_message_id: body.mail.messageId,
      detail: detail?.slice(0, 500) ?? null,
      ledger_id: match.ledgerId ?? null,
      sent_message_id: match.sentMessageId ?? null,
      campaign_id: match.campaignId ?? null,
      sent_at: parseDate(body.mail.timestamp) ?? match.sentAt ?? null,
      occurred_at: parseDate(eventTime(context.notification)) ?? context.deps.now(),
    })
    .execute();
}

/** Suppresses an address and logs the consent change when it is new. Returns true if new. */
async function suppress(
  context: ApplyContext,
  email: string,
  match: RecipientMatch,
  reason: 'hard_bounce' | 'soft_bounces' | 'complaint',
  source: 'bounce' | 'complaint',
  details: Record<string, unknown>,
): Promise<boolean> {
  const added = await suppressAddress(context.trx, context.deps.signer, { email, reason, details });
  if (!added) return false;
  await recordConsent(context.trx, {
    subscriberId: match.subscriberId ?? null,
    action: 'suppressed',
    source,
    details: { ...details, reason },
    at: context.deps.now(),
  });
  context.log.info({ reason, recipient: maskEmail(email) }, 'address suppressed');
  return true;
}

/** Unsubscribes a complainer from every list and logs it; returns the list slugs. */
async function unsubscribeEverywhere(
  context: ApplyContext,
  subscriberId: string,
  details: Record<string, unknown>,
): Promise<string[]> {
  const now = context.deps.now();
  const changed = await context.trx
    .updateTable('subscriptions')
    .set({ status: 'unsubscribed', unsubscribed_at: now, updated_at: now })
    .where('subscriber_id', '=', subscriberId)
    .where('status', '<>', 'unsubscribed')
    .returning('list_id')
    .execute();
  if (changed.length === 0) return [];
  const lists = await context.trx
    .selectFrom('lists')
    .select('slug')
    .where(
      'id',
      'in',
      changed.map((row) => row.list_id),
    )
    .orderBy('slug')
    .execute();
  const slugs = lists.map((row) => row.slug);
  await recordConsent(context.trx, {
    subscriberId,
    action: 'unsubscribed',
    source: 'complaint',
    lists: slugs,
    details,
    at: now,
  });
  return slugs;
}

/**
 * Counts the soft bounces among an address's latest sends (`softBounceWindow` of them). Sends
 * are gathered from the ledger, `sent_messages` and earlier feedback on the address, so an
 * address bounced by mail Gazette has no record of still has a window.
 */
async function softBouncesInWindow(context: ApplyContext, email: string): Promise<number> {
  const { trx, deps } = context;
  const window = deps.config.feedback.softBounceWindow;
  const hash = await suppressionKey(deps.signer, email);
  const sends = new Map<string, number>();
  const addSend = (key: string, at: Date | null | undefined) => {
    const time = at ? new Date(at).getTime() : 0;
    sends.set(key, Math.max(sends.get(key) ?? 0, time));
  };

  const ledgerRows = await trx
    .selectFrom('ledger')
    .select(['id', 'ses_message_id', 'sent_at', 'updated_at'])
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email))
    .where((eb) => eb.or([eb('status', '=', 'sent'), eb('ses_message_id', 'is not', null)]))
    .orderBy((eb) => eb.fn.coalesce('sent_at', 'updated_at'), 'desc')
    .limit(window)
    .execute();
  for (const row of ledgerRows) addSend(row.ses_message_id ?? `ledger:${row.id}`, row.sent_at ?? row.updated_at);

  const sentRows = await trx
    .selectFrom('sent_messages')
    .select(['ses_message_id', 'sent_at'])
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email))
    .orderBy('sent_at', 'desc')
    .limit(window)
    .execute();
  for (const row of sentRows) addSend(row.ses_message_id, row.sent_at);

  const feedbackRows = await trx
    .selectFrom('feedback_events')
    .select(['ses_message_id', 'kind', 'sent_at', 'occurred_at'])
    .where('email_hash', '=', hash)
    .where('ses_message_id', 'is not', null)
    .orderBy((eb) => eb.fn.coalesce('sent_at', 'occurred_at'), 'desc')
    .limit(window * 4)
    .execute();
  const softBounced = new Set<string>();
  for (const row of feedbackRows) {
    addSend(row.ses_message_id!, row.sent_at ?? row.occurred_at);
    if (row.kind === 'soft_bounce') softBounced.add(row.ses_message_id!);
  }

  const latest = [...sends.entries()].sort((a, b) => b[1] - a[1]).slice(0, window);
  return latest.filter(([key]) => softBounced.has(key)).length;
}

/** Lower-cases an address for matching (suppression keys are case-insensitive too). */
export function normalizeAddress(address: string): string {
  return address.trim().toLowerCase();
}

function parseDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
