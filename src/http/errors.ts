/**
 * The one place errors become HTTP answers: domain errors keep their status and message;
 * anything else is logged with its stack and answered with a bare 500.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { DomainError } from '../errors.ts';
import type { AppEnv } from './context.ts';

export function errorBody(code: string, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

export function handleError(error: Error, c: Context<AppEnv>): Response {
  if (error instanceof DomainError) {
    if (error.status >= 500) c.get('log')?.error({ err: error }, 'request failed');
    return c.json(errorBody(error.code, error.message, error.details), error.status as 400);
  }
  if (error instanceof HTTPException) {
    if (error.status === 413) {
      return c.json(errorBody('too_large', 'The request body is too large.'), 413);
    }
    return c.json(errorBody('http_error', error.message || 'Request failed.'), error.status);
  }
  c.get('log')?.error({ err: error }, 'unhandled error');
  return c.json(errorBody('internal_error', 'Internal server error.'), 500);
}
