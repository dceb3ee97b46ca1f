/**
 * Builds the app over a test database with a fixed secret and token, for `app.request()` tests.
 */
import { createApp, type AppOptions } from '../../src/app.ts';
import { createSigner } from '../../src/auth/signing.ts';
import { loadConfig, type Environment } from '../../src/config.ts';
import type { Db } from '../../src/db/connect.ts';
import type { Deps } from '../../src/deps.ts';
import type { Mailer } from '../../src/delivery/mailer.ts';
import { createInlineQueue, type InlineQueue } from '../../src/jobs/queue.ts';
import { jobHandlers } from '../../src/jobs/handlers.ts';
import { silentLogger } from '../../src/log.ts';

export const TEST_TOKEN = 'test-admin-token-0123456789abcdef';
export const TEST_SECRET = 'test-secret-key-0123456789abcdef0123456789';

export interface TestAppOptions {
  env?: Environment;
  mailer?: Mailer;
  now?: () => Date;
  app?: AppOptions;
}

/** Returns the deps a test app is built from. */
export function testDeps(db: Db, options: TestAppOptions = {}): Deps & { jobs: InlineQueue } {
  const config = loadConfig({
    ADMIN_API_TOKEN: TEST_TOKEN,
    SECRET_KEY: TEST_SECRET,
    PUBLIC_URL: 'https://news.example.org',
    NODE_ENV: 'test',
    ...options.env,
  });
  const deps: Deps & { jobs: InlineQueue } = {
    db,
    config,
    logger: silentLogger(),
    signer: createSigner(TEST_SECRET),
    mailer: options.mailer,
    now: options.now ?? (() => new Date()),
    // Jobs run in this process right away; `await deps.jobs.idle()` waits for them.
    jobs: createInlineQueue(jobHandlers, () => deps),
  };
  return deps;
}

/** Creates the app and a `request` helper that sends the staff token unless told otherwise. */
export function createTestApp(db: Db, options: TestAppOptions = {}) {
  const deps = testDeps(db, options);
  const app = createApp(deps, options.app);

  async function request(
    method: string,
    path: string,
    init: { json?: unknown; body?: BodyInit; headers?: Record<string, string>; token?: string | null } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    const token = init.token === undefined ? TEST_TOKEN : init.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let body = init.body;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers['content-type'] ??= 'application/json';
    }
    return app.request(path, { method, headers, body });
  }

  return { app, deps, request };
}
