/**
 * Loads a campaign's stored render as the `RenderedCampaign` the send loop reads, rendering
 * what is missing once: the main body, and for a per-topic campaign one variant per distinct
 * content selection among its audience.
 */
import type { AudienceSpec } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { jsonb } from '../db/json.ts';
import { audienceQuery, resolveAudience } from '../segments/audience.ts';
import { findCampaign, receiveReason, webVersionUrl } from './campaigns.ts';
import { campaignItems, matchesTopics } from './compose.ts';
import { listIdHeader, type RenderedBody, type RenderedCampaign } from './rendered.ts';
import { renderIssue } from './render.ts';
import type { ComposedItem } from './views.ts';

/**
 * Loads a campaign for sending. Its bodies keep the per-recipient merge fields (name, address,
 * unsubscribe and preference links) for the send loop to fill.
 *
 * @example
 *   const rendered = await loadRenderedCampaign(deps, campaignId);
 *   const body = rendered.bodyFor({ subscriberId, topics });
 *   if (body) send(fillMergeFields(body.html, values, 'html'), ...);
 */
export async function loadRenderedCampaign(
  deps: Pick<Deps, 'db' | 'config' | 'now'>,
  campaignId: string,
): Promise<RenderedCampaign> {
  const { db, config } = deps;
  let campaign = await findCampaign(db, campaignId);
  const items = await campaignItems(db, campaignId);
  const audience = (campaign.audience ?? {}) as AudienceSpec;
  const lists = await listsOf(db, audience.lists ?? []);
  const reason = receiveReason(config, lists.map((list) => list.name));
  const layoutHtml = campaign.layout_id
    ? ((await db.selectFrom('layouts').select('html').where('id', '=', campaign.layout_id).executeTakeFirst())?.html ?? null)
    : null;
  const renderItems = (chosen: ComposedItem[]) =>
    renderIssue(config, {
      subject: campaign.subject,
      preheader: campaign.preheader,
      intro: campaign.intro,
      items: chosen,
      reason,
      webVersionUrl: webVersionUrl(config, campaign.archive_slug),
      layoutHtml,
    });

  if (campaign.html === null || campaign.text === null) {
    const output = await renderItems(items);
    await db
      .updateTable('campaigns')
      .set({ html: output.html, text: output.text, warnings: jsonb(output.warnings), rendered_at: deps.now() })
      .where('id', '=', campaignId)
      .execute();
    campaign = await findCampaign(db, campaignId);
  }

  const main: RenderedBody = { html: campaign.html!, text: campaign.text! };

  const variants = new Map<string, RenderedBody>();
  if (campaign.per_topic) {
    // Each distinct topic selection in the audience maps to a set of items; render each set once.
    const selections = await audienceTopicSelections(db, audience);
    const stored = await db
      .selectFrom('campaign_variants')
      .select(['variant_key', 'html', 'text'])
      .where('campaign_id', '=', campaignId)
      .execute();
    for (const row of stored) variants.set(row.variant_key, { html: row.html, text: row.text });
    for (const topics of selections) {
      const chosen = items.filter((item) => matchesTopics(item, topics));
      const key = variantKey(chosen);
      if (chosen.length === 0 || variants.has(key)) continue;
      const output = await renderItems(chosen);
      await db
        .insertInto('campaign_variants')
        .values({ campaign_id: campaignId, variant_key: key, html: output.html, text: output.text })
        .onConflict((oc) => oc.columns(['campaign_id', 'variant_key']).doNothing())
        .execute();
      variants.set(key, { html: output.html, text: output.text });
    }
  }

  const first = lists[0];
  return {
    campaignId,
    subject: campaign.subject,
    preheader: campaign.preheader,
    listId: listIdHeader(config.publicUrl, config.mail.orgName, first),
    listIds: lists.map((list) => list.id),
    perTopic: campaign.per_topic,
    bodyFor({ topics }) {
      if (!campaign.per_topic) return main;
      const chosen = items.filter((item) => matchesTopics(item, topics ?? []));
      // A reader none of whose topics appear in this issue gets nothing rather than noise.
      if (chosen.length === 0) return undefined;
      return variants.get(variantKey(chosen)) ?? main;
    },
  };
}

/** Identifies a content selection by its item ids. */
export function variantKey(items: Pick<ComposedItem, 'id'>[]): string {
  return items
    .map((item) => item.id)
    .sort((a, b) => Number(a) - Number(b))
    .join(',');
}

async function listsOf(db: Deps['db'], slugs: string[]): Promise<{ id: string; slug: string; name: string }[]> {
  if (slugs.length === 0) return [];
  const rows = await db.selectFrom('lists').select(['id', 'slug', 'name']).where('slug', 'in', slugs).execute();
  return slugs.flatMap((slug) => rows.filter((row) => row.slug === slug));
}

/** The distinct topic selections (sorted slugs) of the audience's subscribers. */
async function audienceTopicSelections(db: Deps['db'], audience: AudienceSpec): Promise<string[][]> {
  const resolved = await resolveAudience(db, audience);
  const rows = await db
    .selectFrom(audienceQuery(db, resolved).as('audience'))
    .leftJoin('subscriber_topics', 'subscriber_topics.subscriber_id', 'audience.subscriber_id')
    .leftJoin('topics', 'topics.id', 'subscriber_topics.topic_id')
    .select(['audience.subscriber_id', 'topics.slug'])
    .execute();
  const bySubscriber = new Map<string, string[]>();
  for (const row of rows) {
    const topics = bySubscriber.get(row.subscriber_id) ?? [];
    if (row.slug) topics.push(row.slug);
    bySubscriber.set(row.subscriber_id, topics);
  }
  const distinct = new Map<string, string[]>();
  for (const topics of bySubscriber.values()) distinct.set([...topics].sort().join(','), topics);
  return [...distinct.values()];
}
