/**
 * Running a digest: compose an issue from the content that is new since the digest's last issue
 * (through the campaign composer, so the issue renders like any other), skip the run when
 * nothing is new and the digest asks for that, then either hand the issue to the send worker at once
 * or leave it as a draft and tell the editors.
 *
 * Handing over follows the delivery contract: the campaign becomes `scheduled` with `send_at`
 * now, and the send worker starts scheduled campaigns when they fall due.
 */
import { composeCampaign } from '../campaigns/campaigns.ts';
import type { Deps } from '../deps.ts';
import { composeOf, digestSeries, findDigest } from './digests.ts';
import type { FireResult, FireRunner } from './fires.ts';
import { notifyEditors } from './notifications.ts';
import { formatSubject } from './subject.ts';

export interface DigestRunOptions {
  /** The moment the run stands for (a fire time); the subject's date comes from it. */
  at?: Date;
  /** The zone the subject's date is read in; defaults to UTC. */
  timeZone?: string;
  scheduleId?: string;
}

export interface DigestRunResult {
  status: 'scheduled' | 'draft' | 'skipped_empty';
  campaignId?: string;
  subject: string;
  itemCount: number;
}

/**
 * Runs a digest once. The composed campaign is created in its own transaction, and the
 * hand-over (or the draft's notification) follows it.
 */
export async function runDigest(deps: Deps, digestId: string, options: DigestRunOptions = {}): Promise<DigestRunResult> {
  const digest = await findDigest(deps.db, digestId);
  const at = options.at ?? deps.now();
  const subject = formatSubject(digest.subject, at, options.timeZone ?? 'UTC');
  const compose = composeOf(digest);
  const audience = digest.audience ?? {};
  const log = deps.logger.child({ digestId, scheduleId: options.scheduleId });

  const composed = await composeCampaign(
    deps,
    {
      subject,
      preheader: digest.preheader,
      intro: digest.intro,
      lists: audience.lists,
      segment: audience.segment,
      rule: audience.rule,
      layoutId: digest.layout_id,
      compose: {
        eventsWithinDays: compose.eventsWithinDays,
        topics: compose.topics.length > 0 ? compose.topics : undefined,
        maxItemsPerSection: compose.maxItemsPerSection ?? undefined,
        order: compose.order,
      },
    },
    { series: digestSeries(digest.id), perTopic: digest.per_subscriber_topics, skipWhenEmpty: digest.skip_when_empty },
  );
  if (!composed.campaign) {
    log.info({ since: composed.since }, 'digest run skipped: nothing new');
    return { status: 'skipped_empty', subject, itemCount: 0 };
  }

  const campaignId = composed.campaign.id;
  const now = deps.now();
  if (digest.auto_send) {
    await deps.db
      .updateTable('campaigns')
      .set({ status: 'scheduled', send_at: now, digest_id: digest.id, schedule_id: options.scheduleId ?? null, updated_at: now })
      .where('id', '=', campaignId)
      .where('status', '=', 'draft')
      .execute();
    log.info({ campaignId, itemCount: composed.itemCount }, 'digest run handed to the send worker');
    return { status: 'scheduled', campaignId, subject, itemCount: composed.itemCount };
  }

  await deps.db
    .updateTable('campaigns')
    .set({ digest_id: digest.id, schedule_id: options.scheduleId ?? null, updated_at: now })
    .where('id', '=', campaignId)
    .execute();
  await notifyEditors(deps, {
    kind: 'digest_awaiting_approval',
    title: `Digest ready for approval: ${subject}`,
    body: [
      `"${digest.name}" composed an issue with ${composed.itemCount} item${composed.itemCount === 1 ? '' : 's'}. It waits as a draft until an editor sends it.`,
      `Preview: ${deps.config.publicUrl}/api/campaigns/${campaignId}/preview?format=html`,
      `Send it with POST /api/campaigns/${campaignId}/send, or schedule it with POST /api/campaigns/${campaignId}/schedule.`,
    ].join('\n\n'),
    campaignId,
    digestId: digest.id,
    scheduleId: options.scheduleId,
  });
  log.info({ campaignId, itemCount: composed.itemCount }, 'digest run waiting for approval');
  return { status: 'draft', campaignId, subject, itemCount: composed.itemCount };
}

/** Runs the fired schedule's digest, dated by the fire time: the scheduler's runner. */
export const runScheduledDigest: FireRunner = async (deps, fire): Promise<FireResult> => {
  const result = await runDigest(deps, fire.schedule.digest_id, {
    at: fire.fireAt,
    timeZone: fire.schedule.timezone,
    scheduleId: fire.schedule.id,
  });
  return {
    status: result.status,
    campaignId: result.campaignId,
    reason: result.status === 'skipped_empty' ? 'Nothing new since the last issue; the digest skips empty runs.' : undefined,
  };
};
