/**
 * Replaying saved notifications after an outage: SNS envelopes or bare SES notifications, from
 * a JSON array, one JSON document, or one JSON document per line. Signatures are not checked
 * (staff supply the file). Each item is stored under its SNS MessageId, or under an id derived
 * from its content when it has none, so replaying a file twice changes nothing the second time.
 */
import { BadRequestError } from '../errors.ts';
import { contentKey, looksLikeSesNotification, readSesNotification } from './notifications.ts';
import { processNotification, type FeedbackDeps } from './process.ts';
import { processEnvelope } from './webhook.ts';
import type { SnsEnvelope } from './sns.ts';

export interface ReplayItemResult {
  index: number;
  status: 'processed' | 'duplicate' | 'ignored' | 'invalid' | 'failed';
  messageId?: string;
  type?: string;
  message?: string;
}

export interface ReplayResult {
  items: ReplayItemResult[];
  counts: Record<ReplayItemResult['status'], number>;
}

/** Reads replay input: a JSON array, a single JSON object, or one JSON document per line. */
export function parseReplayInput(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new BadRequestError('The replay input is empty.');
  try {
    const parsed: unknown = JSON.parse(trimmed);
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    // Not one JSON document: read it as JSON Lines.
  }
  const items: unknown[] = [];
  const lines = trimmed.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      items.push(JSON.parse(line));
    } catch (error) {
      throw new BadRequestError(`Line ${index + 1} of the replay input is not JSON: ${(error as Error).message}`);
    }
  }
  return items;
}

/** Processes each item in its own transaction and returns one result per item. */
export async function replayNotifications(deps: FeedbackDeps, items: unknown[]): Promise<ReplayResult> {
  const log = deps.logger.child({ replay: true });
  const results: ReplayItemResult[] = [];
  for (const [index, item] of items.entries()) {
    try {
      results.push({ index, ...(await replayOne(deps, item, log)) });
    } catch (error) {
      log.error({ err: error, index }, 'replaying a notification failed');
      results.push({ index, status: 'failed', message: (error as Error).message });
    }
  }
  const counts = { processed: 0, duplicate: 0, ignored: 0, invalid: 0, failed: 0 };
  for (const result of results) counts[result.status] += 1;
  log.info({ counts }, 'replay finished');
  return { items: results, counts };
}

async function replayOne(
  deps: FeedbackDeps,
  item: unknown,
  log: FeedbackDeps['logger'],
): Promise<Omit<ReplayItemResult, 'index'>> {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return { status: 'invalid', message: 'Expected an SNS envelope or an SES notification object.' };
  }
  const record = item as Record<string, unknown>;

  if (typeof record.Type === 'string' && typeof record.MessageId === 'string') {
    if (record.Type !== 'Notification') {
      return { status: 'ignored', messageId: record.MessageId, message: `${record.Type} messages are not replayed.` };
    }
    // Some tools save the envelope with Message already parsed; accept both.
    const message = typeof record.Message === 'string' ? record.Message : JSON.stringify(record.Message ?? null);
    const envelope: SnsEnvelope = {
      Type: 'Notification',
      MessageId: record.MessageId,
      TopicArn: typeof record.TopicArn === 'string' ? record.TopicArn : '',
      Message: message,
      Timestamp: typeof record.Timestamp === 'string' ? record.Timestamp : '',
      SignatureVersion: '',
      Signature: '',
      SigningCertURL: '',
    };
    const result = await processEnvelope(deps, envelope, item, 'replay', log);
    return { status: result.status, messageId: result.messageId, type: result.type };
  }

  if (looksLikeSesNotification(record)) {
    const read = readSesNotification(record);
    if (!read.ok) return { status: 'invalid', message: read.message };
    const messageId = `derived-${await contentKey(read.notification)}`;
    const result = await processNotification(deps, {
      messageId,
      snsType: 'bare',
      source: 'replay',
      raw: item,
      notification: read.notification,
    });
    return { status: result.status, messageId, type: result.type };
  }

  return { status: 'invalid', message: 'Expected an SNS envelope (Type, MessageId, Message) or an SES notification (notificationType or eventType).' };
}
