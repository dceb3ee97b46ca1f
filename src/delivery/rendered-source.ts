/**
 * Where the sending engine gets a campaign's rendered body. A campaign composed per topic (a
 * digest filtered by each reader's interests) gets one body per topic selection from the
 * composer. Any other campaign is sent from the `html` and `text` columns the composer stores.
 */
import { loadRenderedCampaign } from '../campaigns/load-rendered.ts';
import { listIdHeader, type RenderedCampaign } from '../campaigns/rendered.ts';
import type { Deps } from '../deps.ts';
import { NotFoundError, ValidationError } from '../errors.ts';

/** Loads a campaign's rendered body once; the worker caches the result per campaign. */
export type RenderedLoader = (deps: Deps, campaignId: string) => Promise<RenderedCampaign>;

/** The default loader of the worker, the ledger and test sends. */
export const renderedForSend: RenderedLoader = async (deps, campaignId) => {
  const campaign = await deps.db
    .selectFrom('campaigns')
    .select(['per_topic', 'click_tracking'])
    .where('id', '=', campaignId)
    .executeTakeFirst();
  if (!campaign?.per_topic) return renderedFromColumns(deps, campaignId);
  return { ...(await loadRenderedCampaign(deps, campaignId)), clickTracking: campaign.click_tracking };
};

/** Builds a `RenderedCampaign` from the campaign row's stored `html` and `text`. */
export const renderedFromColumns: RenderedLoader = async (deps, campaignId) => {
  const campaign = await deps.db
    .selectFrom('campaigns')
    .select(['id', 'subject', 'preheader', 'html', 'text', 'audience', 'click_tracking'])
    .where('id', '=', campaignId)
    .executeTakeFirst();
  if (!campaign) throw new NotFoundError(`Campaign ${campaignId} not found.`);
  if (!campaign.html || !campaign.text) {
    throw new ValidationError(`Campaign ${campaignId} has no rendered body yet; compose or render it before sending.`);
  }

  const slugs = campaign.audience.lists ?? [];
  const lists =
    slugs.length === 0
      ? []
      : await deps.db.selectFrom('lists').select(['id', 'slug', 'name']).where('slug', 'in', slugs).orderBy('id').execute();
  const body = { html: campaign.html, text: campaign.text };
  return {
    campaignId: campaign.id,
    subject: campaign.subject,
    preheader: campaign.preheader,
    listId: listIdHeader(deps.config.publicUrl, deps.config.mail.orgName, lists[0]),
    listIds: lists.map((list) => list.id),
    perTopic: false,
    clickTracking: campaign.click_tracking,
    bodyFor: () => body,
  };
};
