/**
 * The confirmation email of a double opt-in sign-up, sent by the confirmation job. It renders
 * with React's server renderer and builds MIME with nodemailer, so only Node imports it, through
 * `src/jobs/handlers.ts`. The sign-up itself, in `lifecycle.ts`, only queues the job.
 */
import { renderConfirmationEmail } from '../../emails/confirmation.tsx';
import { bareAddress, buildMime } from '../delivery/mime.ts';
import type { Deps } from '../deps.ts';
import { recordSentMessage } from '../feedback/sent-messages.ts';
import { maskEmail } from '../log.ts';
import { confirmUrl, unsubscribeUrl } from '../public/links.ts';
import { recordConsent } from './consent.ts';
import { confirmationJob } from './lifecycle.ts';

/**
 * Sends one confirmation message for the subscriber's pending lists (those still unconfirmed
 * among `listIds`) and logs it. Nothing is sent when none is pending any more.
 */
export async function sendConfirmation(deps: Deps, data: { subscriberId: string; listIds: string[] }): Promise<void> {
  const log = deps.logger.child({ job: confirmationJob, subscriberId: data.subscriberId });
  if (!deps.mailer) throw new Error('This process has no mailer, so it cannot send confirmation messages.');
  const subscriber = await deps.db.selectFrom('subscribers').selectAll().where('id', '=', data.subscriberId).executeTakeFirst();
  if (!subscriber || subscriber.status !== 'active' || data.listIds.length === 0) return;
  const lists = await deps.db
    .selectFrom('subscriptions')
    .innerJoin('lists', 'lists.id', 'subscriptions.list_id')
    .select(['lists.id', 'lists.name', 'lists.slug'])
    .where('subscriptions.subscriber_id', '=', subscriber.id)
    .where('subscriptions.status', '=', 'unconfirmed')
    .where('lists.id', 'in', data.listIds)
    .orderBy('lists.name')
    .execute();
  if (lists.length === 0) return;

  const { config, signer } = deps;
  const listIds = lists.map((list) => list.id);
  const ttl = config.subscriptions.confirmationTtlHours;
  const confirm = await confirmUrl(signer, config.publicUrl, { s: subscriber.id, l: listIds }, ttl, deps.now());
  const unsubscribe = await unsubscribeUrl(signer, config.publicUrl, { s: subscriber.id, l: listIds });
  const body = await renderConfirmationEmail({
    orgName: config.mail.orgName,
    orgPostalAddress: config.mail.orgPostalAddress,
    name: subscriber.name || undefined,
    lists: lists.map((list) => list.name),
    confirmUrl: confirm,
    unsubscribeUrl: unsubscribe,
    validHours: ttl,
  });
  const host = new URL(config.publicUrl).hostname;
  const raw = await buildMime({
    from: config.mail.from,
    to: subscriber.email,
    toName: subscriber.name || undefined,
    subject: `Please confirm your subscription: ${lists.map((list) => list.name).join(', ')}`,
    html: body.html,
    text: body.text,
    list: {
      unsubscribeUrl: unsubscribe,
      unsubscribeMailto: config.mail.unsubscribeMailto,
      id: `Subscription confirmations <confirm.${host}>`,
    },
    headers: { 'X-Gazette-Message': 'confirmation' },
  });
  const sent = await deps.mailer.send({
    from: bareAddress(config.mail.from),
    to: [subscriber.email],
    raw,
    configurationSet: config.ses.configurationSet,
    tags: { kind: 'confirmation' },
  });
  // Recorded so that a bounce or complaint about the confirmation request is matched too.
  await recordSentMessage(deps.db, {
    sesMessageId: sent.messageId,
    email: subscriber.email,
    kind: 'confirmation',
    subscriberId: subscriber.id,
    sentAt: deps.now(),
  });
  await recordConsent(deps.db, {
    subscriberId: subscriber.id,
    action: 'confirmation_sent',
    source: 'system',
    lists: lists.map((list) => list.slug),
    details: { messageId: sent.messageId },
  });
  log.info({ to: maskEmail(subscriber.email), lists: listIds.length }, 'confirmation sent');
}
