/**
 * Reading request input: JSON bodies, forms and query strings, validated with zod. Unreadable
 * input is a `BadRequestError` (400); readable input that fails the schema is a
 * `ValidationError` (422) whose details name each offending path.
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import { BadRequestError, ValidationError, type FieldIssue } from '../errors.ts';

/** Parses the body as JSON, whatever the `Content-Type` says, and validates it. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const text = await c.req.text();
  if (text.trim() === '') throw new BadRequestError('The request body is empty; send a JSON object.');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new BadRequestError(`The request body is not valid JSON: ${(error as Error).message}`);
  }
  return validate(schema, body);
}

/** Validates the query string against a schema (values are strings; use `z.coerce`). */
export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  return validate(schema, c.req.query());
}

/** Validates any value, throwing a `ValidationError` that lists every issue with its path. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what = 'The request'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details: FieldIssue[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
  const first = details[0]!;
  throw new ValidationError(`${what} is invalid: ${first.path}: ${first.message}`, details);
}
