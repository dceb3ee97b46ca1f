/**
 * Where the sending engine gets a campaign's rendered body. The default reads the `html` and
 * `text` columns the composer stores, and the campaign's lists for `List-Id` and unsubscribe
 * links. A loader that renders per content variant can be passed in its place.
 */
import type { RenderedCampaign } from '../campaigns/rendered.ts';
import type { Deps } from '../deps.ts';
import { NotFoundError, ValidationError } from '../errors.ts';

/** Loads a campaign's rendered body once; the worker caches the result per campaign. */
export type RenderedLoader = (deps: Deps, campaignId: string) => Promise<RenderedCampaign>;

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

/**
 * Returns a `List-Id` value (RFC 2919): a phrase and a dotted identifier under the public
 * host, such as `Monthly news <monthly-news.news.example.org>`.
 */
export function listIdHeader(publicUrl: string, orgName: string, list: { slug: string; name: string } | undefined): string {
  const host = new URL(publicUrl).hostname || 'localhost';
  const label = (list?.slug ?? 'gazette').toLowerCase().replace(/[^a-z0-9-]/g, '-');
  const phrase = (list?.name ?? orgName).replace(/["<>\\\r\n]/g, '');
  return `${phrase} <${label}.${host}>`;
}
