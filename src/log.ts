/**
 * Structured logging with pino. Addresses and secrets never appear in full: use `maskEmail`
 * for addresses, and the redaction paths below catch the usual secret-bearing fields.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Human-readable output for a terminal; JSON lines otherwise. */
  pretty?: boolean;
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
];

/** Creates the root logger; pass child loggers bound to request, campaign or message ids. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino({
    level: options.level ?? 'info',
    base: { service: 'gazette' },
    redact: { paths: redactPaths, censor: maskIfEmail },
    transport: options.pretty
      ? { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service' } }
      : undefined,
  });
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

function maskIfEmail(value: unknown): string {
  return typeof value === 'string' && value.includes('@') ? maskEmail(value) : '[redacted]';
}
