/**
 * What a bounce means for one recipient.
 *
 * - Permanent bounces are hard, except `OnAccountSuppressionList`: SES did not try, because
 *   the address is already on the account's suppression list, so it is suppressed here too but
 *   not counted as a new bounce.
 * - A Transient/General bounce whose DSN status says the address or domain does not exist
 *   (5.1.1 bad mailbox, 5.1.2 bad domain, 5.1.10 null MX, 5.4.4 unable to route) is hard: SES
 *   labels "5.4.4 Invalid domain" as transient.
 * - A Transient/General bounce without any DSN (no status, no diagnostic code) is an
 *   auto-reply (out of office and the like): the mail arrived, so it does not count.
 * - Transient bounces about the message rather than the address (ContentRejected,
 *   AttachmentRejected, MessageTooLarge) mark the message soft-bounced but do not count
 *   towards suppressing the address.
 * - Every other transient or undetermined bounce, MailboxFull included, is soft: it counts
 *   towards the soft-bounce limit.
 */
import type { SesRecipient } from './notifications.ts';

export type BounceClass = 'hard' | 'soft' | 'uncounted' | 'auto_reply' | 'account_suppressed';

/** DSN status codes (RFC 3463) that say the address or its domain does not exist. */
export const nonexistentAddressCodes: readonly string[] = ['5.1.1', '5.1.2', '5.1.10', '5.4.4'];

const messageLevelSubTypes = ['ContentRejected', 'AttachmentRejected', 'MessageTooLarge'];

/** Classifies the bounce of one recipient. */
export function classifyBounce(bounceType: string, bounceSubType: string | undefined, recipient: SesRecipient): BounceClass {
  if (bounceType === 'Permanent') {
    return bounceSubType === 'OnAccountSuppressionList' ? 'account_suppressed' : 'hard';
  }
  if (bounceType === 'Transient' && (bounceSubType === undefined || bounceSubType === 'General')) {
    const status = dsnStatus(recipient);
    if (status === undefined) return 'auto_reply';
    return nonexistentAddressCodes.includes(status) ? 'hard' : 'soft';
  }
  if (bounceType === 'Transient' && bounceSubType !== undefined && messageLevelSubTypes.includes(bounceSubType)) {
    return 'uncounted';
  }
  return 'soft';
}

/**
 * Returns the DSN status (`5.1.1`) of a bounced recipient: its `status`, else the first status
 * code in its `diagnosticCode`, else undefined when the bounce carries no DSN.
 */
export function dsnStatus(recipient: SesRecipient): string | undefined {
  const status = recipient.status?.trim();
  if (status && /^[245]\.\d{1,3}\.\d{1,3}$/.test(status)) return status;
  const fromDiagnostic = recipient.diagnosticCode?.match(/\b([245]\.\d{1,3}\.\d{1,3})\b/);
  if (fromDiagnostic) return fromDiagnostic[1];
  // A diagnostic without a status code is still a DSN: it is a soft bounce, not an auto-reply.
  if (recipient.diagnosticCode?.trim() || status) return status || 'unknown';
  return undefined;
}
