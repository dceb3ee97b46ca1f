/**
 * Every migration, in order. The migrator reads this record instead of the folder, so
 * migrations load the same way under tsx, vitest and bundlers. Add each new file here.
 */
import type { Migration } from 'kysely/migration';
import * as initial from './0001_initial.ts';
import * as engagement from './0002_engagement.ts';
import * as subscriberLifecycle from './0010_subscriber_lifecycle.ts';
import * as contentSources from './0020_content_sources.ts';
import * as compose from './0030_compose.ts';
import * as delivery from './0040_delivery.ts';
import * as feedback from './0050_feedback.ts';
import * as segments from './0060_segments.ts';
import * as staff from './0070_staff.ts';
import * as digests from './0090_digests.ts';
import * as jobOutbox from './0100_job_outbox.ts';

export const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_engagement': engagement,
  '0010_subscriber_lifecycle': subscriberLifecycle,
  '0020_content_sources': contentSources,
  '0030_compose': compose,
  '0040_delivery': delivery,
  '0050_feedback': feedback,
  '0060_segments': segments,
  '0070_staff': staff,
  '0090_digests': digests,
  '0100_job_outbox': jobOutbox,
};
