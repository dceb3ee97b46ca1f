/**
 * Kysely table types, mirroring `migrations/`.
 *
 * Ids are `bigint` in SQL and strings here: both drivers are set to return int8 as text, so ids
 * stay exact and are opaque strings in JSON.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Id = Generated<string>;
type Json<T> = ColumnType<T, T | string | undefined, T | string>;

export type OptIn = 'single' | 'double';
export type Visibility = 'public' | 'private';
export type SubscriberStatus = 'active' | 'blocklisted' | 'erased';
export type SubscriptionStatus = 'unconfirmed' | 'confirmed' | 'unsubscribed';
export type ConsentAction =
  | 'subscribed'
  | 'confirmation_sent'
  | 'confirmed'
  | 'unsubscribed'
  | 'resubscribed'
  | 'preferences_changed'
  | 'suppressed'
  | 'unsuppressed'
  | 'blocklisted'
  | 'erased'
  | 'imported'
  | 'edited'
  | 'expired';
export type ConsentSource =
  | 'form'
  | 'api'
  | 'one_click'
  | 'page'
  | 'staff'
  | 'import'
  | 'bounce'
  | 'complaint'
  | 'system';
export type SuppressionReason = 'hard_bounce' | 'soft_bounces' | 'complaint' | 'manual' | 'erased';
export type ContentKind = 'event' | 'publication' | 'news';
export type CampaignStatus = 'draft' | 'scheduled' | 'sending' | 'paused' | 'sent' | 'cancelled';
export type LedgerStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'skipped' | 'uncertain';
export type LedgerOutcome = 'delivered' | 'soft_bounced' | 'bounced' | 'complained';

/** The audience of a campaign or digest, as the API takes it. */
export interface AudienceSpec {
  lists?: string[];
  segment?: string;
  rule?: unknown;
}

export interface ListsTable {
  id: Id;
  slug: string;
  name: string;
  description: Generated<string>;
  opt_in: Generated<OptIn>;
  visibility: Generated<Visibility>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface TopicsTable {
  id: Id;
  slug: string;
  name: string;
  created_at: Timestamp;
}

export interface SubscribersTable {
  id: Id;
  email: string;
  name: Generated<string>;
  status: Generated<SubscriberStatus>;
  attributes: Json<Record<string, unknown>>;
  source: Generated<string>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SubscriberTopicsTable {
  subscriber_id: string;
  topic_id: string;
}

export interface SubscriptionsTable {
  subscriber_id: string;
  list_id: string;
  status: SubscriptionStatus;
  created_at: Timestamp;
  confirmed_at: NullableTimestamp;
  unsubscribed_at: NullableTimestamp;
  updated_at: Timestamp;
}

export interface ConsentLogTable {
  id: Id;
  subscriber_id: string | null;
  action: ConsentAction;
  lists: Generated<string[]>;
  source: ConsentSource;
  ip: string | null;
  user_agent: string | null;
  details: Json<Record<string, unknown>>;
  created_at: Timestamp;
}

export interface SuppressionsTable {
  id: Id;
  email: string | null;
  email_hash: string;
  reason: SuppressionReason;
  details: Json<Record<string, unknown>>;
  created_at: Timestamp;
}

export interface FeedsTable {
  id: Id;
  url: string;
  kind: ContentKind;
  name: Generated<string>;
  poll_minutes: Generated<number>;
  etag: string | null;
  last_modified: string | null;
  last_fetched_at: NullableTimestamp;
  next_fetch_at: Timestamp;
  last_error: string | null;
  created_at: Timestamp;
  topics: Generated<string[]>;
  language: string | null;
  error_count: Generated<number>;
  last_success_at: NullableTimestamp;
}

export type FeedErrorKind = 'network' | 'timeout' | 'http' | 'too_large' | 'not_feed' | 'invalid_url';

export interface FeedErrorsTable {
  id: Id;
  feed_id: string;
  kind: FeedErrorKind;
  http_status: number | null;
  message: string;
  created_at: Timestamp;
}

export interface ContentItemsTable {
  id: Id;
  kind: ContentKind;
  guid: string;
  content_hash: string;
  feed_id: string | null;
  source: Generated<string>;
  title: string;
  summary: Generated<string>;
  url: string | null;
  image_url: string | null;
  topics: Generated<string[]>;
  language: string | null;
  published_at: NullableTimestamp;
  ingested_at: Timestamp;
  starts_at: NullableTimestamp;
  ends_at: NullableTimestamp;
  timezone: string | null;
  venue: string | null;
  online: Generated<boolean>;
  city: string | null;
  country: string | null;
  registration_url: string | null;
  registration_deadline: NullableTimestamp;
  authors: Generated<string[]>;
  pdf_url: string | null;
  updated_at: Timestamp;
  all_day: Generated<boolean>;
}

export interface CampaignsTable {
  id: Id;
  subject: string;
  preheader: Generated<string>;
  intro: Generated<string>;
  status: Generated<CampaignStatus>;
  audience: Json<AudienceSpec>;
  series: Generated<string>;
  template: Generated<string>;
  compose: Json<Record<string, unknown>>;
  since: NullableTimestamp;
  html: string | null;
  text: string | null;
  rendered_at: NullableTimestamp;
  send_at: NullableTimestamp;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  status_reason: string | null;
  audience_size: number | null;
  /** The schedule whose fire created this issue, if any. */
  schedule_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** The digest this issue is a run of, if any (its series is `digest:<id>`). */
  digest_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** Gazette's signed redirect links for clicks; off by default. */
  click_tracking: Generated<boolean>;
  layout_id: string | null;
  archive_slug: string | null;
  per_topic: Generated<boolean>;
  warnings: Json<string[]>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CampaignItemsTable {
  campaign_id: string;
  content_item_id: string;
  position: number;
}

export interface LedgerTable {
  id: Id;
  campaign_id: string;
  subscriber_id: string;
  email: string;
  status: Generated<LedgerStatus>;
  outcome: LedgerOutcome | null;
  lease_until: NullableTimestamp;
  worker_id: string | null;
  attempts: Generated<number>;
  ses_message_id: string | null;
  error: string | null;
  sent_at: NullableTimestamp;
  updated_at: Timestamp;
}

export interface AuditLogTable {
  id: Id;
  actor: string;
  action: string;
  target: string | null;
  details: Json<Record<string, unknown>>;
  created_at: Timestamp;
}

export interface EngagementEventsTable {
  id: Id;
  campaign_id: string | null;
  subscriber_id: string | null;
  ledger_id: string | null;
  kind: 'open' | 'click';
  url: string | null;
  user_agent: string | null;
  is_machine: Generated<boolean>;
  source: Generated<'ses' | 'redirect'>;
  created_at: Timestamp;
}

export interface SegmentsTable {
  id: Id;
  name: string;
  description: Generated<string>;
  /** A segment rule (`src/segments/rule.ts`), validated before it is stored. */
  rule: Json<unknown>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type StaffRoleName = 'admin' | 'editor' | 'viewer';

export interface StaffUsersTable {
  id: Id;
  email: string;
  name: Generated<string>;
  role: StaffRoleName;
  password_hash: string;
  timezone: Generated<string>;
  disabled_at: NullableTimestamp;
  last_sign_in_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SessionsTable {
  id: Id;
  token_hash: string;
  user_id: string;
  user_agent: string | null;
  ip: string | null;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
}

export interface ApiTokensTable {
  id: Id;
  user_id: string;
  name: string;
  token_hash: string;
  prefix: string;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
  expires_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface LoginAttemptsTable {
  id: Id;
  email: string;
  ip: Generated<string>;
  succeeded: boolean;
  created_at: Timestamp;
}

export type FeedbackSnsType = 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation' | 'bare';
export type FeedbackEventKind =
  | 'hard_bounce'
  | 'soft_bounce'
  | 'uncounted_bounce'
  | 'suppressed_bounce'
  | 'complaint'
  | 'suppressed_complaint'
  | 'delivery'
  | 'delivery_delay'
  | 'reject'
  | 'rendering_failure';
export type SentMessageKind = 'confirmation' | 'test' | 'transactional';

export interface FeedbackNotificationsTable {
  message_id: string;
  content_key: string | null;
  sns_type: FeedbackSnsType;
  topic_arn: string | null;
  source: 'webhook' | 'replay';
  event_type: string | null;
  ses_message_id: string | null;
  status: 'processed' | 'ignored';
  raw: Json<unknown>;
  summary: Json<Record<string, unknown>>;
  sent_at: NullableTimestamp;
  received_at: Timestamp;
}

export interface FeedbackEventsTable {
  id: Id;
  notification_id: string;
  kind: FeedbackEventKind;
  email_hash: string | null;
  ses_message_id: string | null;
  detail: string | null;
  ledger_id: string | null;
  sent_message_id: string | null;
  campaign_id: string | null;
  sent_at: NullableTimestamp;
  occurred_at: Timestamp;
  created_at: Timestamp;
}

export interface SentMessagesTable {
  id: Id;
  ses_message_id: string;
  email: string;
  kind: SentMessageKind;
  campaign_id: string | null;
  subscriber_id: string | null;
  outcome: LedgerOutcome | null;
  sent_at: Timestamp;
  updated_at: Timestamp;
}

export interface SendRateBucketsTable {
  name: string;
  rate: number;
  capacity: number;
  tokens: number;
  refilled_at: Timestamp;
  created_at: Timestamp;
}

export type MissedFirePolicy = 'catch_up' | 'skip';
export type ScheduleFireStatus = 'running' | 'scheduled' | 'draft' | 'skipped_empty' | 'missed' | 'failed';
export type EditorNotificationKind = 'digest_awaiting_approval' | 'digest_failed';
export type DigestItemOrder = 'newest' | 'oldest';

/** A recurring issue's settings: who gets it and what it is composed of. */
export interface DigestsTable {
  id: Id;
  name: string;
  audience: Json<AudienceSpec>;
  topics: Generated<string[]>;
  template: Generated<string>;
  layout_id: string | null;
  subject: string;
  preheader: Generated<string>;
  intro: Generated<string>;
  events_within_days: Generated<number>;
  max_items_per_section: number | null;
  item_order: Generated<DigestItemOrder>;
  per_subscriber_topics: Generated<boolean>;
  skip_when_empty: Generated<boolean>;
  auto_send: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** When a digest runs: a node-cron 4 expression in an IANA zone, and the missed-fire policy. */
export interface SchedulesTable {
  id: Id;
  digest_id: string;
  name: string;
  cron: string;
  timezone: string;
  missed_fire: Generated<MissedFirePolicy>;
  max_lateness_minutes: Generated<number>;
  enabled: Generated<boolean>;
  effective_from: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** One row per schedule and fire time: the claim that makes a fire run once. */
export interface ScheduleFiresTable {
  id: Id;
  schedule_id: string;
  fire_at: ColumnType<Date, Date | string, Date | string>;
  status: ScheduleFireStatus;
  late_seconds: Generated<number>;
  campaign_id: string | null;
  claimed_by: string | null;
  reason: string | null;
  created_at: Timestamp;
  finished_at: NullableTimestamp;
}

/** A job waiting for a Node process to move it into pg-boss (queued by the Workers entry). */
export interface JobOutboxTable {
  id: Generated<string>;
  name: string;
  data: Json<Record<string, unknown>>;
  singleton_key: string | null;
  start_after: NullableTimestamp;
  created_at: Timestamp;
}

export interface EditorNotificationsTable {
  id: Id;
  kind: EditorNotificationKind;
  message: string;
  campaign_id: string | null;
  schedule_id: string | null;
  digest_id: string | null;
  read_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface LayoutsTable {
  id: Id;
  name: string;
  /** The MJML source as staff wrote it. */
  mjml: string;
  /** The layout compiled to HTML at save time, with the section placeholders still in it. */
  html: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CampaignVariantsTable {
  campaign_id: string;
  variant_key: string;
  html: string;
  text: string;
  created_at: Timestamp;
}

export type ImportStatus = 'queued' | 'running' | 'done' | 'failed';

export interface ImportsTable {
  id: Id;
  list_id: string | null;
  status: Generated<ImportStatus>;
  options: Json<Record<string, unknown>>;
  file_name: Generated<string>;
  total_bytes: ColumnType<string, number | string | undefined, number | string>;
  processed_bytes: ColumnType<string, number | string | undefined, number | string>;
  counts: Json<Record<string, number>>;
  error: string | null;
  created_by: Generated<string>;
  created_at: Timestamp;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
}

export interface ImportChunksTable {
  import_id: string;
  seq: number;
  data: Uint8Array;
}

export interface ImportErrorsTable {
  import_id: string;
  line: number;
  email: Generated<string>;
  reason: string;
}

export interface RateLimitsTable {
  key: string;
  window_start: Date | string;
  hits: Generated<number>;
}

export interface Database {
  lists: ListsTable;
  topics: TopicsTable;
  subscribers: SubscribersTable;
  subscriber_topics: SubscriberTopicsTable;
  subscriptions: SubscriptionsTable;
  consent_log: ConsentLogTable;
  suppressions: SuppressionsTable;
  feeds: FeedsTable;
  feed_errors: FeedErrorsTable;
  content_items: ContentItemsTable;
  campaigns: CampaignsTable;
  campaign_items: CampaignItemsTable;
  ledger: LedgerTable;
  audit_log: AuditLogTable;
  engagement_events: EngagementEventsTable;
  segments: SegmentsTable;
  staff_users: StaffUsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  login_attempts: LoginAttemptsTable;
  feedback_notifications: FeedbackNotificationsTable;
  feedback_events: FeedbackEventsTable;
  sent_messages: SentMessagesTable;
  send_rate_buckets: SendRateBucketsTable;
  digests: DigestsTable;
  schedules: SchedulesTable;
  schedule_fires: ScheduleFiresTable;
  editor_notifications: EditorNotificationsTable;
  layouts: LayoutsTable;
  campaign_variants: CampaignVariantsTable;
  imports: ImportsTable;
  import_chunks: ImportChunksTable;
  import_errors: ImportErrorsTable;
  rate_limits: RateLimitsTable;
  job_outbox: JobOutboxTable;
}

export type ListRow = Selectable<ListsTable>;
export type SubscriberRow = Selectable<SubscribersTable>;
export type NewSubscriber = Insertable<SubscribersTable>;
export type SubscriberUpdate = Updateable<SubscribersTable>;
export type ContentItemRow = Selectable<ContentItemsTable>;
export type NewContentItem = Insertable<ContentItemsTable>;
export type FeedRow = Selectable<FeedsTable>;
export type FeedErrorRow = Selectable<FeedErrorsTable>;
export type CampaignRow = Selectable<CampaignsTable>;
export type LayoutRow = Selectable<LayoutsTable>;
export type LedgerRow = Selectable<LedgerTable>;
export type DigestRow = Selectable<DigestsTable>;
export type ScheduleRow = Selectable<SchedulesTable>;
export type ScheduleFireRow = Selectable<ScheduleFiresTable>;
