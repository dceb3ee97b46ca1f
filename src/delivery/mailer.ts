/**
 * The seam between Gazette and the mail service: a `Mailer` takes a finished MIME message and
 * returns the provider's message id. `src/delivery/ses.ts` implements it for SES; tests pass
 * their own.
 */

export interface OutgoingMessage {
  /** Envelope sender, a bare address. */
  from: string;
  /** Envelope recipients, bare addresses. */
  to: string[];
  /** The whole RFC 5322 message, headers and body. */
  raw: Uint8Array;
  /** SES configuration set to name on this send, if any. */
  configurationSet?: string;
  /** Message tags (SES `EmailTags`), such as the campaign id. */
  tags?: Record<string, string>;
}

export interface SendResult {
  messageId: string;
}

export interface Mailer {
  send(message: OutgoingMessage): Promise<SendResult>;
}

/** Why a send failed, in terms the sending loop acts on. */
export type SendErrorKind =
  /** Try again later: throttling, 5xx, network. Does not count as a failure. */
  | 'retryable'
  /** This message will never go: rejected, invalid or suppressed address. */
  | 'rejected'
  /** The whole account is paused; stop the campaign and say why. */
  | 'account_paused';

export class SendError extends Error {
  override name = 'SendError';
  constructor(
    message: string,
    readonly kind: SendErrorKind,
    readonly providerCode?: string,
  ) {
    super(message);
  }
}
