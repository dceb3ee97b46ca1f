/**
 * Digest drafts awaiting approval: the issues a digest without `autoSend` composed and left as
 * drafts. An editor approves one (it starts sending) or discards it (it is cancelled, so its
 * items count as unsent and the next run offers them again). Either way the editors'
 * notifications about that draft are marked read.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { cancelCampaign } from '../delivery/controls.ts';
import { startSend, type StartSendResult } from '../delivery/ledger.ts';
import { ConflictError, NotFoundError } from '../errors.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface DigestDraft {
  id: string;
  subject: string;
  /** The digest's name, or null when the digest was deleted after the run. */
  digestName: string | null;
  scheduleId: string | null;
  itemCount: number;
  createdAt: string;
}

const isDigestSeries = sql<boolean>`campaigns.series like 'digest:%'`;

function draftQuery(db: Executor) {
  return db
    .selectFrom('campaigns')
    .leftJoin('digests', 'digests.id', 'campaigns.digest_id')
    .select(['campaigns.id', 'campaigns.subject', 'campaigns.schedule_id', 'campaigns.created_at', 'campaigns.status', 'digests.name as digest_name'])
    .select((eb) =>
      eb
        .selectFrom('campaign_items')
        .select(sql<string>`count(*)`.as('count'))
        .whereRef('campaign_items.campaign_id', '=', 'campaigns.id')
        .as('item_count'),
    )
    .where(isDigestSeries);
}

type DraftRow = Awaited<ReturnType<ReturnType<typeof draftQuery>['executeTakeFirstOrThrow']>>;

function toDraft(row: DraftRow): DigestDraft {
  return {
    id: row.id,
    subject: row.subject,
    digestName: row.digest_name,
    scheduleId: row.schedule_id,
    itemCount: Number(row.item_count ?? 0),
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/** Lists the digest drafts awaiting approval, newest first. */
export async function listDigestDrafts(db: Executor, limit = 50): Promise<DigestDraft[]> {
  const rows = await draftQuery(db).where('campaigns.status', '=', 'draft').orderBy('campaigns.id', 'desc').limit(limit).execute();
  return rows.map(toDraft);
}

/** Returns one digest draft; throws NotFoundError, or ConflictError once it has left the draft state. */
export async function getDigestDraft(db: Executor, id: string): Promise<DigestDraft> {
  const row = /^[0-9]{1,18}$/.test(id) ? await draftQuery(db).where('campaigns.id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw new NotFoundError(`No digest draft with id ${id}. Drafts awaiting approval are listed on the Schedules page.`);
  if (row.status !== 'draft') {
    throw new ConflictError(`The digest issue "${row.subject}" is ${row.status}, no longer a draft awaiting approval. Open the campaign to see what happened to it.`);
  }
  return toDraft(row);
}

async function markNotificationsRead(db: Executor, campaignId: string, now: Date): Promise<void> {
  await db.updateTable('editor_notifications').set({ read_at: now }).where('campaign_id', '=', campaignId).where('read_at', 'is', null).execute();
}

/** Approves a digest draft: starts sending it to its audience as it is now. */
export async function approveDigestDraft(deps: Deps, id: string, actor: string): Promise<StartSendResult> {
  const draft = await getDigestDraft(deps.db, id);
  const result = await startSend(deps, draft.id, { actor });
  await markNotificationsRead(deps.db, draft.id, deps.now());
  return result;
}

/** Discards a digest draft: cancels it, so its items are offered again by the next run. */
export async function discardDigestDraft(deps: Deps, id: string, actor: string): Promise<void> {
  const draft = await getDigestDraft(deps.db, id);
  await cancelCampaign(deps, draft.id, actor);
  await markNotificationsRead(deps.db, draft.id, deps.now());
}
