/**
 * Notifications for editors: a digest run waiting for approval, or a run that failed. Each is a
 * row the console and `GET /api/notifications` list, and an email to every active editor and
 * administrator when the process has a mailer. A failed email is logged, never raised, because
 * the row is the record.
 */
import type { Kysely, Transaction } from 'kysely';
import { escapeHtml } from '../campaigns/merge-fields.ts';
import type { Database, EditorNotificationKind } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { buildMime, bareAddress } from '../delivery/mime.ts';
import { NotFoundError } from '../errors.ts';
import { offsetOf, type Page } from '../http/pagination.ts';
import { maskEmail } from '../log.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface EditorNotification {
  id: string;
  kind: EditorNotificationKind;
  message: string;
  campaignId: string | null;
  scheduleId: string | null;
  digestId: string | null;
  readAt: string | null;
  createdAt: string;
}

export interface NotificationInput {
  kind: EditorNotificationKind;
  /** The email subject and the first line of the row's message. */
  title: string;
  /** The body in plain text: what happened and the next step. */
  body: string;
  campaignId?: string;
  scheduleId?: string;
  digestId?: string;
}

/** Records a notification and emails it to the editors; returns the row's id. */
export async function notifyEditors(deps: Deps, input: NotificationInput): Promise<string> {
  const row = await deps.db
    .insertInto('editor_notifications')
    .values({
      kind: input.kind,
      message: `${input.title}\n\n${input.body}`,
      campaign_id: input.campaignId ?? null,
      schedule_id: input.scheduleId ?? null,
      digest_id: input.digestId ?? null,
      created_at: deps.now(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();

  if (deps.mailer) await emailEditors(deps, input, row.id);
  return row.id;
}

async function emailEditors(deps: Deps, input: NotificationInput, notificationId: string): Promise<void> {
  const log = deps.logger.child({ notificationId, kind: input.kind });
  const editors = await deps.db
    .selectFrom('staff_users')
    .select(['email', 'name'])
    .where('role', 'in', ['admin', 'editor'])
    .where('disabled_at', 'is', null)
    .execute();
  const text = `${input.body}\n\n-- \n${deps.config.mail.orgName} newsletter service (Gazette)\n`;
  for (const editor of editors) {
    try {
      const raw = await buildMime({
        from: deps.config.mail.from,
        to: editor.email,
        toName: editor.name || undefined,
        subject: input.title,
        text,
        html: `<pre style="font-family: inherit; white-space: pre-wrap">${escapeHtml(text)}</pre>`,
        headers: { 'X-Gazette-Notification': input.kind },
      });
      await deps.mailer!.send({ from: bareAddress(deps.config.mail.from), to: [editor.email], raw });
    } catch (error) {
      log.error({ err: error, to: maskEmail(editor.email) }, 'emailing an editor notification failed');
    }
  }
}

export async function listNotifications(
  db: Executor,
  query: { page: number; pageSize: number; unread?: boolean },
): Promise<Page<EditorNotification>> {
  let base = db.selectFrom('editor_notifications');
  if (query.unread) base = base.where('read_at', 'is', null);
  const [rows, total] = await Promise.all([
    base.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.pageSize).offset(offsetOf(query.page, query.pageSize)).execute(),
    base.select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow(),
  ]);
  return {
    items: rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      message: row.message,
      campaignId: row.campaign_id,
      scheduleId: row.schedule_id,
      digestId: row.digest_id,
      readAt: row.read_at ? new Date(row.read_at).toISOString() : null,
      createdAt: new Date(row.created_at).toISOString(),
    })),
    total: Number(total.count),
    page: query.page,
    pageSize: query.pageSize,
  };
}

/** Marks a notification read; reading it twice keeps the first time. */
export async function markNotificationRead(db: Executor, id: string, now: Date): Promise<void> {
  const row = /^[0-9]{1,18}$/.test(id)
    ? await db.selectFrom('editor_notifications').select(['id', 'read_at']).where('id', '=', id).executeTakeFirst()
    : undefined;
  if (!row) throw new NotFoundError(`No notification with id ${id}.`);
  if (row.read_at) return;
  await db.updateTable('editor_notifications').set({ read_at: now }).where('id', '=', id).execute();
}
