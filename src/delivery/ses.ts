/**
 * The SES implementation of `Mailer`, through the SES v2 API (`SendEmail` with raw content).
 * SES errors are sorted into the kinds the sending loop acts on.
 */
import { GetAccountCommand, SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Config } from '../config.ts';
import { SendError, type Mailer, type OutgoingMessage, type SendResult } from './mailer.ts';

export interface SesMailer extends Mailer {
  client: SESv2Client;
  /** Reads the account's maximum send rate (messages per second), or undefined if unknown. */
  maxSendRate(): Promise<number | undefined>;
}

/** Creates an SES client from the configuration (local endpoint, custom endpoint or real SES). */
export function createSesClient(ses: Config['ses']): SESv2Client {
  return new SESv2Client({
    region: ses.region,
    endpoint: ses.endpoint,
    credentials: ses.credentials,
    // The sending loop retries throttling with its own backoff; the SDK's retries would hide it.
    maxAttempts: 1,
  });
}

export function createSesMailer(ses: Config['ses'], client = createSesClient(ses)): SesMailer {
  return {
    client,

    async send(message: OutgoingMessage): Promise<SendResult> {
      try {
        const result = await client.send(
          new SendEmailCommand({
            FromEmailAddress: message.from,
            Destination: { ToAddresses: message.to },
            Content: { Raw: { Data: message.raw } },
            ConfigurationSetName: message.configurationSet,
            EmailTags: message.tags
              ? Object.entries(message.tags).map(([Name, Value]) => ({ Name, Value: sanitizeTag(Value) }))
              : undefined,
          }),
        );
        if (!result.MessageId) throw new SendError('SES returned no message id.', 'retryable');
        return { messageId: result.MessageId };
      } catch (error) {
        throw classifySesError(error);
      }
    },

    async maxSendRate() {
      const account = await client.send(new GetAccountCommand({}));
      return account.SendQuota?.MaxSendRate;
    },
  };
}

/** Sorts an SES or network error into retryable, rejected or account-paused. */
export function classifySesError(error: unknown): SendError {
  if (error instanceof SendError) return error;
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const message = `${name}: ${e.message ?? 'send failed'}`;
  if (name === 'AccountSuspendedException' || name === 'SendingPausedException' || /AccountSendingPaused/i.test(message)) {
    return new SendError(message, 'account_paused', name);
  }
  if (
    name === 'TooManyRequestsException' ||
    name === 'Throttling' ||
    name === 'ThrottlingException' ||
    status === 429 ||
    (status !== undefined && status >= 500) ||
    status === undefined
  ) {
    return new SendError(message, 'retryable', name);
  }
  return new SendError(message, 'rejected', name);
}

// SES tag values allow only ASCII letters, digits, underscore, dash and dot.
function sanitizeTag(value: string): string {
  return value.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 256);
}
