/**
 * Builds RFC 5322 messages with nodemailer's MailComposer: RFC 2047 encoded headers for
 * non-ASCII names and subjects, a plain-text alternative, and the bulk-mail headers that
 * mailbox providers require (RFC 2369 `List-Unsubscribe`, RFC 8058 one-click, RFC 2919
 * `List-Id`).
 */
import MailComposer from 'nodemailer/lib/mail-composer/index.js';

export interface MimeInput {
  /** `"Name" <address>` or a bare address. */
  from: string;
  /** The recipient, a bare address (a display name may be given separately). */
  to: string;
  toName?: string;
  subject: string;
  html: string;
  text: string;
  replyTo?: string;
  /** Bulk-mail headers; omit for one-to-one mail such as a test send. */
  list?: {
    /** HTTPS one-click unsubscribe URL. */
    unsubscribeUrl: string;
    /** Optional mailto address for `List-Unsubscribe`. */
    unsubscribeMailto?: string;
    /** `List-Id`, e.g. `Monthly newsletter <monthly.news.example.org>`. */
    id: string;
  };
  /** Extra headers such as `X-Gazette-Campaign` and `Feedback-ID`. */
  headers?: Record<string, string>;
  /** Fixed Message-ID and Date, for reproducible tests. */
  messageId?: string;
  date?: Date;
}

/** Returns the whole message as bytes, ready for SES `SendEmail` raw content. */
export async function buildMime(input: MimeInput): Promise<Buffer> {
  const headers: Record<string, string | { prepared: boolean; value: string }> = { ...input.headers };
  if (input.list) {
    const targets = [`<${input.list.unsubscribeUrl}>`];
    if (input.list.unsubscribeMailto) {
      targets.push(`<mailto:${input.list.unsubscribeMailto}?subject=unsubscribe>`);
    }
    // Prepared: folding a URL inside angle brackets would break it for some receivers.
    headers['List-Unsubscribe'] = { prepared: true, value: targets.join(', ') };
    headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
    headers['List-Id'] = input.list.id;
    headers['Precedence'] = 'bulk';
  }

  const composer = new MailComposer({
    from: input.from,
    to: input.toName ? { name: input.toName, address: input.to } : input.to,
    replyTo: input.replyTo,
    subject: input.subject,
    text: input.text,
    html: input.html,
    headers,
    messageId: input.messageId,
    date: input.date,
    textEncoding: 'quoted-printable',
  });
  return composer.compile().build();
}

/** Extracts the bare address from `"Name" <address>` or returns the input. */
export function bareAddress(from: string): string {
  const match = from.match(/<([^>]+)>\s*$/);
  return (match?.[1] ?? from).trim();
}
