/**
 * Receiving one SNS HTTP(S) delivery: read the envelope, check the topic and the signature,
 * then confirm a subscription, log an unsubscription, or process the SES notification inside.
 * Whatever cannot be verified is rejected before anything is stored.
 */
import type { Logger } from '../log.ts';
import { looksLikeSesNotification, readSesNotification } from './notifications.ts';
import { processNotification, type FeedbackDeps, type ProcessResult } from './process.ts';
import {
  assertSnsUrl,
  readSnsEnvelope,
  SnsVerificationError,
  topicRegion,
  type SnsEnvelope,
  type SnsFetch,
  type SnsVerifier,
} from './sns.ts';

export interface SnsEndpoint {
  verifier: SnsVerifier;
  /** Calls a SubscribeURL; injected so tests never reach the network. */
  fetch: SnsFetch;
}

export type WebhookResult =
  | { status: 200; body: { status: 'processed' | 'duplicate' | 'ignored' | 'confirmed' | 'unsubscribed'; messageId: string } }
  | { status: 403; reason: string }
  | { status: 502; reason: string };

/** Handles the body of one POST from SNS. */
export async function receiveSnsDelivery(
  deps: FeedbackDeps,
  endpoint: SnsEndpoint,
  text: string,
  headers: Headers,
  log: Logger,
): Promise<WebhookResult> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return reject(log, 'The body is not JSON.');
  }

  const envelope = readSnsEnvelope(body);
  if (!envelope) {
    if (headers.get('x-amz-sns-rawdelivery') === 'true' || looksLikeSesNotification(body)) {
      log.error(
        'an SES notification arrived without its SNS envelope: raw message delivery is on for this SNS subscription, ' +
          'so the signature cannot be checked; set the subscription attribute RawMessageDelivery to false',
      );
      return { status: 403, reason: 'Raw message delivery is not accepted: set RawMessageDelivery to false on the SNS subscription.' };
    }
    return reject(log, 'The body is not an SNS message.');
  }

  const messageLog = log.child({ snsMessageId: envelope.MessageId, topicArn: envelope.TopicArn, snsType: envelope.Type });
  if (!deps.config.snsTopicArns.includes(envelope.TopicArn)) {
    return reject(messageLog, 'The topic is not in SNS_TOPIC_ARNS.');
  }
  try {
    await endpoint.verifier.verify(envelope);
  } catch (error) {
    if (error instanceof SnsVerificationError) return reject(messageLog, error.message);
    throw error;
  }

  switch (envelope.Type) {
    case 'SubscriptionConfirmation':
      return confirmSubscription(deps, endpoint, envelope, messageLog);
    case 'UnsubscribeConfirmation':
      messageLog.warn('SNS confirmed that this endpoint was unsubscribed from the topic: no more notifications will arrive from it');
      await store(deps, envelope, body, 'UnsubscribeConfirmation');
      return { status: 200, body: { status: 'unsubscribed', messageId: envelope.MessageId } };
    case 'Notification': {
      const result = await processEnvelope(deps, envelope, body, 'webhook', messageLog);
      return { status: 200, body: { status: result.status, messageId: envelope.MessageId } };
    }
  }
}

/**
 * Processes the SES notification carried by a Notification envelope (already verified, or
 * replayed by staff). A message that is not SES feedback is stored and ignored.
 */
export async function processEnvelope(
  deps: FeedbackDeps,
  envelope: SnsEnvelope,
  raw: unknown,
  source: 'webhook' | 'replay',
  log: Logger,
): Promise<ProcessResult> {
  let message: unknown;
  try {
    message = JSON.parse(envelope.Message);
  } catch {
    message = undefined;
  }
  const read = readSesNotification(message);
  if (!read.ok) {
    log.info({ reason: read.reason }, `SNS notification ignored: ${read.message}`);
  }
  return processNotification(deps, {
    messageId: envelope.MessageId,
    snsType: 'Notification',
    topicArn: envelope.TopicArn || undefined,
    source,
    raw,
    notification: read.ok ? read.notification : undefined,
    ignoredReason: read.ok ? undefined : read.message,
  });
}

async function confirmSubscription(
  deps: FeedbackDeps,
  endpoint: SnsEndpoint,
  envelope: SnsEnvelope,
  log: Logger,
): Promise<WebhookResult> {
  let url: URL;
  try {
    url = assertSnsUrl(envelope.SubscribeURL ?? '', 'SubscribeURL', topicRegion(envelope.TopicArn));
  } catch (error) {
    return reject(log, (error as Error).message);
  }

  // Redirects are not followed: the confirmation must be answered by SNS itself.
  let status: number;
  try {
    const response = await endpoint.fetch(url.toString(), { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    status = response.status;
    await response.body?.cancel();
  } catch (error) {
    log.error({ err: error }, 'confirming the SNS subscription failed');
    return { status: 502, reason: 'Confirming the subscription failed; SNS will send the confirmation again.' };
  }
  if (status !== 200) {
    log.error({ httpStatus: status }, 'confirming the SNS subscription failed');
    return { status: 502, reason: `Confirming the subscription answered ${status}.` };
  }

  await store(deps, envelope, envelope, 'SubscriptionConfirmation');
  log.info('SNS subscription confirmed');
  return { status: 200, body: { status: 'confirmed', messageId: envelope.MessageId } };
}

async function store(
  deps: FeedbackDeps,
  envelope: SnsEnvelope,
  raw: unknown,
  snsType: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation',
): Promise<void> {
  await processNotification(deps, {
    messageId: envelope.MessageId,
    snsType,
    topicArn: envelope.TopicArn,
    source: 'webhook',
    raw,
    ignoredReason: snsType,
  });
}

function reject(log: Logger, reason: string): WebhookResult {
  log.warn({ reason }, 'SNS delivery rejected');
  return { status: 403, reason };
}
