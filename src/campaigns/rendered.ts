/**
 * A campaign rendered once, ready for personalisation: the send loop asks it for the body a
 * recipient gets, then fills in the merge fields (`merge-fields.ts`). A campaign whose content
 * depends on the subscriber's topics (a digest with per-subscriber filtering) has one variant
 * per distinct selection; every other campaign has one.
 */

export interface RenderedBody {
  html: string;
  text: string;
}

export interface RenderedCampaign {
  campaignId: string;
  subject: string;
  preheader: string;
  /** `List-Id` value, e.g. `Monthly newsletter <monthly.news.example.org>`. */
  listId: string;
  /** List ids the campaign was sent to; the unsubscribe link of each copy names them. */
  listIds: string[];
  /** True when `bodyFor` depends on the recipient's topics. */
  perTopic: boolean;
  /** True when the campaign's links become signed redirect links that record clicks (off when unset). */
  clickTracking?: boolean;
  /** The body for one recipient; `topics` are the subscriber's topic slugs (used when `perTopic`). */
  bodyFor(recipient: { subscriberId: string; topics?: string[] }): RenderedBody | undefined;
}

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
