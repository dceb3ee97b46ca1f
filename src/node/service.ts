/**
 * A long-running part of a process (send worker, scheduler, feed poller) that can be stopped
 * cleanly: it stops taking new work and finishes or releases what it holds.
 */
export interface BackgroundService {
  name: string;
  stop(): Promise<void>;
}
