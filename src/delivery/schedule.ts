/**
 * Starts scheduled campaigns when they fall due. A start that would come more than the
 * lateness limit after `send_at` (after downtime, say) does not happen on its own: the campaign
 * stays `scheduled` with a status reason until a person sends or reschedules it.
 *
 * The limit is the campaign's `compose.maxLatenessMinutes` when set (digests copy their
 * schedule's), else `config.sending.maxLatenessMinutes`.
 */
import type { Deps } from '../deps.ts';
import { startSend } from './ledger.ts';
import type { RenderedLoader } from './rendered-source.ts';

export interface DueResult {
  started: string[];
  /** Campaigns left waiting because they are too late. */
  late: string[];
  failed: { campaignId: string; reason: string }[];
}

export async function startDueCampaigns(deps: Deps, options: { loadRendered?: RenderedLoader } = {}): Promise<DueResult> {
  const now = deps.now();
  const due = await deps.db
    .selectFrom('campaigns')
    .select(['id', 'send_at', 'compose', 'status_reason'])
    .where('status', '=', 'scheduled')
    .where('send_at', '<=', now)
    .orderBy('send_at')
    .execute();

  const result: DueResult = { started: [], late: [], failed: [] };
  for (const campaign of due) {
    const log = deps.logger.child({ campaignId: campaign.id });
    const sendAt = new Date(campaign.send_at!);
    const limit = latenessLimit(campaign.compose, deps.config.sending.maxLatenessMinutes);
    const lateMinutes = (now.getTime() - sendAt.getTime()) / 60_000;

    if (lateMinutes > limit) {
      const reason = `Not started: it was due at ${sendAt.toISOString()}, more than ${limit} minutes ago (the lateness limit). Send or reschedule it.`;
      if (campaign.status_reason !== reason) {
        await deps.db
          .updateTable('campaigns')
          .set({ status_reason: reason, updated_at: now })
          .where('id', '=', campaign.id)
          .where('status', '=', 'scheduled')
          .execute();
        log.warn({ sendAt, lateMinutes: Math.round(lateMinutes), limit }, 'scheduled campaign too late; waiting for a person');
      }
      result.late.push(campaign.id);
      continue;
    }

    try {
      const started = await startSend(deps, campaign.id, { actor: 'scheduler', loadRendered: options.loadRendered });
      if (started.started) result.started.push(campaign.id);
    } catch (error) {
      const reason = `Starting the scheduled send failed: ${(error as Error).message}`;
      log.error({ err: error }, 'starting a scheduled campaign failed');
      await deps.db
        .updateTable('campaigns')
        .set({ status_reason: reason, updated_at: now })
        .where('id', '=', campaign.id)
        .where('status', '=', 'scheduled')
        .execute();
      result.failed.push({ campaignId: campaign.id, reason });
    }
  }
  return result;
}

function latenessLimit(compose: Record<string, unknown>, fallback: number): number {
  const value = compose.maxLatenessMinutes;
  return typeof value === 'number' && value >= 0 ? value : fallback;
}
