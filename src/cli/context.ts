/**
 * How a CLI command reaches Gazette's data. With PostgreSQL it opens the database directly.
 * With the embedded database it opens PGlite only when no server holds the data directory;
 * otherwise it calls the running server's API with the token from `ADMIN_API_TOKEN` or
 * `$DATA_DIR/secrets.json`.
 */
import path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { loadConfig, type Config, type Environment } from '../config.ts';
import { acquireLock, readLock } from '../node/data-dir.ts';
import { openRuntime, type Runtime } from '../node/runtime.ts';
import { silentLogger } from '../log.ts';

export class CliError extends Error {
  override name = 'CliError';
}

/** A client for the staff API of a running server. */
export interface ApiClient {
  baseUrl: string;
  request<T>(method: string, pathName: string, body?: unknown): Promise<T>;
  upload<T>(pathName: string, form: FormData): Promise<T>;
  /** Posts a body as it is (a file-backed `Blob` streams from disk), with its content type. */
  post<T>(pathName: string, body: Blob, contentType: string): Promise<T>;
}

export type DataAccess =
  | { mode: 'local'; runtime: Runtime; close(): Promise<void> }
  | { mode: 'remote'; api: ApiClient; close(): Promise<void> };

/** Opens the database directly, or the running server's API when it holds the data directory. */
export async function openDataAccess(environment: Environment): Promise<DataAccess> {
  const config = loadConfig(environment);
  if (config.embedded) {
    const holder = readLock(config.dataDir);
    if (holder) {
      const baseUrl = environment.GAZETTE_URL ? config.gazetteUrl : holder.url;
      return { mode: 'remote', api: createApiClient(baseUrl, adminToken(config)), close: async () => {} };
    }
    const release = acquireLock(config.dataDir, 'cli');
    try {
      const runtime = await openRuntime(environment, { logger: silentLogger() });
      return {
        mode: 'local',
        runtime,
        close: async () => {
          await runtime.close();
          release();
        },
      };
    } catch (error) {
      release();
      throw error;
    }
  }
  const runtime = await openRuntime(environment, { logger: silentLogger() });
  return { mode: 'local', runtime, close: () => runtime.close() };
}

/** Returns the administrator token: `ADMIN_API_TOKEN`, or the embedded one in `$DATA_DIR`. */
export function adminToken(config: Config): string {
  if (config.adminApiToken) return config.adminApiToken;
  const file = path.join(config.dataDir, 'secrets.json');
  if (!existsSync(file)) {
    throw new CliError(`No API token: set ADMIN_API_TOKEN, or start the server once so it creates ${file}.`);
  }
  return (JSON.parse(readFileSync(file, 'utf8')) as { adminApiToken: string }).adminApiToken;
}

export function createApiClient(baseUrl: string, token: string): ApiClient {
  const call = async <T>(method: string, pathName: string, init: RequestInit): Promise<T> => {
    const url = `${baseUrl.replace(/\/+$/, '')}${pathName}`;
    let response: Response;
    try {
      response = await fetch(url, {
        ...init,
        method,
        headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(120_000),
      });
    } catch (error) {
      throw new CliError(`Could not reach the Gazette server at ${baseUrl}: ${(error as Error).message}. Is it running? Set GAZETTE_URL if it listens elsewhere.`);
    }
    const text = await response.text();
    const body = text ? safeJson(text) : undefined;
    if (!response.ok) {
      const message = (body as { error?: { message?: string } } | undefined)?.error?.message ?? text;
      throw new CliError(`The server answered ${response.status} to ${method} ${pathName}: ${message}`);
    }
    return body as T;
  };
  return {
    baseUrl,
    request: (method, pathName, body) =>
      call(method, pathName, {
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    upload: (pathName, form) => call('POST', pathName, { body: form }),
    post: (pathName, body, contentType) => call('POST', pathName, { headers: { 'content-type': contentType }, body }),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
