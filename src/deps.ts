/**
 * What the app and the workers are built from. Everything with I/O is passed in here, never
 * created at import time, so tests and the edge entry pass their own.
 */
import type { Signer } from './auth/signing.ts';
import type { Config } from './config.ts';
import type { Db } from './db/connect.ts';
import type { JobQueue } from './jobs/queue.ts';
import type { Mailer } from './delivery/mailer.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';

export interface Deps {
  db: Db;
  config: Config;
  logger: Logger;
  signer: Signer;
  /** Sends mail; the edge passes none, because it never sends. */
  mailer?: Mailer;
  /** Background jobs; Node processes use pg-boss, tests an in-process queue. */
  jobs?: JobQueue;
  /** Counters for events no table records; Node passes a Prometheus registry, the edge none. */
  metrics?: Metrics;
  /** The current time; tests pass a fixed clock. */
  now: () => Date;
  /** Outgoing HTTP (feed fetches); the global `fetch` when unset. */
  fetch?: typeof fetch;
}
