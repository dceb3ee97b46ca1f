/**
 * Counters of the sending engine in this process, for metrics and the console. Workers add to
 * the shared `deliveryStats` unless given their own.
 */

export interface DeliveryStats {
  /** Batches claimed from the ledger. */
  batches: number;
  /** Rows claimed (moved from queued to sending). */
  claimed: number;
  sent: number;
  failed: number;
  skipped: number;
  /** Rows put back to queued without a send: pause, stop, account paused, retries used up. */
  released: number;
  /** SES calls that failed with a retryable error (throttling, 5xx, network) and were retried. */
  retries: number;
  /** Of those, throttling answers (`TooManyRequestsException`, `Throttling`). */
  throttled: number;
  /** Rows this process marked uncertain after another worker's lease expired. */
  uncertain: number;
  /** Milliseconds spent waiting for rate tokens. */
  rateWaitMs: number;
}

export function createDeliveryStats(): DeliveryStats {
  return { batches: 0, claimed: 0, sent: 0, failed: 0, skipped: 0, released: 0, retries: 0, throttled: 0, uncertain: 0, rateWaitMs: 0 };
}

/** This process's counters; a plain object so a metrics exporter can read it at any time. */
export const deliveryStats: DeliveryStats = createDeliveryStats();
