/**
 * One recipient's copy of a campaign: the body rendered once per campaign with that
 * recipient's merge fields filled in (HTML-escaped in HTML), wrapped in a MIME message with the
 * bulk-mail headers (one-click `List-Unsubscribe`, `List-Id`, `X-Gazette-Campaign`, `Feedback-ID`).
 */
import type { RenderedCampaign } from '../campaigns/rendered.ts';
import { fillMergeFields, type MergeValues } from '../campaigns/merge-fields.ts';
import type { Deps } from '../deps.ts';
import { rewriteLinks } from '../feedback/tracking.ts';
import { preferencesUrl, unsubscribeUrl } from '../public/links.ts';
import type { OutgoingMessage } from './mailer.ts';
import { bareAddress, compileMessage, type MessageTemplate } from './mime.ts';

/** Gmail clips an HTML body over about 102 KB; Gazette warns from 100 KB. */
export const clipThresholdBytes = 100 * 1024;

export interface Recipient {
  subscriberId: string;
  email: string;
  name: string;
  topics?: string[];
  /** The subscriber's IANA time zone (`attributes.timeZone`), for events' local times. */
  timeZone?: string | null;
}

/** Returns a warning when the campaign's HTML would be clipped by Gmail, else undefined. */
export function bodySizeWarning(rendered: RenderedCampaign): string | undefined {
  const body = rendered.bodyFor({ subscriberId: '0' });
  if (!body) return undefined;
  const bytes = new TextEncoder().encode(body.html).byteLength;
  if (bytes <= clipThresholdBytes) return undefined;
  return `The HTML body is ${Math.round(bytes / 1024)} KB; Gmail clips messages over about 102 KB, so readers there see a "view entire message" link.`;
}

/**
 * Returns the merge values for one recipient: name, address, unsubscribe and preference URLs,
 * and the time zone events' local times are shown in.
 */
export async function mergeValuesFor(deps: Deps, rendered: RenderedCampaign, recipient: Recipient): Promise<MergeValues> {
  const { signer, config } = deps;
  return {
    name: recipient.name,
    email: recipient.email,
    unsubscribeUrl: await unsubscribeUrl(signer, config.publicUrl, {
      s: recipient.subscriberId,
      l: rendered.listIds,
      c: rendered.campaignId,
    }),
    preferencesUrl: await preferencesUrl(signer, config.publicUrl, recipient.subscriberId),
    timeZone: recipient.timeZone ?? undefined,
  };
}

// One composed message per rendered campaign. The worker keeps each rendered campaign for the
// length of a send, so every copy after the first is only filled in.
const templates = new WeakMap<RenderedCampaign, Promise<MessageTemplate>>();

function messageTemplate(deps: Deps, rendered: RenderedCampaign): Promise<MessageTemplate> {
  let template = templates.get(rendered);
  if (!template) {
    const { config } = deps;
    template = compileMessage({
      from: config.mail.from,
      list: { unsubscribeMailto: config.mail.unsubscribeMailto, id: rendered.listId },
      headers: {
        'X-Gazette-Campaign': rendered.campaignId,
        // SES passes Feedback-ID through to Gmail's feedback loop, which groups complaints by it.
        'Feedback-ID': `${rendered.campaignId}:gazette`,
      },
    });
    templates.set(rendered, template);
    template.catch(() => templates.delete(rendered));
  }
  return template;
}

/**
 * Builds the message for one recipient, or returns undefined when the campaign has no content
 * for them (a per-topic variant with nothing in their topics).
 */
export async function personalise(
  deps: Deps,
  rendered: RenderedCampaign,
  recipient: Recipient,
): Promise<OutgoingMessage | undefined> {
  const body = rendered.bodyFor({ subscriberId: recipient.subscriberId, topics: recipient.topics });
  if (!body) return undefined;

  const { config } = deps;
  const values = await mergeValuesFor(deps, rendered, recipient);
  let html = fillMergeFields(body.html, values, 'html');
  if (rendered.clickTracking) {
    html = await rewriteLinks(html, {
      signer: deps.signer,
      publicUrl: config.publicUrl,
      campaignId: rendered.campaignId,
      subscriberId: recipient.subscriberId,
    });
  }
  const template = await messageTemplate(deps, rendered);
  const raw = template.build({
    to: recipient.email,
    toName: recipient.name || undefined,
    subject: fillMergeFields(rendered.subject, values, 'text'),
    html,
    text: fillMergeFields(body.text, values, 'text'),
    unsubscribeUrl: values.unsubscribeUrl!,
  });
  return {
    from: bareAddress(config.mail.from),
    to: [recipient.email],
    raw,
    configurationSet: config.ses.configurationSet,
    tags: { campaign: rendered.campaignId },
  };
}
