/**
 * The metrics seam. Code that sees an event no table records (a feed that failed to download,
 * a schedule that fired or skipped) calls `deps.metrics?.inc(...)`; Node
 * processes pass a Prometheus registry (`src/node/metrics.ts`), the edge and tests pass none.
 *
 * Most figures (messages sent and failed, backlog, bounces) are read from the database when
 * `/metrics` is scraped instead, which stays right with any number of processes.
 */

/**
 * Counters that only the process seeing the event can count, with their label names. The send
 * worker keeps its own counters (`src/delivery/stats.ts`), which `/metrics` reads directly.
 */
export interface CounterLabels {
  /** A feed download or parse that failed. */
  feed_fetch_errors: Record<string, never>;
  /** A digest schedule fire (`outcome`: `fired`, `skipped_empty`, `skipped_late`, `skipped_duplicate`). */
  scheduler_fires: { outcome: 'fired' | 'skipped_empty' | 'skipped_late' | 'skipped_duplicate' };
  /** An SNS notification processed by kind (`bounce`, `complaint`, `delivery`, ...). */
  feedback_notifications: { kind: string };
}

export type CounterName = keyof CounterLabels;

export interface Metrics {
  /** Adds `value` (default 1) to a counter. Never throws. */
  inc<N extends CounterName>(name: N, labels?: CounterLabels[N], value?: number): void;
  /** Records one HTTP request, by the route pattern it matched (never the raw URL). */
  observeRequest(request: { method: string; route: string; status: number; seconds: number }): void;
}

/** Help text for each counter, shared by every implementation. */
export const counterHelp: Record<CounterName, string> = {
  feed_fetch_errors: 'Feed downloads or parses that failed.',
  scheduler_fires: 'Digest schedule fires, by outcome.',
  feedback_notifications: 'SES notifications processed, by kind.',
};
