/**
 * Builds RFC 5322 messages with nodemailer's MailComposer: RFC 2047 encoded headers for
 * non-ASCII names and subjects, a plain-text alternative, and the bulk-mail headers that
 * mailbox providers require (RFC 2369 `List-Unsubscribe`, RFC 8058 one-click, RFC 2919
 * `List-Id`).
 */
import { randomUUID } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import MimeNode from 'nodemailer/lib/mime-node/index.js';
import qp from 'nodemailer/lib/qp/index.js';

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
  return composer(input).compile().build();
}

function composer(input: MimeInput): MailComposer {
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

  return new MailComposer({
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
}

/** The parts of a campaign's message that differ between recipients. */
export type RecipientParts = Pick<MimeInput, 'to' | 'toName' | 'subject' | 'html' | 'text' | 'messageId' | 'date'> & {
  unsubscribeUrl: string;
};

/** A campaign's message composed once, filled in for each recipient by `build`. */
export interface MessageTemplate {
  build(recipient: RecipientParts): Buffer;
}

// Stand-ins the template is composed with. The body stand-ins hold one non-ASCII letter so
// that MailComposer gives their parts quoted-printable encoding, as it does for real bodies.
const stand = {
  to: 'recipient@template.gazette.invalid',
  subject: 'GazetteTemplateSubject',
  messageId: '<message-id@template.gazette.invalid>',
  date: new Date('2000-01-01T00:00:00Z'),
  html: 'GazetteTemplateHtml\u00e9',
  text: 'GazetteTemplateText\u00e9',
  unsubscribeUrl: 'https://template.gazette.invalid/unsubscribe',
};
const perRecipientHeaders = ['To', 'Subject', 'Date', 'Message-ID'];

/**
 * Composes a campaign's message once with MailComposer and returns a template for the copies.
 * Each copy gets its own To, Subject, Date and Message-ID headers, encoded by nodemailer's
 * MimeNode (RFC 2047 words and folding included), its one-click unsubscribe URL, and both bodies
 * encoded by nodemailer's quoted-printable encoder. A copy decodes to what `buildMime` gives for
 * the same input; only the MIME boundary and line wrapping may differ. It skips MailComposer's
 * streams, which cost several times more than the rest of a copy.
 */
export async function compileMessage(input: Omit<MimeInput, keyof RecipientParts | 'list'> & { list?: Omit<NonNullable<MimeInput['list']>, 'unsubscribeUrl'> }): Promise<MessageTemplate> {
  const skeleton = (
    await buildMime({
      ...input,
      to: stand.to,
      subject: stand.subject,
      html: stand.html,
      text: stand.text,
      messageId: stand.messageId,
      date: stand.date,
      list: input.list ? { ...input.list, unsubscribeUrl: stand.unsubscribeUrl } : undefined,
    })
  ).toString('latin1');
  const headerEnd = skeleton.indexOf('\r\n\r\n');
  const headerLines = skeleton.slice(0, headerEnd + 2).split(/\r\n(?![ \t])/);
  const body = skeleton.slice(headerEnd + 2);
  const encodedHtml = qp.encode(stand.html);
  const encodedText = qp.encode(stand.text);
  if (!body.includes(encodedHtml) || !body.includes(encodedText)) {
    throw new Error('Composing the message template failed: its parts are not quoted-printable. Check the installed nodemailer version.');
  }
  const boundaries = [...body.matchAll(/^--(.+?)(?:--)?\r$/gm)].map((match) => match[1]!);

  return {
    build(recipient) {
      const node = new MimeNode('text/plain');
      setHeader(node, 'To', recipient.toName ? [{ name: recipient.toName, address: recipient.to }] : recipient.to);
      setHeader(node, 'Subject', recipient.subject);
      setHeader(node, 'Date', recipient.date ?? new Date());
      setHeader(node, 'Message-ID', recipient.messageId ?? `<${randomUUID()}@${domainOf(input.from)}>`);
      const fresh = new Map(
        node
          .buildHeaders()
          .split(/\r\n(?![ \t])/)
          .map((line) => [line.slice(0, line.indexOf(':')), line] as const),
      );
      const headers = headerLines
        .map((line) => {
          const name = line.slice(0, line.indexOf(':'));
          if (perRecipientHeaders.includes(name)) return fresh.get(name)!;
          return line.includes(stand.unsubscribeUrl) ? line.replace(stand.unsubscribeUrl, recipient.unsubscribeUrl) : line;
        })
        .join('\r\n');
      const html = encodeBody(recipient.html);
      const text = encodeBody(recipient.text);
      if (boundaries.some((boundary) => html.includes(boundary) || text.includes(boundary))) {
        throw new Error(`The body of the copy for ${recipient.to} contains the template's MIME boundary, so it cannot be sent from this template.`);
      }
      const filled = body.replace(encodedHtml, () => html).replace(encodedText, () => text);
      return Buffer.concat([Buffer.from(headers, 'latin1'), Buffer.from(filled, 'latin1')]);
    },
  };
}

/** Sets a header on a MimeNode, which also accepts address objects and dates, although its type declarations allow strings only. */
function setHeader(node: MimeNode, name: string, value: string | Date | Array<{ name: string; address: string }>): void {
  node.setHeader(name, value as string);
}

/** Encodes a body as quoted-printable, soft-wrapped at 76 characters, with CRLF line ends. */
function encodeBody(content: string): string {
  return qp.wrap(qp.encode(content), 76).replace(/\r?\n/g, '\r\n');
}

function domainOf(from: string): string {
  return bareAddress(from).split('@').pop() || 'localhost';
}

/** Extracts the bare address from `"Name" <address>` or returns the input. */
export function bareAddress(from: string): string {
  const match = from.match(/<([^>]+)>\s*$/);
  return (match?.[1] ?? from).trim();
}
