/**
 * Amazon SES notifications, in both families SES publishes to SNS: identity notifications
 * (`notificationType`: Bounce, Complaint, Delivery) and configuration-set events (`eventType`:
 * Send, Delivery, Bounce, Complaint, Reject, Open, Click, DeliveryDelay, "Rendering Failure",
 * Subscription). Both share the `mail` object and the per-type objects below; fields not
 * listed here are dropped.
 */
import { z } from 'zod';

export const sesEventTypes = [
  'Send',
  'Delivery',
  'Bounce',
  'Complaint',
  'Reject',
  'Open',
  'Click',
  'DeliveryDelay',
  'Rendering Failure',
  'Subscription',
] as const;

export type SesEventType = (typeof sesEventTypes)[number];

const header = z.object({ name: z.string(), value: z.string() });

const mail = z.object({
  messageId: z.string().min(1),
  timestamp: z.string().optional(),
  destination: z.array(z.string()).optional(),
  headers: z.array(header).optional(),
  tags: z.record(z.string(), z.array(z.string())).optional(),
});

const recipient = z.object({
  emailAddress: z.string().min(1),
  status: z.string().optional(),
  action: z.string().optional(),
  diagnosticCode: z.string().optional(),
});

const bounce = z.object({
  bounceType: z.string(),
  bounceSubType: z.string().optional(),
  bouncedRecipients: z.array(recipient),
  timestamp: z.string().optional(),
  feedbackId: z.string().optional(),
});

const complaint = z.object({
  complainedRecipients: z.array(z.object({ emailAddress: z.string().min(1) })),
  complaintFeedbackType: z.string().optional(),
  complaintSubType: z.string().nullish(),
  userAgent: z.string().optional(),
  timestamp: z.string().optional(),
  feedbackId: z.string().optional(),
});

const delivery = z.object({
  recipients: z.array(z.string()),
  timestamp: z.string().optional(),
});

const open = z.object({
  timestamp: z.string().optional(),
  userAgent: z.string().optional(),
  ipAddress: z.string().optional(),
});

const click = open.extend({ link: z.string() });

const deliveryDelay = z.object({
  delayType: z.string().optional(),
  delayedRecipients: z.array(recipient).default([]),
  timestamp: z.string().optional(),
});

const sesNotification = z.object({
  notificationType: z.string().optional(),
  eventType: z.string().optional(),
  mail,
  bounce: bounce.optional(),
  complaint: complaint.optional(),
  delivery: delivery.optional(),
  open: open.optional(),
  click: click.optional(),
  deliveryDelay: deliveryDelay.optional(),
  reject: z.object({ reason: z.string().optional() }).optional(),
  failure: z.object({ errorMessage: z.string().optional(), templateName: z.string().optional() }).optional(),
});

export type SesNotificationBody = z.output<typeof sesNotification>;
export type SesRecipient = z.output<typeof recipient>;

/** A notification read from either family, with its type in one field. */
export interface SesNotification {
  family: 'notification' | 'event';
  type: SesEventType;
  body: SesNotificationBody;
}

/** The result of reading a value that may be an SES notification. */
export type ReadResult =
  | { ok: true; notification: SesNotification }
  | { ok: false; reason: 'not_ses' | 'unknown_type' | 'invalid'; message: string };

/** Returns true when a value looks like an SES notification (it names its type). */
export function looksLikeSesNotification(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.notificationType === 'string' || typeof record.eventType === 'string';
}

/** Reads an SES notification from a parsed JSON value. */
export function readSesNotification(value: unknown): ReadResult {
  if (!looksLikeSesNotification(value)) {
    return { ok: false, reason: 'not_ses', message: 'The message is not an SES notification (no notificationType or eventType).' };
  }
  const record = value as Record<string, unknown>;
  const family = typeof record.eventType === 'string' ? 'event' : 'notification';
  const type = (family === 'event' ? record.eventType : record.notificationType) as string;
  if (!(sesEventTypes as readonly string[]).includes(type)) {
    return { ok: false, reason: 'unknown_type', message: `The SES notification type ${JSON.stringify(type)} is not one Gazette acts on.` };
  }
  const parsed = sesNotification.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, reason: 'invalid', message: `The ${type} notification is invalid at ${issue.path.join('.')}: ${issue.message}` };
  }
  const body = parsed.data;
  const missing = requiredPart(type as SesEventType, body);
  if (missing) {
    return { ok: false, reason: 'invalid', message: `The ${type} notification has no ${missing} object.` };
  }
  return { ok: true, notification: { family, type: type as SesEventType, body } };
}

function requiredPart(type: SesEventType, body: SesNotificationBody): string | undefined {
  const parts: Partial<Record<SesEventType, keyof SesNotificationBody>> = {
    Bounce: 'bounce',
    Complaint: 'complaint',
    Delivery: 'delivery',
    Open: 'open',
    Click: 'click',
  };
  const part = parts[type];
  return part && body[part] === undefined ? part : undefined;
}

/** Returns the value of a header SES copied into `mail.headers` (case-insensitive name). */
export function mailHeader(body: SesNotificationBody, name: string): string | undefined {
  const wanted = name.toLowerCase();
  return body.mail.headers?.find((entry) => entry.name.toLowerCase() === wanted)?.value;
}

/** Returns the time of the event itself (bounce, complaint, open...), else the send time. */
export function eventTime(notification: SesNotification): string | undefined {
  const body = notification.body;
  return (
    body.bounce?.timestamp ??
    body.complaint?.timestamp ??
    body.delivery?.timestamp ??
    body.open?.timestamp ??
    body.click?.timestamp ??
    body.deliveryDelay?.timestamp ??
    body.mail.timestamp
  );
}

/** Returns the recipients a notification concerns, never `mail.destination` for bounces and complaints. */
export function recipientsOf(notification: SesNotification): string[] {
  const body = notification.body;
  switch (notification.type) {
    case 'Bounce':
      return body.bounce!.bouncedRecipients.map((entry) => entry.emailAddress);
    case 'Complaint':
      return body.complaint!.complainedRecipients.map((entry) => entry.emailAddress);
    case 'Delivery':
      return body.delivery!.recipients;
    case 'DeliveryDelay':
      return body.deliveryDelay?.delayedRecipients.map((entry) => entry.emailAddress) ?? [];
    default:
      // Opens, clicks, sends and rejects concern the whole message, which Gazette always
      // sends to one recipient.
      return body.mail.destination ?? [];
  }
}

/**
 * Returns a key that identifies one SES notification whatever envelope carried it (hex
 * SHA-256 of its type, message id, event time, feedback id, bounce or complaint kind,
 * recipients and clicked link).
 */
export async function contentKey(notification: SesNotification): Promise<string> {
  const body = notification.body;
  const parts = [
    notification.type,
    body.mail.messageId,
    eventTime(notification) ?? '',
    body.bounce?.feedbackId ?? body.complaint?.feedbackId ?? '',
    body.bounce ? `${body.bounce.bounceType}/${body.bounce.bounceSubType ?? ''}` : '',
    body.complaint?.complaintFeedbackType ?? '',
    recipientsOf(notification)
      .map((address) => address.trim().toLowerCase())
      .sort()
      .join(','),
    body.click?.link ?? '',
  ];
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(parts.join('\n')));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
