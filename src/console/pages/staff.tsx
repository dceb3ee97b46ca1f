/** @jsxImportSource hono/jsx */
/**
 * Staff accounts, personal API tokens and the audit log (administrators), and each member's
 * own account settings (everyone).
 */
import type { Hono, MiddlewareHandler } from 'hono';
import { createApiToken, listApiTokens, revokeApiToken } from '../../auth/api-tokens.ts';
import { verifyPassword } from '../../auth/passwords.ts';
import { liveSessionCounts } from '../../auth/sessions.ts';
import { createStaffUser, getStaffUser, listStaffUsers, staffRoles, updateStaffUser, type StaffUser } from '../../auth/staff.ts';
import type { AppEnv, StaffRole } from '../../http/context.ts';
import { field, fieldError, formProblem, pageContext, readForm, redirectWithNotice, type FormProblem } from '../http.ts';
import { ActionButton, Empty, ErrorSummary, Layout, Pager, PostForm, StatusBadge, When, ZoneNote, type PageContext } from '../layout.tsx';
import { roleLabel } from '../security.ts';
import { timeZoneNames } from '../format.ts';

const roleHelp: Record<StaffRole, string> = {
  admin: 'everything, including accounts, settings and API tokens',
  editor: 'content, compose, send and subscribers',
  viewer: 'reads everything, changes nothing',
};

function RoleSelect(props: { id: string; value?: StaffRole }) {
  return (
    <select id={props.id} name="role">
      {staffRoles.map((role) => (
        <option value={role} selected={props.value === role}>
          {roleLabel(role)}: {roleHelp[role]}
        </option>
      ))}
    </select>
  );
}

function ZoneSelect(props: { id: string; value: string }) {
  return (
    <select id={props.id} name="timezone">
      {timeZoneNames().map((zone) => (
        <option value={zone} selected={zone === props.value}>
          {zone}
        </option>
      ))}
    </select>
  );
}

interface StaffPageData {
  users: StaffUser[];
  sessions: Map<string, number>;
  tokens: Awaited<ReturnType<typeof listApiTokens>>;
  problem?: FormProblem;
  values?: Record<string, string>;
  newToken?: { name: string; token: string };
}

function StaffPage({ page, data }: { page: PageContext; data: StaffPageData }) {
  const v = data.values ?? {};
  return (
    <Layout page={page} title="Staff and tokens" actions={<a href="/console/staff/audit">Audit log</a>}>
      <ErrorSummary message={data.problem?.message} />
      {data.newToken ? (
        <div class="card" role="status">
          <h2>Token "{data.newToken.name}" created</h2>
          <p>Copy it now: it is shown only this once. Send it as <code>Authorization: Bearer &lt;token&gt;</code>.</p>
          <code class="token" id="new-token">
            {data.newToken.token}
          </code>
          <p>
            <button type="button" class="secondary" data-copy="new-token" hidden>
              Copy token
            </button>
          </p>
        </div>
      ) : null}

      <h2>Accounts</h2>
      <div class="table-wrap">
        <table>
          <caption class="muted">Every account that can sign in to the console.</caption>
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Role</th>
              <th scope="col">Time zone</th>
              <th scope="col">
                Last sign-in <ZoneNote page={page} />
              </th>
              <th scope="col" class="num">
                Sessions
              </th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {data.users.map((user) => (
              <tr>
                <td>
                  <a href={`/console/staff/${user.id}`}>{user.email}</a>
                  {user.name ? <span class="muted"> · {user.name}</span> : null}
                </td>
                <td>{roleLabel(user.role)}</td>
                <td>{user.timezone}</td>
                <td>
                  <When page={page} at={user.lastSignInAt} empty="never" />
                </td>
                <td class="num">{data.sessions.get(user.id) ?? 0}</td>
                <td>{user.disabled ? <StatusBadge status="disabled" /> : <StatusBadge status="active" />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2 id="add-account">Add an account</h2>
      <PostForm page={page} action="/console/staff" class="card">
        <label for="new-email">Email address</label>
        <input id="new-email" name="email" type="email" required value={v.email ?? ''} aria-describedby="new-email-error" />
        {fieldError(data.problem, 'email') ? (
          <span class="field-error" id="new-email-error">
            {fieldError(data.problem, 'email')}
          </span>
        ) : null}
        <label for="new-name">
          Name <span class="hint">Shown in the console; optional.</span>
        </label>
        <input id="new-name" name="name" type="text" value={v.name ?? ''} />
        <label for="new-role">Role</label>
        <RoleSelect id="new-role" value={(v.role as StaffRole) ?? 'editor'} />
        <label for="new-password">
          Password <span class="hint">At least 12 characters. The person can change it under their account.</span>
        </label>
        <input id="new-password" name="password" type="password" autocomplete="new-password" required minlength={12} />
        {fieldError(data.problem, 'password') ? <span class="field-error">{fieldError(data.problem, 'password')}</span> : null}
        <label for="new-zone">Time zone</label>
        <ZoneSelect id="new-zone" value={v.timezone ?? page.session.timezone} />
        <div class="buttons">
          <button type="submit">Add account</button>
        </div>
      </PostForm>

      <h2 id="tokens">Personal API tokens</h2>
      <p class="muted">A token acts as its account, with that account's role, on the staff JSON API.</p>
      {data.tokens.length === 0 ? (
        <Empty title="No API tokens yet">
          <p>Create one below for a script or an integration that calls the staff API.</p>
        </Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Acts as</th>
                <th scope="col">Starts with</th>
                <th scope="col">
                  Created <ZoneNote page={page} />
                </th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="muted">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.tokens.map((token) => (
                <tr>
                  <td>{token.name}</td>
                  <td>{token.userEmail}</td>
                  <td>
                    <code>{token.prefix}…</code>
                  </td>
                  <td>
                    <When page={page} at={token.createdAt} />
                  </td>
                  <td>
                    <When page={page} at={token.lastUsedAt} empty="never" />
                  </td>
                  <td>{token.revokedAt ? <StatusBadge status="revoked" /> : <StatusBadge status="active" />}</td>
                  <td>
                    {token.revokedAt ? null : (
                      <ActionButton page={page} action={`/console/staff/tokens/${token.id}/revoke`} label={`Revoke ${token.name}`} danger />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <PostForm page={page} action="/console/staff/tokens" class="card">
        <h3>Create a token</h3>
        <label for="token-name">
          Name <span class="hint">Where the token is used, such as "website sign-up form".</span>
        </label>
        <input id="token-name" name="name" type="text" required maxlength={100} />
        <label for="token-user">Acts as</label>
        <select id="token-user" name="userId">
          {data.users
            .filter((user) => !user.disabled)
            .map((user) => (
              <option value={user.id} selected={user.id === page.session.userId}>
                {user.email} ({roleLabel(user.role)})
              </option>
            ))}
        </select>
        <div class="buttons">
          <button type="submit">Create token</button>
        </div>
      </PostForm>
    </Layout>
  );
}

function StaffUserPage({ page, user, problem }: { page: PageContext; user: StaffUser; problem?: FormProblem }) {
  return (
    <Layout page={page} title={user.email}>
      <p>
        <a href="/console/staff">← Staff and tokens</a>
      </p>
      <ErrorSummary message={problem?.message} />
      <PostForm page={page} action={`/console/staff/${user.id}`} class="card">
        <label for="user-name">Name</label>
        <input id="user-name" name="name" type="text" value={user.name} />
        <label for="user-role">Role</label>
        <RoleSelect id="user-role" value={user.role} />
        <label for="user-zone">Time zone</label>
        <ZoneSelect id="user-zone" value={user.timezone} />
        <label for="user-password">
          New password <span class="hint">Leave empty to keep the current one. Setting one signs the account out everywhere.</span>
        </label>
        <input id="user-password" name="password" type="password" autocomplete="new-password" minlength={12} />
        <label class="check">
          <input type="checkbox" name="disabled" value="1" checked={user.disabled} />
          Disabled: the account cannot sign in and its tokens stop working
        </label>
        <div class="buttons">
          <button type="submit">Save account</button>
        </div>
      </PostForm>
    </Layout>
  );
}

function AccountPage({ page, user, problem }: { page: PageContext; user: StaffUser; problem?: FormProblem }) {
  return (
    <Layout page={page} title="Your account">
      <ErrorSummary message={problem?.message} />
      <dl class="facts card">
        <dt>Email address</dt>
        <dd>{user.email}</dd>
        <dt>Role</dt>
        <dd>
          {roleLabel(user.role)}: {roleHelp[user.role]}
        </dd>
      </dl>
      <PostForm page={page} action="/console/account" class="card">
        <h2>Display</h2>
        <label for="me-name">Name</label>
        <input id="me-name" name="name" type="text" value={user.name} />
        <label for="me-zone">
          Time zone <span class="hint">The console shows every date and time in this zone.</span>
        </label>
        <ZoneSelect id="me-zone" value={user.timezone} />
        <div class="buttons">
          <button type="submit">Save</button>
        </div>
      </PostForm>
      <PostForm page={page} action="/console/account/password" class="card">
        <h2>Password</h2>
        <label for="me-current">Current password</label>
        <input id="me-current" name="current" type="password" autocomplete="current-password" required />
        {fieldError(problem, 'current') ? <span class="field-error">{fieldError(problem, 'current')}</span> : null}
        <label for="me-new">
          New password <span class="hint">At least 12 characters.</span>
        </label>
        <input id="me-new" name="password" type="password" autocomplete="new-password" required minlength={12} />
        <div class="buttons">
          <button type="submit">Change password</button>
        </div>
      </PostForm>
    </Layout>
  );
}

async function staffData(c: { var: AppEnv['Variables'] }): Promise<StaffPageData> {
  const { db } = c.var.deps;
  const [users, sessions, tokens] = await Promise.all([listStaffUsers(db), liveSessionCounts(db, c.var.deps.now()), listApiTokens(db)]);
  return { users, sessions, tokens };
}

function asRole(value: string): StaffRole | undefined {
  return (staffRoles as readonly string[]).includes(value) ? (value as StaffRole) : undefined;
}

const adminOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.var.session?.role === 'admin') return next();
  return c.html(
    <Layout page={pageContext(c)} title="Staff and tokens">
      <p>
        Only administrators manage accounts, tokens and the audit log. Your own settings are under{' '}
        <a href="/console/account">Your account</a>.
      </p>
    </Layout>,
    403,
  );
};

export function registerStaffPages(app: Hono<AppEnv>): void {
  // Every /console/staff page, reads included, is for administrators.
  app.use('/staff', adminOnly);
  app.use('/staff/*', adminOnly);

  app.get('/staff', async (c) => {
    return c.html(<StaffPage page={pageContext(c)} data={await staffData(c)} />);
  });

  app.post('/staff', async (c) => {
    const form = await readForm(c);
    const values = { email: field(form, 'email'), name: field(form, 'name'), role: field(form, 'role'), timezone: field(form, 'timezone') };
    try {
      const user = await createStaffUser(c.var.deps.db, {
        email: values.email,
        name: values.name,
        role: asRole(values.role) ?? 'viewer',
        password: typeof form.password === 'string' ? form.password : '',
        timezone: values.timezone || 'UTC',
      });
      c.set('auditDetails', { email: user.email, role: user.role });
      return redirectWithNotice(c, '/console/staff', 'user-created');
    } catch (error) {
      const problem = formProblem(error);
      return c.html(<StaffPage page={pageContext(c)} data={{ ...(await staffData(c)), problem, values }} />, 422);
    }
  });

  app.post('/staff/tokens', async (c) => {
    const form = await readForm(c);
    const name = field(form, 'name');
    try {
      const user = await getStaffUser(c.var.deps.db, field(form, 'userId') || c.var.session!.userId);
      const created = await createApiToken(c.var.deps.db, { userId: user.id, name });
      c.set('auditDetails', { tokenId: created.id, name, actsAs: user.email });
      // Shown in this answer only: the token is not stored and cannot be read again.
      return c.html(<StaffPage page={pageContext(c)} data={{ ...(await staffData(c)), newToken: { name, token: created.token } }} />, 201);
    } catch (error) {
      const problem = formProblem(error);
      return c.html(<StaffPage page={pageContext(c)} data={{ ...(await staffData(c)), problem }} />, 422);
    }
  });

  app.post('/staff/tokens/:id/revoke', async (c) => {
    await revokeApiToken(c.var.deps.db, c.req.param('id'), c.var.deps.now());
    return redirectWithNotice(c, '/console/staff', 'token-revoked');
  });

  app.get('/staff/audit', async (c) => {
    const page = pageContext(c);
    const pageNumber = Math.max(1, Number(c.req.query('page')) || 1);
    const pageSize = 50;
    const actor = c.req.query('actor')?.trim() ?? '';
    let query = c.var.deps.db.selectFrom('audit_log');
    if (actor) query = query.where('actor', 'ilike', `%${actor.replace(/[%_\\]/g, '\\$&')}%`);
    const [rows, total] = await Promise.all([
      query.selectAll().orderBy('id', 'desc').limit(pageSize).offset((pageNumber - 1) * pageSize).execute(),
      query.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return c.html(
      <Layout page={page} title="Audit log">
        <p>
          <a href="/console/staff">← Staff and tokens</a>
        </p>
        <form method="get" action="/console/staff/audit" class="filters" role="search">
          <div>
            <label for="audit-actor">Who</label>
            <input id="audit-actor" name="actor" type="search" value={actor} placeholder="address or token" />
          </div>
          <button type="submit" class="secondary">
            Filter
          </button>
        </form>
        {rows.length === 0 ? (
          <Empty title="Nothing recorded yet">
            <p>Every change made in the console or through the staff API appears here.</p>
          </Empty>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">
                    When <ZoneNote page={page} />
                  </th>
                  <th scope="col">Who</th>
                  <th scope="col">What</th>
                  <th scope="col">Target</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr>
                    <td>
                      <When page={page} at={row.created_at} />
                    </td>
                    <td>{row.actor}</td>
                    <td>
                      <code>{row.action}</code>
                    </td>
                    <td>{row.target}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <Pager base="/console/staff/audit" page={pageNumber} pageSize={pageSize} total={Number(total.n)} query={{ actor }} />
      </Layout>,
    );
  });

  app.get('/staff/:id{[0-9]+}', async (c) => {
    const user = await getStaffUser(c.var.deps.db, c.req.param('id'));
    return c.html(<StaffUserPage page={pageContext(c)} user={user} />);
  });

  app.post('/staff/:id{[0-9]+}', async (c) => {
    const form = await readForm(c);
    const id = c.req.param('id');
    const password = typeof form.password === 'string' && form.password !== '' ? form.password : undefined;
    try {
      await updateStaffUser(c.var.deps.db, id, {
        name: field(form, 'name'),
        role: asRole(field(form, 'role')),
        timezone: field(form, 'timezone') || undefined,
        disabled: field(form, 'disabled') === '1',
        password,
      });
      c.set('auditDetails', { passwordChanged: Boolean(password) });
      return redirectWithNotice(c, '/console/staff', 'user-updated');
    } catch (error) {
      const problem = formProblem(error);
      return c.html(<StaffUserPage page={pageContext(c)} user={await getStaffUser(c.var.deps.db, id)} problem={problem} />, 422);
    }
  });

  app.get('/account', async (c) => {
    const user = await getStaffUser(c.var.deps.db, c.var.session!.userId);
    return c.html(<AccountPage page={pageContext(c)} user={user} />);
  });

  app.post('/account', async (c) => {
    const form = await readForm(c);
    const id = c.var.session!.userId;
    try {
      await updateStaffUser(c.var.deps.db, id, { name: field(form, 'name'), timezone: field(form, 'timezone') || undefined });
      return redirectWithNotice(c, '/console/account', 'account-saved');
    } catch (error) {
      const problem = formProblem(error);
      return c.html(<AccountPage page={pageContext(c)} user={await getStaffUser(c.var.deps.db, id)} problem={problem} />, 422);
    }
  });

  app.post('/account/password', async (c) => {
    const form = await readForm(c);
    const id = c.var.session!.userId;
    const current = typeof form.current === 'string' ? form.current : '';
    const row = await c.var.deps.db.selectFrom('staff_users').select('password_hash').where('id', '=', id).executeTakeFirstOrThrow();
    const user = await getStaffUser(c.var.deps.db, id);
    if (!(await verifyPassword(current, row.password_hash))) {
      const problem = { message: 'The current password is wrong.', details: [{ path: 'current', message: 'Enter the password you signed in with.' }] };
      return c.html(<AccountPage page={pageContext(c)} user={user} problem={problem} />, 422);
    }
    try {
      // Changing the password ends every session of the account, this one included.
      await updateStaffUser(c.var.deps.db, id, { password: typeof form.password === 'string' ? form.password : '' });
      return redirectWithNotice(c, '/console/sign-in', 'password-changed');
    } catch (error) {
      const problem = formProblem(error);
      return c.html(<AccountPage page={pageContext(c)} user={user} problem={problem} />, 422);
    }
  });
}
