/**
 * Structured logging with pino. Addresses and secrets never appear in full: use `maskEmail`
 * for addresses, and the redaction paths below catch the usual secret-bearing fields.
 */
import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Human-readable output for a terminal; JSON lines otherwise. */
  pretty?: boolean;
  /** Where JSON lines go instead of stdout (tests read them back). */
  destination?: DestinationStream;
}

const redactPaths = [
  'token',
  'password',
  'secret',
  'authorization',
  '*.token',
  '*.password',
  '*.secret',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'email',
  '*.email',
  'to',
  '*.to',
  'recipient',
  '*.recipient',
  'address',
  '*.address',
  'apiKey',
  '*.apiKey',
  'accessKeyId',
  'secretAccessKey',
  '*.secretAccessKey',
  'headers.authorization',
  'headers.cookie',
];

// An address inside free text (a message, an SES error): `local@domain`.
const addressInText = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;

/** Creates the root logger; pass child loggers bound to request, campaign or message ids. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const settings: pino.LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: 'gazette' },
    redact: { paths: redactPaths, censor: maskIfEmail },
    serializers: {
      // Error messages often quote the address SES refused: mask it there too.
      err: (error: Error) => {
        const serialized = stdSerializers.err(error);
        serialized.message = maskAddressesIn(serialized.message);
        if (serialized.stack) serialized.stack = maskAddressesIn(serialized.stack);
        return serialized;
      },
    },
    hooks: {
      // The message string itself is free text: mask any address written into it.
      logMethod(args, method) {
        method.apply(
          this,
          args.map((arg) => (typeof arg === 'string' ? maskAddressesIn(arg) : arg)) as Parameters<typeof method>,
        );
      },
    },
  };
  if (options.destination) return pino(settings, options.destination);
  return pino({
    ...settings,
    transport: options.pretty
      ? { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service' } }
      : undefined,
  });
}

/** Masks every address inside a piece of free text. */
export function maskAddressesIn(text: string): string {
  return text.replace(addressInText, (address) => maskEmail(address));
}

/** Returns a logger that discards everything, for tests and tools. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Masks an address for logs: `jane.doe@example.org` becomes `j***@example.org`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

function maskIfEmail(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('@') ? maskEmail(value) : '[redacted]';
  // `to: [a, b]` and similar lists of addresses.
  if (Array.isArray(value)) return value.map((item) => maskIfEmail(item));
  return '[redacted]';
}
