/**
 * Campaigns (issues): compose a draft from content, read it with its counts, edit it while it
 * is a draft, and preview its body. Sending, scheduling and the ledger belong to delivery.
 *
 * Routes and the console both call these functions, and none of them builds an HTTP response.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Config } from '../config.ts';
import type { AudienceSpec, CampaignRow, CampaignStatus, Database } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { ConflictError, NotFoundError, ValidationError, type FieldIssue } from '../errors.ts';
import type { Page } from '../http/pagination.ts';
import { jsonb } from '../db/json.ts';
import { audienceQuery, resolveAudience } from '../segments/audience.ts';
import { campaignCounts, type CampaignCounts } from './counts.ts';
import { campaignItems, composeContent, itemsById, type ComposeOptions } from './compose.ts';
import { fillMergeFields, type MergeValues } from './merge-fields.ts';
import { renderIssue } from './render.ts';
import type { ComposedItem } from './views.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface ComposeSettings {
  since?: string;
  eventsWithinDays?: number;
  topics?: string[];
  maxItemsPerSection?: number;
  order?: 'newest' | 'oldest';
}

export interface CampaignInput {
  subject: string;
  preheader?: string;
  intro?: string;
  lists?: string[];
  segment?: string;
  rule?: unknown;
  compose?: ComposeSettings;
  /** Content ids chosen by hand, in order; replaces composing. */
  items?: string[];
  layoutId?: string | null;
}

export type CampaignChanges = Partial<CampaignInput>;

export interface CreateCampaignOptions {
  /**
   * The series "new content" is judged in: `default` for issues composed by hand, or a
   * digest's own key (such as `schedule:<id>`), so each digest counts only its own issues.
   */
  series?: string;
  /** Render one variant per reader's topic selection. */
  perTopic?: boolean;
}

export interface CampaignItemJson {
  id: string;
  kind: string;
  title: string;
}

export interface CampaignJson {
  id: string;
  subject: string;
  preheader: string;
  intro: string;
  status: CampaignStatus;
  lists: string[];
  segment: string | null;
  rule: unknown;
  series: string;
  layoutId: string | null;
  compose: Record<string, unknown>;
  since: string | null;
  perTopic: boolean;
  items: CampaignItemJson[];
  warnings: string[];
  archiveUrl: string | null;
  sendAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  createdAt: string;
  updatedAt: string;
  counts?: CampaignCounts;
}

/** Creates a draft: validates the audience, picks content, renders once, all in one transaction. */
export async function createCampaign(
  deps: Pick<Deps, 'db' | 'config' | 'now'>,
  input: CampaignInput,
  options: CreateCampaignOptions = {},
): Promise<CampaignJson> {
  const result = await composeCampaign(deps, input, { ...options, skipWhenEmpty: false });
  return result.campaign!;
}

export interface ComposeCampaignResult {
  /** The new draft, or null when nothing was new and `skipWhenEmpty` was set. */
  campaign: CampaignJson | null;
  /** The lower bound used for publications and news (null for hand-picked items). */
  since: Date | null;
  itemCount: number;
}

/**
 * Composes a draft from a content window and an audience: the entry point for recurring
 * digests. `input.compose` is the window (`since`, `eventsWithinDays`, `topics`,
 * `maxItemsPerSection`, `order`), `input.lists`/`segment`/`rule` the audience, and
 * `options.series` the series whose earlier issues set the default `since` and whose items are
 * never repeated. With `skipWhenEmpty`, a window with no item writes nothing and returns
 * `campaign: null`.
 *
 * @example
 *   const { campaign } = await composeCampaign(deps,
 *     { subject: 'Monthly digest', lists: ['monthly'], compose: { eventsWithinDays: 45, maxItemsPerSection: 5 } },
 *     { series: `schedule:${schedule.id}`, skipWhenEmpty: true });
 */
export async function composeCampaign(
  deps: Pick<Deps, 'db' | 'config' | 'now'>,
  input: CampaignInput,
  options: CreateCampaignOptions & { skipWhenEmpty?: boolean } = {},
): Promise<ComposeCampaignResult> {
  const series = options.series ?? 'default';
  const composed = await deps.db.transaction().execute(async (trx) => {
    const lists = await checkAudience(trx, input);
    const layoutHtml = await layoutHtmlOf(trx, input.layoutId ?? null);
    const { items, since } = await chooseItems(trx, deps.now(), series, input);
    if (options.skipWhenEmpty && items.length === 0) return { id: null, since, itemCount: 0 };

    const inserted = await trx
      .insertInto('campaigns')
      .values({
        subject: input.subject,
        preheader: input.preheader ?? '',
        intro: input.intro ?? '',
        audience: jsonb(audienceOf(input)),
        series,
        layout_id: input.layoutId ?? null,
        per_topic: options.perTopic ?? false,
        compose: jsonb<Record<string, unknown>>({ ...input.compose }),
        since,
        warnings: jsonb([]),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('campaigns')
      .set({ archive_slug: archiveSlug(inserted.id, input.subject) })
      .where('id', '=', inserted.id)
      .execute();
    await storeItems(trx, inserted.id, items);
    await storeRender(trx, deps.config, inserted.id, input, items, lists, layoutHtml, deps.now());
    return { id: inserted.id, since, itemCount: items.length };
  });
  return {
    campaign: composed.id === null ? null : await getCampaign(deps.db, deps.config, composed.id),
    since: composed.since,
    itemCount: composed.itemCount,
  };
}

/** Lists campaigns, newest first. */
export async function listCampaigns(
  db: Executor,
  config: Config,
  query: { page: number; pageSize: number; status?: CampaignStatus; series?: string },
): Promise<Page<CampaignJson>> {
  let base = db.selectFrom('campaigns');
  if (query.status) base = base.where('status', '=', query.status);
  if (query.series) base = base.where('series', '=', query.series);
  const [rows, total] = await Promise.all([
    base
      .selectAll()
      .orderBy('id', 'desc')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize)
      .execute(),
    base.select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow(),
  ]);
  const items = await Promise.all(rows.map(async (row) => campaignJson(row, await campaignItems(db, row.id), config)));
  return { items, total: Number(total.count), page: query.page, pageSize: query.pageSize };
}

/** Reads one campaign with its items and ledger counts. */
export async function getCampaign(db: Executor, config: Config, id: string): Promise<CampaignJson> {
  const row = await findCampaign(db, id);
  const json = campaignJson(row, await campaignItems(db, id), config);
  json.counts = await campaignCounts(db, id);
  return json;
}

/**
 * Changes a draft and renders it again. `compose` recomposes the content; `items` replaces it
 * with a hand-picked list. Anything but a draft raises a ConflictError (409).
 */
export async function updateCampaign(
  deps: Pick<Deps, 'db' | 'config' | 'now'>,
  id: string,
  changes: CampaignChanges,
): Promise<CampaignJson> {
  await deps.db.transaction().execute(async (trx) => {
    // The row lock keeps a concurrent send from starting on a half-edited draft.
    const row = await trx.selectFrom('campaigns').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) throw new NotFoundError(`No campaign with id ${id}.`);
    if (row.status !== 'draft') {
      throw new ConflictError(`Campaign ${id} is ${row.status}; only a draft can be changed.`);
    }
    const current = inputOf(row);
    const audienceChanged = changes.lists !== undefined || changes.segment !== undefined || changes.rule !== undefined;
    const merged: CampaignInput = {
      ...current,
      ...stripUndefined(changes),
      ...(audienceChanged
        ? { lists: changes.lists, segment: changes.segment, rule: changes.rule }
        : { lists: current.lists, segment: current.segment, rule: current.rule }),
    };
    const lists = await checkAudience(trx, merged);
    const layoutHtml = await layoutHtmlOf(trx, merged.layoutId ?? null);

    let items: ComposedItem[];
    let since = row.since;
    if (changes.items !== undefined || changes.compose !== undefined) {
      const chosen = await chooseItems(trx, deps.now(), row.series, { ...merged, items: changes.items }, id);
      items = chosen.items;
      since = chosen.since;
      await trx.deleteFrom('campaign_items').where('campaign_id', '=', id).execute();
      await storeItems(trx, id, items);
    } else {
      items = await campaignItems(trx, id);
    }

    await trx
      .updateTable('campaigns')
      .set({
        subject: merged.subject,
        preheader: merged.preheader ?? '',
        intro: merged.intro ?? '',
        audience: jsonb(audienceOf(merged)),
        layout_id: merged.layoutId ?? null,
        compose: jsonb<Record<string, unknown>>({ ...merged.compose }),
        since,
        updated_at: deps.now(),
      })
      .where('id', '=', id)
      .execute();
    await trx.deleteFrom('campaign_variants').where('campaign_id', '=', id).execute();
    await storeRender(trx, deps.config, id, merged, items, lists, layoutHtml, deps.now());
  });
  return getCampaign(deps.db, deps.config, id);
}

/** Returns the stored body with neutral merge values, as staff preview it. */
export async function campaignPreview(db: Executor, config: Config, id: string, format: 'html' | 'text'): Promise<string> {
  const row = await findCampaign(db, id);
  const body = format === 'html' ? row.html : row.text;
  if (body === null) throw new ConflictError(`Campaign ${id} has not been rendered yet.`);
  return fillMergeFields(body, neutralMergeValues(config, row), format);
}

/** Values that stand in for a reader: no name, no address, no personal link. */
export function neutralMergeValues(config: Config, row: Pick<CampaignRow, 'archive_slug'>): MergeValues {
  return {
    name: 'reader',
    email: '',
    unsubscribeUrl: `${config.publicUrl}/archive`,
    preferencesUrl: `${config.publicUrl}/archive`,
    webVersionUrl: webVersionUrl(config, row.archive_slug),
  };
}

/**
 * Returns the "view in browser" link, the issue's archive page. The link is the same for
 * every reader, so the render contains it directly rather than as a merge field.
 */
export function webVersionUrl(config: Config, slug: string | null): string {
  return archiveUrl(config, slug) ?? `${config.publicUrl}/archive`;
}

export function archiveUrl(config: Config, slug: string | null): string | null {
  return slug ? `${config.publicUrl}/archive/${slug}` : null;
}

/** Builds the footer line that says why the reader receives an issue, from the list names. */
export function receiveReason(config: Config, listNames: string[]): string {
  if (listNames.length === 0) return `You receive this because you subscribed to news from ${config.mail.orgName}.`;
  const names = listNames.length === 1 ? listNames[0] : `${listNames.slice(0, -1).join(', ')} and ${listNames.at(-1)}`;
  return `You receive this because you subscribed to ${names} from ${config.mail.orgName}.`;
}

export async function findCampaign(db: Executor, id: string): Promise<CampaignRow> {
  if (!/^\d+$/.test(id)) throw new NotFoundError(`No campaign with id ${id}.`);
  const row = await db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError(`No campaign with id ${id}.`);
  return row;
}

export function campaignJson(row: CampaignRow, items: ComposedItem[], config: Config): CampaignJson {
  const audience = (row.audience ?? {}) as AudienceSpec;
  return {
    id: row.id,
    subject: row.subject,
    preheader: row.preheader,
    intro: row.intro,
    status: row.status,
    lists: audience.lists ?? [],
    segment: audience.segment ?? null,
    rule: audience.rule ?? null,
    series: row.series,
    layoutId: row.layout_id,
    compose: row.compose ?? {},
    since: iso(row.since),
    perTopic: row.per_topic,
    items: items.map((item) => ({ id: item.id, kind: item.kind, title: item.title })),
    warnings: row.warnings ?? [],
    archiveUrl: archiveUrl(config, row.archive_slug),
    sendAt: iso(row.send_at),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
  };
}

/**
 * Checks the audience: every list slug exists (422 naming each unknown one), a segment id names
 * a saved segment and an inline rule is valid. Returns the lists, whose names the footer's
 * reason line uses.
 */
export async function checkAudience(
  db: Executor,
  input: Pick<CampaignInput, 'lists' | 'segment' | 'rule'>,
): Promise<{ id: string; slug: string; name: string }[]> {
  const slugs = input.lists ?? [];
  if (slugs.length === 0 && input.segment === undefined && input.rule === undefined) {
    throw new ValidationError('Name an audience: lists, a segment or a rule.', [
      { path: 'lists', message: 'expected at least one list slug, a segment or a rule' },
    ]);
  }
  // Building the query validates the rule and resolves the segment, throwing a ValidationError.
  audienceQuery(db, await resolveAudience(db, audienceOf(input)));
  if (slugs.length === 0) return [];
  const rows = await db.selectFrom('lists').select(['id', 'slug', 'name']).where('slug', 'in', slugs).execute();
  const known = new Set(rows.map((row) => row.slug));
  const details: FieldIssue[] = slugs.flatMap((slug, index) =>
    known.has(slug) ? [] : [{ path: `lists.${index}`, message: `no list with slug "${slug}"` }],
  );
  if (details.length > 0) throw new ValidationError(`Unknown list: ${details[0]!.message}.`, details);
  return slugs.map((slug) => rows.find((row) => row.slug === slug)!);
}

async function chooseItems(
  db: Executor,
  now: Date,
  series: string,
  input: CampaignInput,
  campaignId?: string,
): Promise<{ items: ComposedItem[]; since: Date | null }> {
  if (input.items !== undefined) {
    const { items, missing } = await itemsById(db, input.items);
    if (missing.length > 0) {
      throw new ValidationError(
        `Unknown content item: ${missing[0]}.`,
        missing.map((id) => ({ path: `items.${input.items!.indexOf(id)}`, message: `no content item with id ${id}` })),
      );
    }
    return { items, since: null };
  }
  const settings = input.compose ?? {};
  const options: ComposeOptions = {
    series,
    now,
    since: settings.since ? new Date(settings.since) : undefined,
    eventsWithinDays: settings.eventsWithinDays,
    topics: settings.topics,
    maxItemsPerSection: settings.maxItemsPerSection,
    order: settings.order,
    campaignId,
  };
  return composeContent(db, options);
}

async function storeItems(db: Executor, campaignId: string, items: ComposedItem[]): Promise<void> {
  if (items.length === 0) return;
  await db
    .insertInto('campaign_items')
    .values(items.map((item, index) => ({ campaign_id: campaignId, content_item_id: item.id, position: index + 1 })))
    .execute();
}

async function storeRender(
  db: Executor,
  config: Config,
  campaignId: string,
  input: CampaignInput,
  items: ComposedItem[],
  lists: { name: string }[],
  layoutHtml: string | null,
  now: Date,
): Promise<void> {
  const { archive_slug } = await db
    .selectFrom('campaigns')
    .select('archive_slug')
    .where('id', '=', campaignId)
    .executeTakeFirstOrThrow();
  const output = await renderIssue(config, {
    subject: input.subject,
    preheader: input.preheader ?? '',
    intro: input.intro ?? '',
    items,
    reason: receiveReason(config, lists.map((list) => list.name)),
    webVersionUrl: webVersionUrl(config, archive_slug),
    layoutHtml,
  });
  await db
    .updateTable('campaigns')
    .set({ html: output.html, text: output.text, warnings: jsonb(output.warnings), rendered_at: now })
    .where('id', '=', campaignId)
    .execute();
}

async function layoutHtmlOf(db: Executor, layoutId: string | null): Promise<string | null> {
  if (!layoutId) return null;
  const layout = /^\d+$/.test(layoutId)
    ? await db.selectFrom('layouts').select('html').where('id', '=', layoutId).executeTakeFirst()
    : undefined;
  if (!layout) throw new ValidationError(`No layout with id ${layoutId}.`, [{ path: 'layoutId', message: 'no such layout' }]);
  return layout.html;
}

function audienceOf(input: Pick<CampaignInput, 'lists' | 'segment' | 'rule'>): AudienceSpec {
  const audience: AudienceSpec = {};
  if (input.lists && input.lists.length > 0) audience.lists = input.lists;
  if (input.segment !== undefined) audience.segment = input.segment;
  if (input.rule !== undefined) audience.rule = input.rule;
  return audience;
}

function inputOf(row: CampaignRow): CampaignInput {
  const audience = (row.audience ?? {}) as AudienceSpec;
  return {
    subject: row.subject,
    preheader: row.preheader,
    intro: row.intro,
    lists: audience.lists,
    segment: audience.segment,
    rule: audience.rule,
    compose: row.compose as ComposeSettings,
    layoutId: row.layout_id,
  };
}

/** Builds a readable, unique archive slug: `<id>-<subject words>`. */
export function archiveSlug(id: string, subject: string): string {
  const words = subject
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\{date\}/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return words ? `${id}-${words}` : id;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function iso(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return new Date(value).toISOString();
}
