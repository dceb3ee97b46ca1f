/**
 * The staff audit log: who changed what, and when. Every staff request that changes data is
 * recorded by `auditChanges`; services may add richer entries with `recordAudit`.
 */
import type { Kysely, Transaction } from 'kysely';
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Database } from '../db/schema.ts';
import type { AppEnv, StaffPrincipal } from '../http/context.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface AuditEntry {
  actor: string;
  action: string;
  target?: string | null;
  details?: Record<string, unknown>;
  at?: Date;
}

export async function recordAudit(db: Executor, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      actor: entry.actor.slice(0, 320),
      action: entry.action.slice(0, 200),
      target: entry.target?.slice(0, 500) ?? null,
      details: JSON.stringify(entry.details ?? {}),
      ...(entry.at ? { created_at: entry.at } : {}),
    })
    .execute();
}

/** How an actor is named in the log: the account's address, and the token when one was used. */
export function actorName(staff: StaffPrincipal): string {
  return staff.name;
}

/**
 * Writes one audit row for every successful staff request that can change data (any method
 * but GET, HEAD and OPTIONS), naming the route (`POST /api/campaigns/:id/send`) and the path.
 */
export function auditChanges(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return;
    const status = c.res.status;
    if (status >= 400) return;
    const staff = c.get('staff');
    if (!staff) return;
    try {
      await recordAudit(c.var.deps.db, {
        actor: actorName(staff),
        action: `${method} ${handlerPath(c) ?? c.req.path}`,
        target: c.req.path,
        details: { status, via: staff.kind, ...(c.get('auditDetails') ?? {}) },
        at: c.var.deps.now(),
      });
    } catch (error) {
      c.get('log').error({ err: error }, 'audit log write failed');
    }
  };
}

/** The pattern of the route that answered: the last matched route bound to a method (not a middleware or catch-all). */
function handlerPath(c: Parameters<MiddlewareHandler<AppEnv>>[0]): string | undefined {
  const routes = matchedRoutes(c).filter((route) => route.method !== 'ALL');
  return routes[routes.length - 1]?.path;
}
