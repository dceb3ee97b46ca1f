/**
 * Gazette's own click tracking: links in a campaign's HTML body are rewritten to signed
 * redirect URLs (`/r/<token>`), and following one records a click and redirects to the URL
 * that was signed, never to anything else. It is off unless a campaign turns it on
 * (`campaigns.click_tracking`), because it shows the sender who clicked what.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Signer } from '../auth/signing.ts';
import type { Database } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { deliveredAt, recordEngagement } from './engagement.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export const clickTokenPurpose = 'click';

/** Payload of a tracked link: the target URL and the send it belongs to. */
export interface ClickPayload {
  /** Target URL (http or https). */
  u: string;
  /** Campaign id. */
  c?: string;
  /** Subscriber id. */
  s?: string;
  /** Ledger row id. */
  l?: string;
}

export interface TrackingContext {
  signer: Signer;
  publicUrl: string;
  campaignId?: string;
  subscriberId?: string;
  ledgerId?: string;
}

/** Returns the signed redirect URL for one link. */
export async function trackedLinkUrl(context: TrackingContext, url: string): Promise<string> {
  const payload: ClickPayload = { u: url };
  if (context.campaignId) payload.c = context.campaignId;
  if (context.subscriberId) payload.s = context.subscriberId;
  if (context.ledgerId) payload.l = context.ledgerId;
  return `${context.publicUrl}/r/${await context.signer.sign(clickTokenPurpose, payload)}`;
}

// An `href` attribute inside an `<a>` start tag, with its quoted value.
const anchorHref = /(<a\b[^>]*?\shref\s*=\s*)(?:"([^"]*)"|'([^']*)')/gi;

/**
 * Rewrites the http(s) links of an HTML body into tracked links for one recipient. Left as
 * they are: mailto and other schemes, links still containing a merge field, Gazette's own
 * unsubscribe, preference and confirmation pages, and anchors marked `data-gz-notrack`.
 * Email HTML from the templates is well-formed, which this pattern relies on.
 */
export async function rewriteLinks(html: string, context: TrackingContext): Promise<string> {
  const ownPages = ['/unsubscribe/', '/preferences/', '/confirm/', '/r/'].map((page) => `${context.publicUrl}${page}`);
  const parts: string[] = [];
  let last = 0;
  for (const match of html.matchAll(anchorHref)) {
    const [whole, prefix, doubleQuoted, singleQuoted] = match;
    const raw = doubleQuoted ?? singleQuoted ?? '';
    const url = raw.replace(/&amp;/g, '&').replace(/&#38;/g, '&').trim();
    const skip =
      !/^https?:\/\//i.test(url) ||
      url.includes('{{') ||
      ownPages.some((page) => url.startsWith(page)) ||
      /\sdata-gz-notrack\b/i.test(prefix!);
    if (skip) continue;
    const quote = doubleQuoted !== undefined ? '"' : "'";
    parts.push(html.slice(last, match.index), `${prefix}${quote}${await trackedLinkUrl(context, url)}${quote}`);
    last = match.index + whole.length;
  }
  parts.push(html.slice(last));
  return parts.join('');
}

/**
 * Checks a tracked-link token, records the click (unless `record` is false, as for HEAD
 * requests) and returns the URL to redirect to. Throws `NotFoundError` for a bad token.
 */
export async function followTrackedLink(
  deps: { db: Executor; signer: Signer; now: () => Date },
  token: string,
  request: { userAgent?: string | null; record?: boolean },
): Promise<string> {
  const verified = await deps.signer.verify<ClickPayload>(clickTokenPurpose, token);
  if (!verified.ok || typeof verified.data.u !== 'string' || !/^https?:\/\//i.test(verified.data.u)) {
    throw new NotFoundError('This link is not valid.');
  }
  const payload = verified.data;
  if (request.record === false) return payload.u;

  // The send engine signs campaign and subscriber, so the ledger row is found by that pair
  // when the link names no row of its own.
  const ledgerQuery = deps.db.selectFrom('ledger').select(['id', 'ses_message_id', 'sent_at']);
  const ledger = payload.l
    ? await ledgerQuery.where('id', '=', payload.l).executeTakeFirst()
    : payload.c && payload.s
      ? await ledgerQuery.where('campaign_id', '=', payload.c).where('subscriber_id', '=', payload.s).executeTakeFirst()
      : undefined;
  const delivered =
    (ledger?.ses_message_id ? await deliveredAt(deps.db, ledger.ses_message_id) : undefined) ?? ledger?.sent_at ?? undefined;
  const campaign = payload.c
    ? await deps.db.selectFrom('campaigns').select('id').where('id', '=', payload.c).executeTakeFirst()
    : undefined;
  const subscriber = payload.s
    ? await deps.db.selectFrom('subscribers').select('id').where('id', '=', payload.s).executeTakeFirst()
    : undefined;
  await recordEngagement(deps.db, {
    kind: 'click',
    source: 'redirect',
    // Rows deleted since the send (an erased subscriber) leave the click unattributed.
    campaignId: campaign?.id,
    subscriberId: subscriber?.id,
    ledgerId: ledger?.id,
    url: payload.u,
    userAgent: request.userAgent,
    at: deps.now(),
    deliveredAt: delivered,
  });
  return payload.u;
}

/** Returns whether a campaign's links are rewritten for click tracking. */
export async function clickTrackingEnabled(db: Executor, campaignId: string): Promise<boolean> {
  const row = await db.selectFrom('campaigns').select('click_tracking').where('id', '=', campaignId).executeTakeFirst();
  if (!row) throw new NotFoundError(`No campaign with id ${campaignId}.`);
  return row.click_tracking;
}

/** Turns click tracking on or off for one campaign. */
export async function setClickTracking(db: Executor, campaignId: string, enabled: boolean, now: Date): Promise<void> {
  const result = await db
    .updateTable('campaigns')
    .set({ click_tracking: enabled, updated_at: now })
    .where('id', '=', campaignId)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw new NotFoundError(`No campaign with id ${campaignId}.`);
}
