/**
 * Downloads a feed over HTTP: conditional requests (ETag, Last-Modified, 304), a time limit,
 * a size limit, and errors that say what went wrong in words staff can act on.
 */
import type { FeedErrorKind } from '../db/schema.ts';

export interface FetchFeedOptions {
  fetch?: typeof fetch;
  etag?: string | null;
  lastModified?: string | null;
  /** Time allowed for the whole request, body included (default 15 s). */
  timeoutMs?: number;
  /** Largest body accepted (default 5 MiB). */
  maxBytes?: number;
}

export type FetchedFeed =
  | { status: 'not_modified' }
  | { status: 'ok'; bytes: Uint8Array; contentType: string | null; etag: string | null; lastModified: string | null };

/** A feed that could not be fetched or read, with the kind recorded in its error history. */
export class FeedFetchError extends Error {
  override name = 'FeedFetchError';
  constructor(
    readonly kind: FeedErrorKind,
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
  }
}

export const defaultFeedTimeoutMs = 15_000;
export const defaultFeedMaxBytes = 5 * 1024 * 1024;

/** Fetches a feed URL. Throws `FeedFetchError`; a 304 returns `{ status: 'not_modified' }`. */
export async function fetchFeedDocument(url: string, options: FetchFeedOptions = {}): Promise<FetchedFeed> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? defaultFeedTimeoutMs;
  const maxBytes = options.maxBytes ?? defaultFeedMaxBytes;
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new FeedFetchError('invalid_url', `"${url}" is not an http or https URL.`);
  }

  const headers: Record<string, string> = {
    accept: 'application/rss+xml, application/atom+xml, application/feed+json, application/json, application/xml;q=0.9, text/xml;q=0.9, text/calendar;q=0.9, */*;q=0.5',
    'user-agent': 'Gazette feed reader',
  };
  if (options.etag) headers['if-none-match'] = options.etag;
  if (options.lastModified) headers['if-modified-since'] = options.lastModified;

  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await doFetch(url, { headers, signal, redirect: 'follow' });
  } catch (error) {
    throw requestError(error, url, timeoutMs);
  }

  if (response.status === 304) {
    await response.body?.cancel();
    return { status: 'not_modified' };
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new FeedFetchError('http', `${url} answered HTTP ${response.status} ${response.statusText}`.trim() + '.', response.status);
  }
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new FeedFetchError('too_large', `${url} is ${declared} bytes; feeds over ${maxBytes} bytes are not read.`);
  }

  let bytes: Uint8Array;
  try {
    bytes = await readLimited(response, maxBytes);
  } catch (error) {
    if (error instanceof FeedFetchError) throw error;
    throw requestError(error, url, timeoutMs);
  }
  return {
    status: 'ok',
    bytes,
    contentType: response.headers.get('content-type'),
    etag: response.headers.get('etag'),
    lastModified: response.headers.get('last-modified'),
  };
}

async function readLimited(response: Response, maxBytes: number): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new FeedFetchError('too_large', `${response.url || 'The feed'} is over ${maxBytes} bytes; larger feeds are not read.`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function requestError(error: unknown, url: string, timeoutMs: number): FeedFetchError {
  const name = (error as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new FeedFetchError('timeout', `${url} did not answer within ${timeoutMs / 1000} s.`);
  }
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const detail = cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error);
  return new FeedFetchError('network', `${url} could not be reached (${detail}).`);
}
