/**
 * Domain errors. Services throw these; `src/http/errors.ts` maps them to HTTP answers of the form
 * `{ "error": { "code", "message", "details"? } }` at one edge.
 */

/** One invalid field: where it is (`lists.0`, `rule.all.2.value`) and what is expected. */
export interface FieldIssue {
  path: string;
  message: string;
}

export class DomainError extends Error {
  readonly status: number = 500;
  readonly code: string = 'internal_error';
  constructor(
    message: string,
    readonly details?: FieldIssue[],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The request cannot be read at all: bad JSON, wrong content type. */
export class BadRequestError extends DomainError {
  override readonly status = 400;
  override readonly code = 'bad_request';
}

/** A readable request that fails validation or a domain rule. */
export class ValidationError extends DomainError {
  override readonly status = 422;
  override readonly code = 'invalid';
}

export class UnauthorizedError extends DomainError {
  override readonly status = 401;
  override readonly code = 'unauthorized';
}

export class ForbiddenError extends DomainError {
  override readonly status = 403;
  override readonly code = 'forbidden';
}

export class NotFoundError extends DomainError {
  override readonly status = 404;
  override readonly code = 'not_found';
}

export class ConflictError extends DomainError {
  override readonly status = 409;
  override readonly code = 'conflict';
}

export class PayloadTooLargeError extends DomainError {
  override readonly status = 413;
  override readonly code = 'too_large';
}

export class RateLimitedError extends DomainError {
  override readonly status = 429;
  override readonly code = 'rate_limited';
}
