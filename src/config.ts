/**
 * Configuration: the one place that reads the environment.
 *
 * `loadConfig` takes an environment record (Node's `process.env`, or the bindings of the edge
 * entry) and validates it once. A bad value throws a `ConfigError` whose message names the
 * variable and what it expects, so the process stops before it serves anything.
 */
import { z } from 'zod';

export type Environment = Record<string, string | undefined>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const port = (fallback: number) =>
  z.coerce
    .number({ message: 'expected a port number' })
    .int('expected a whole port number')
    .min(1, 'expected a port between 1 and 65535')
    .max(65535, 'expected a port between 1 and 65535')
    .default(fallback);

const positiveNumber = (fallback: number) =>
  z.coerce.number({ message: 'expected a number' }).positive('expected a number above 0').default(fallback);

const url = (what: string) =>
  optionalString.refine((value) => value === undefined || URL.canParse(value), `expected ${what}`);

const booleanFlag = (fallback: boolean) =>
  optionalString
    .refine(
      (value) => value === undefined || ['1', '0', 'true', 'false', 'yes', 'no'].includes(value.toLowerCase()),
      'expected true or false',
    )
    .transform((value) => (value === undefined ? fallback : ['1', 'true', 'yes'].includes(value.toLowerCase())));

const schema = z.object({
  NODE_ENV: optionalString,
  PORT: port(3000),
  HOST: optionalString,
  PUBLIC_URL: url('an absolute URL such as https://news.example.org'),
  DATABASE_URL: url('a PostgreSQL connection string such as postgres://user:password@host:5432/gazette'),
  DATABASE_POOL_SIZE: positiveNumber(10),
  DATA_DIR: optionalString,
  ADMIN_API_TOKEN: optionalString.refine(
    (value) => value === undefined || value.length >= 24,
    'expected a token of at least 24 characters',
  ),
  SECRET_KEY: optionalString.refine(
    (value) => value === undefined || value.length >= 32,
    'expected a secret of at least 32 characters (for example the output of `openssl rand -hex 32`)',
  ),
  SES_ENDPOINT: url('an absolute URL such as http://localhost:8005'),
  SES_LOCAL_PORT: port(8005),
  AWS_REGION: optionalString,
  AWS_ACCESS_KEY_ID: optionalString,
  AWS_SECRET_ACCESS_KEY: optionalString,
  AWS_PROFILE: optionalString,
  SES_CONFIGURATION_SET: optionalString,
  SES_MAX_SEND_RATE: z.coerce.number({ message: 'expected messages per second' }).positive().optional(),
  MAIL_FROM: optionalString,
  ORG_NAME: optionalString,
  ORG_POSTAL_ADDRESS: optionalString,
  UNSUBSCRIBE_MAILTO: optionalString.refine(
    (value) => value === undefined || /^[^\s@]+@[^\s@]+$/.test(value),
    'expected an email address such as unsubscribe@news.example.org',
  ),
  GAZETTE_URL: url('an absolute URL such as http://localhost:3000'),
  SNS_TOPIC_ARNS: optionalString,
  SOFT_BOUNCE_LIMIT: z.coerce.number({ message: 'expected a whole number' }).int().min(1).default(3),
  SOFT_BOUNCE_WINDOW: z.coerce.number({ message: 'expected a whole number' }).int().min(1).default(5),
  COMPLAINT_PAUSE_RATE: z.coerce
    .number({ message: 'expected a fraction such as 0.003' })
    .positive('expected a fraction above 0')
    .max(1, 'expected a fraction up to 1')
    .default(0.003),
  COMPLAINT_PAUSE_MIN_SENDS: z.coerce.number({ message: 'expected a whole number' }).int().min(1).default(500),
  METRICS_TOKEN: optionalString,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CONFIRMATION_TTL_HOURS: positiveNumber(72),
  UNCONFIRMED_EXPIRY_DAYS: positiveNumber(30),
  SEND_BATCH_SIZE: positiveNumber(50),
  SEND_LEASE_SECONDS: positiveNumber(120),
  SEND_CONCURRENCY: positiveNumber(8),
  SEND_RAMP_UP_DAYS: z.coerce.number({ message: 'expected a number of days' }).int().min(0).default(0),
  SEND_MAX_LATENESS_MINUTES: positiveNumber(60),
  SEND_POLL_MS: positiveNumber(1000),
  SHUTDOWN_TIMEOUT_SECONDS: positiveNumber(30),
  WORKER_ENABLED: booleanFlag(true),
  SCHEDULER_ENABLED: booleanFlag(true),
});

export interface Config {
  /** True when `DATABASE_URL` is unset: PGlite, generated secrets and the local SES. */
  embedded: boolean;
  env: 'production' | 'development' | 'test';
  port: number;
  host: string | undefined;
  publicUrl: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  dataDir: string;
  /** Bearer token accepted with the administrator role; embedded mode fills it from `dataDir`. */
  adminApiToken: string | undefined;
  /** Key for signed links and sessions; embedded mode fills it from `dataDir`. */
  secretKey: string | undefined;
  ses: {
    endpoint: string | undefined;
    localPort: number;
    /** True when Gazette starts the local SES endpoint itself. */
    local: boolean;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
    configurationSet: string | undefined;
    maxSendRate: number | undefined;
  };
  mail: {
    from: string;
    orgName: string;
    orgPostalAddress: string;
    unsubscribeMailto: string | undefined;
  };
  gazetteUrl: string;
  snsTopicArns: string[];
  feedback: {
    /** Transient bounces that suppress an address when they fall within `softBounceWindow` sends. */
    softBounceLimit: number;
    /** How many of an address's latest sends the soft-bounce count looks at. */
    softBounceWindow: number;
    /** Complaint rate (complaints per sent message) above which a sending campaign pauses itself. */
    complaintPauseRate: number;
    /** Sent messages a campaign needs before its complaint rate can pause it. */
    complaintPauseMinSends: number;
  };
  metricsToken: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  subscriptions: {
    confirmationTtlHours: number;
    unconfirmedExpiryDays: number;
  };
  sending: {
    batchSize: number;
    leaseSeconds: number;
    /** Concurrent SES calls per worker process. */
    concurrency: number;
    /** Days over which a new SES account's rate ramps up to its maximum; 0 sends at full rate. */
    rampUpDays: number;
    /** A scheduled send that would start later than this after `send_at` waits for a person. */
    maxLatenessMinutes: number;
    /** How often an idle worker looks for work, in milliseconds. */
    pollIntervalMs: number;
  };
  /** How long a stop waits for background services to finish or release their work. */
  shutdownTimeoutSeconds: number;
  workerEnabled: boolean;
  schedulerEnabled: boolean;
}

/**
 * Validates an environment record and returns the configuration.
 *
 * @example
 *   const config = loadConfig(process.env);
 *   const edgeConfig = loadConfig(bindings);
 */
export function loadConfig(environment: Environment): Config {
  const parsed = schema.safeParse(environment);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? 'environment');
      const value = environment[variable];
      const shown = value === undefined ? '' : ` (got ${JSON.stringify(redactIfSecret(variable, value))})`;
      return `${variable}: ${issue.message}${shown}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;

  const embedded = e.DATABASE_URL === undefined;
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  const nodeEnv = e.NODE_ENV === 'production' || e.NODE_ENV === 'test' ? e.NODE_ENV : 'development';

  if (!embedded && nodeEnv === 'production' && !publicUrl.startsWith('https://')) {
    throw new ConfigError(
      `Invalid configuration:\n  PUBLIC_URL: expected an https:// URL outside embedded mode, because one-click unsubscribe links must use HTTPS (got ${JSON.stringify(publicUrl)})`,
    );
  }

  const credentials =
    e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: e.AWS_ACCESS_KEY_ID, secretAccessKey: e.AWS_SECRET_ACCESS_KEY }
      : undefined;
  const realSes = e.SES_ENDPOINT === undefined && (credentials !== undefined || e.AWS_PROFILE !== undefined);
  const local = e.SES_ENDPOINT === undefined && !realSes;

  return {
    embedded,
    env: nodeEnv,
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    dataDir: e.DATA_DIR ?? './data',
    adminApiToken: e.ADMIN_API_TOKEN,
    secretKey: e.SECRET_KEY,
    ses: {
      endpoint: local ? `http://127.0.0.1:${e.SES_LOCAL_PORT}` : e.SES_ENDPOINT,
      localPort: e.SES_LOCAL_PORT,
      local,
      region: e.AWS_REGION ?? (realSes ? 'us-east-1' : 'aws-ses-v2-local'),
      credentials: credentials ?? (realSes ? undefined : { accessKeyId: 'local', secretAccessKey: 'local' }),
      configurationSet: e.SES_CONFIGURATION_SET,
      maxSendRate: e.SES_MAX_SEND_RATE,
    },
    mail: {
      from: e.MAIL_FROM ?? 'Governance Forum Newsletter <newsletter@example.org>',
      orgName: e.ORG_NAME ?? 'Governance Innovation Office',
      orgPostalAddress: e.ORG_POSTAL_ADDRESS ?? '1 Example Plaza, 10000 Example City, Example Country',
      unsubscribeMailto: e.UNSUBSCRIBE_MAILTO,
    },
    gazetteUrl: (e.GAZETTE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    snsTopicArns: (e.SNS_TOPIC_ARNS ?? '')
      .split(',')
      .map((arn) => arn.trim())
      .filter(Boolean),
    feedback: {
      softBounceLimit: e.SOFT_BOUNCE_LIMIT,
      softBounceWindow: Math.max(e.SOFT_BOUNCE_WINDOW, e.SOFT_BOUNCE_LIMIT),
      complaintPauseRate: e.COMPLAINT_PAUSE_RATE,
      complaintPauseMinSends: e.COMPLAINT_PAUSE_MIN_SENDS,
    },
    metricsToken: e.METRICS_TOKEN,
    logLevel: e.LOG_LEVEL,
    subscriptions: {
      confirmationTtlHours: e.CONFIRMATION_TTL_HOURS,
      unconfirmedExpiryDays: e.UNCONFIRMED_EXPIRY_DAYS,
    },
    sending: {
      batchSize: Math.floor(e.SEND_BATCH_SIZE),
      leaseSeconds: e.SEND_LEASE_SECONDS,
      concurrency: Math.floor(e.SEND_CONCURRENCY),
      rampUpDays: e.SEND_RAMP_UP_DAYS,
      maxLatenessMinutes: e.SEND_MAX_LATENESS_MINUTES,
      pollIntervalMs: e.SEND_POLL_MS,
    },
    shutdownTimeoutSeconds: e.SHUTDOWN_TIMEOUT_SECONDS,
    workerEnabled: e.WORKER_ENABLED,
    schedulerEnabled: e.SCHEDULER_ENABLED,
  };
}

function redactIfSecret(variable: string, value: string): string {
  return /TOKEN|SECRET|KEY|PASSWORD/.test(variable) ? '<redacted>' : value;
}
