/**
 * Staff accounts and personal API tokens over the staff JSON API (administrators only).
 * `gazette user create` uses these when a running server holds the embedded database.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import { readJson } from '../http/validate.ts';
import type { AppEnv } from '../http/context.ts';
import type { RouteDoc } from '../http/route-doc.ts';
import { createApiToken, listApiTokens, revokeApiToken } from './api-tokens.ts';
import { requireRole } from './middleware.ts';
import { createStaffUser, getStaffUser, listStaffUsers, updateStaffUser, type StaffUser } from './staff.ts';

const role = z.enum(['admin', 'editor', 'viewer']);

export const newStaffUserBody = z.object({
  email: z.string().min(3).max(320),
  name: z.string().max(200).optional(),
  role,
  password: z.string().min(1).max(200),
  timezone: z.string().max(100).optional(),
});

export const staffUserChangesBody = z.object({
  name: z.string().max(200).optional(),
  role: role.optional(),
  timezone: z.string().max(100).optional(),
  disabled: z.boolean().optional(),
  password: z.string().min(1).max(200).optional(),
});

export const newTokenBody = z.object({
  name: z.string().min(1).max(100),
  userId: z.string().regex(/^\d+$/).optional(),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});

function userJson(user: StaffUser) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    timezone: user.timezone,
    disabled: user.disabled,
    lastSignInAt: user.lastSignInAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
  };
}

/** `/api/staff/...`, mounted on the staff router (authentication is already done there). */
export function staffAccountRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // Scoped to /staff/*: a bare use() would apply to every route the staff router holds.
  app.use('/staff/*', requireRole('admin'));

  app.get('/staff/users', async (c) => {
    const users = await listStaffUsers(c.var.deps.db);
    return c.json({ items: users.map(userJson), total: users.length, page: 1, pageSize: users.length });
  });

  app.post('/staff/users', async (c) => {
    const body = await readJson(c, newStaffUserBody);
    const user = await createStaffUser(c.var.deps.db, body);
    c.set('auditDetails', { email: user.email, role: user.role });
    return c.json(userJson(user), 201);
  });

  app.get('/staff/users/:id', async (c) => c.json(userJson(await getStaffUser(c.var.deps.db, c.req.param('id')))));

  app.patch('/staff/users/:id', async (c) => {
    const body = await readJson(c, staffUserChangesBody);
    const user = await updateStaffUser(c.var.deps.db, c.req.param('id'), body);
    c.set('auditDetails', { changed: Object.keys(body).filter((key) => key !== 'password').concat(body.password ? ['password'] : []) });
    return c.json(userJson(user));
  });

  app.get('/staff/tokens', async (c) => {
    const tokens = await listApiTokens(c.var.deps.db);
    const items = tokens.map((token) => ({
      id: token.id,
      userId: token.userId,
      userEmail: token.userEmail,
      name: token.name,
      prefix: token.prefix,
      createdAt: token.createdAt.toISOString(),
      lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
      expiresAt: token.expiresAt?.toISOString() ?? null,
      revokedAt: token.revokedAt?.toISOString() ?? null,
    }));
    return c.json({ items, total: items.length, page: 1, pageSize: items.length });
  });

  app.post('/staff/tokens', async (c) => {
    const body = await readJson(c, newTokenBody);
    const userId = body.userId ?? c.var.staff?.userId;
    if (!userId) {
      // The administrator bearer token belongs to no account, so it must name one.
      throw new ValidationError('Name the account the token acts as: send userId.', [{ path: 'userId', message: 'required' }]);
    }
    await getStaffUser(c.var.deps.db, userId);
    const created = await createApiToken(c.var.deps.db, {
      userId,
      name: body.name,
      expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
    });
    c.set('auditDetails', { tokenId: created.id, name: body.name });
    return c.json({ id: created.id, token: created.token }, 201);
  });

  app.delete('/staff/tokens/:id', async (c) => {
    await revokeApiToken(c.var.deps.db, c.req.param('id'), c.var.deps.now());
    return c.body(null, 204);
  });

  return app;
}

export const staffAccountDocs: RouteDoc[] = [
  { method: 'get', path: '/api/staff/users', summary: 'List staff accounts', tag: 'staff', access: 'admin' },
  { method: 'post', path: '/api/staff/users', summary: 'Create a staff account', tag: 'staff', access: 'admin', body: newStaffUserBody },
  { method: 'get', path: '/api/staff/users/{id}', summary: 'Read a staff account', tag: 'staff', access: 'admin' },
  { method: 'patch', path: '/api/staff/users/{id}', summary: 'Change a staff account (role, time zone, password, disabled)', tag: 'staff', access: 'admin', body: staffUserChangesBody },
  { method: 'get', path: '/api/staff/tokens', summary: 'List personal API tokens', tag: 'staff', access: 'admin' },
  { method: 'post', path: '/api/staff/tokens', summary: 'Create a personal API token (shown once)', tag: 'staff', access: 'admin', body: newTokenBody },
  { method: 'delete', path: '/api/staff/tokens/{id}', summary: 'Revoke a personal API token', tag: 'staff', access: 'admin' },
];
