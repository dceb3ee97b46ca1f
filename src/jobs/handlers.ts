/**
 * Every background job Gazette runs, by name. Handlers are plain functions of the domains.
 */
import type { JobHandlers } from './queue.ts';

export const jobHandlers: JobHandlers = {};
