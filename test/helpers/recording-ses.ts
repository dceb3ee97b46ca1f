/**
 * A recording SES v2 endpoint for tests and benchmarks: an HTTP server on 127.0.0.1 that speaks
 * enough of the SES v2 REST API for `@aws-sdk/client-sesv2` (`SendEmail` with raw content,
 * `GetAccount`, `SendBulkEmail`) and keeps every message it accepts, headers included. The
 * local SES that `gazette serve` embeds keeps no raw headers, which is why this exists.
 *
 * Faults can be injected: a share of calls (chosen deterministically, so a run is repeatable)
 * or the next N calls fail with an SES error such as `TooManyRequestsException` (429).
 *
 * @example
 *   const ses = await startRecordingSes();
 *   ses.inject({ error: 'throttling', fraction: 1 / 3 });
 *   const config = loadConfig({ SES_ENDPOINT: ses.url, ... });
 *   // ... send ...
 *   const mail = await ses.parse(ses.messages[0]!);
 *   expect(rawHeader(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
 *   await ses.close();
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { simpleParser, type ParsedMail } from 'mailparser';

/** One message accepted by `SendEmail` (raw) or one destination of `SendBulkEmail`. */
export interface RecordedMessage {
  /** The message id returned to the caller. */
  messageId: string;
  operation: 'SendEmail' | 'SendBulkEmail';
  from: string | undefined;
  /** `Destination.ToAddresses`, lower-cased; for a raw message without them, empty. */
  to: string[];
  /** The whole RFC 5322 message as received (for `SendBulkEmail`, empty). */
  raw: Buffer;
  configurationSet: string | undefined;
  tags: Record<string, string>;
  /** For `SendBulkEmail`: the entry's replacement headers and template data. */
  bulk?: { replacementHeaders: Record<string, string>; replacementTemplateData?: string };
  receivedAt: Date;
}

/** One send or account call the endpoint received, in order. */
export interface RecordedCall {
  operation: string;
  status: number;
  /** The SES error name when the call failed. */
  error?: string;
}

/** SES errors the endpoint can return, by short name. */
export const sesErrors = {
  throttling: { status: 429, name: 'TooManyRequestsException', message: 'Maximum sending rate exceeded.' },
  serviceUnavailable: { status: 503, name: 'ServiceUnavailable', message: 'Service is unavailable.' },
  internal: { status: 500, name: 'InternalFailure', message: 'Internal failure.' },
  messageRejected: { status: 400, name: 'MessageRejected', message: 'Email address is not verified.' },
  badRequest: { status: 400, name: 'BadRequestException', message: 'Illegal address.' },
  accountPaused: {
    status: 400,
    name: 'SendingPausedException',
    message: 'Sending is paused for this account (AccountSendingPaused).',
  },
} as const;

export type SesErrorName = keyof typeof sesErrors;

/**
 * A fault to inject on `SendEmail` and `SendBulkEmail` calls. `fraction` fails a share of calls,
 * spread evenly (1/3 fails every third call). `next` fails the next N calls. `when` limits the
 * fault to calls whose recipients match. Without `fraction` or `next`, every matching call fails
 * until `clearFaults()`.
 */
export interface FaultSpec {
  error: SesErrorName;
  fraction?: number;
  next?: number;
  when?: (to: string[]) => boolean;
}

export interface RecordingSesOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** `SendQuota.MaxSendRate` that `GetAccount` returns (default 14, a new production account). */
  maxSendRate?: number;
  /** Delay before each response, in milliseconds (default 0: respond at once). */
  latencyMs?: number;
  /** Keep the raw bytes of each message (default true; benchmarks turn it off to save memory). */
  keepRaw?: boolean;
}

export interface RecordingSes {
  /** Base URL to pass as `SES_ENDPOINT`. */
  url: string;
  port: number;
  /** Every accepted message, in the order the endpoint accepted them. */
  messages: RecordedMessage[];
  /** Every call, including the ones that failed with an injected error. */
  calls: RecordedCall[];
  /** How many messages each address received (lower-cased). */
  countsByAddress(): Map<string, number>;
  /** Parses a recorded message with mailparser: decoded headers, text, html, raw header lines. */
  parse(message: RecordedMessage): Promise<ParsedMail>;
  inject(fault: FaultSpec): void;
  clearFaults(): void;
  setMaxSendRate(rate: number): void;
  /** Forgets recorded messages and calls (faults stay). */
  clear(): void;
  close(): Promise<void>;
}

interface ActiveFault extends FaultSpec {
  seen: number;
  fired: number;
}

/** Starts the endpoint and resolves once it listens. */
export async function startRecordingSes(options: RecordingSesOptions = {}): Promise<RecordingSes> {
  const messages: RecordedMessage[] = [];
  const calls: RecordedCall[] = [];
  let faults: ActiveFault[] = [];
  let maxSendRate = options.maxSendRate ?? 14;
  const keepRaw = options.keepRaw ?? true;

  const pickFault = (to: string[]): ActiveFault | undefined => {
    for (const fault of faults) {
      if (fault.when && !fault.when(to)) continue;
      fault.seen += 1;
      if (fault.fraction !== undefined) {
        // Fires when the running total of `fraction` crosses a whole number: evenly spread.
        const due = Math.floor(fault.seen * fault.fraction) > Math.floor((fault.seen - 1) * fault.fraction);
        if (due) {
          fault.fired += 1;
          return fault;
        }
        continue;
      }
      if (fault.next !== undefined) {
        if (fault.fired < fault.next) {
          fault.fired += 1;
          return fault;
        }
        continue;
      }
      fault.fired += 1;
      return fault;
    }
    return undefined;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = await readBody(request);
    const route = `${request.method} ${(request.url ?? '').split('?')[0]}`;

    if (route === 'GET /v2/email/account') {
      calls.push({ operation: 'GetAccount', status: 200 });
      return answer(response, 200, {
        SendQuota: { Max24HourSend: 1_000_000, MaxSendRate: maxSendRate, SentLast24Hours: messages.length },
        ProductionAccessEnabled: true,
        SendingEnabled: true,
        EnforcementStatus: 'HEALTHY',
      });
    }

    if (route === 'POST /v2/email/outbound-emails') {
      const input = JSON.parse(body.toString('utf8') || '{}') as SendEmailInput;
      const to = (input.Destination?.ToAddresses ?? []).map((address) => address.toLowerCase());
      const fault = pickFault(to);
      if (fault) return fail(response, calls, 'SendEmail', fault.error);
      const raw = input.Content?.Raw?.Data;
      if (!raw) {
        calls.push({ operation: 'SendEmail', status: 400, error: 'BadRequestException' });
        return answerError(response, 400, 'BadRequestException', 'Only raw content is supported by this endpoint.');
      }
      const messageId = `rec-${randomUUID()}`;
      messages.push({
        messageId,
        operation: 'SendEmail',
        from: input.FromEmailAddress,
        to,
        raw: keepRaw ? Buffer.from(raw, 'base64') : Buffer.alloc(0),
        configurationSet: input.ConfigurationSetName,
        tags: Object.fromEntries((input.EmailTags ?? []).map((tag) => [tag.Name, tag.Value])),
        receivedAt: new Date(),
      });
      calls.push({ operation: 'SendEmail', status: 200 });
      return answer(response, 200, { MessageId: messageId });
    }

    if (route === 'POST /v2/email/outbound-bulk-emails') {
      const input = JSON.parse(body.toString('utf8') || '{}') as SendBulkInput;
      const entries = input.BulkEmailEntries ?? [];
      const allTo = entries.flatMap((entry) => entry.Destination?.ToAddresses ?? []).map((a) => a.toLowerCase());
      const fault = pickFault(allTo);
      if (fault) return fail(response, calls, 'SendBulkEmail', fault.error);
      const results = entries.map((entry) => {
        const messageId = `rec-${randomUUID()}`;
        messages.push({
          messageId,
          operation: 'SendBulkEmail',
          from: input.FromEmailAddress,
          to: (entry.Destination?.ToAddresses ?? []).map((address) => address.toLowerCase()),
          raw: Buffer.alloc(0),
          configurationSet: input.ConfigurationSetName,
          tags: Object.fromEntries((input.DefaultEmailTags ?? []).map((tag) => [tag.Name, tag.Value])),
          bulk: {
            replacementHeaders: Object.fromEntries(
              (entry.ReplacementHeaders ?? []).map((header) => [header.Name, header.Value]),
            ),
            replacementTemplateData: entry.ReplacementEmailContent?.ReplacementTemplate?.ReplacementTemplateData,
          },
          receivedAt: new Date(),
        });
        return { Status: 'SUCCESS', MessageId: messageId };
      });
      calls.push({ operation: 'SendBulkEmail', status: 200 });
      return answer(response, 200, { BulkEmailEntryResults: results });
    }

    calls.push({ operation: route, status: 404, error: 'NotFoundException' });
    return answerError(response, 404, 'NotFoundException', `This recording endpoint does not implement ${route}.`);
  };

  const server: Server = createServer((request, response) => {
    const run = async () => {
      if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
      await handle(request, response);
    };
    run().catch((error: unknown) => {
      answerError(response, 500, 'InternalFailure', (error as Error).message);
    });
  });
  // Many concurrent SDK connections; keep them alive between calls as SES does.
  server.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    messages,
    calls,
    countsByAddress() {
      const counts = new Map<string, number>();
      for (const message of messages) {
        for (const address of message.to) counts.set(address, (counts.get(address) ?? 0) + 1);
      }
      return counts;
    },
    parse: (message) => simpleParser(message.raw),
    inject(fault) {
      faults.push({ ...fault, seen: 0, fired: 0 });
    },
    clearFaults() {
      faults = [];
    },
    setMaxSendRate(rate) {
      maxSendRate = rate;
    },
    clear() {
      messages.length = 0;
      calls.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Returns a header exactly as sent (still RFC 2047 encoded, folding removed), or undefined.
 * mailparser folds the `List-*` headers into one parsed `list` object, so tests that check those
 * headers read them here.
 */
export function rawHeader(mail: ParsedMail, name: string): string | undefined {
  const line = mail.headerLines.find((header) => header.key === name.toLowerCase())?.line;
  if (line === undefined) return undefined;
  return line
    .slice(line.indexOf(':') + 1)
    .replace(/\r?\n[ \t]+/g, ' ')
    .trim();
}

interface SendEmailInput {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[] };
  Content?: { Raw?: { Data?: string } };
  ConfigurationSetName?: string;
  EmailTags?: { Name: string; Value: string }[];
}

interface SendBulkInput {
  FromEmailAddress?: string;
  ConfigurationSetName?: string;
  DefaultEmailTags?: { Name: string; Value: string }[];
  BulkEmailEntries?: {
    Destination?: { ToAddresses?: string[] };
    ReplacementHeaders?: { Name: string; Value: string }[];
    ReplacementEmailContent?: { ReplacementTemplate?: { ReplacementTemplateData?: string } };
  }[];
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

// The SDK reads the error name from `x-amzn-ErrorType` (REST-JSON protocol) and the message from the body.
function answerError(response: ServerResponse, status: number, name: string, message: string): void {
  const text = JSON.stringify({ message });
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-errortype': `${name}:`,
  });
  response.end(text);
}

function fail(response: ServerResponse, calls: RecordedCall[], operation: string, error: SesErrorName): void {
  const spec = sesErrors[error];
  calls.push({ operation, status: spec.status, error: spec.name });
  answerError(response, spec.status, spec.name, spec.message);
}
