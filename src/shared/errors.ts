/**
 * The one error family. The HTTP layer maps it to the contract's error body
 * `{"error": {code, message, details}}`; activities turn non-retryable ones into
 * `ApplicationFailure.nonRetryable`.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** Whether retrying the same call could succeed (5xx-like) or never will (4xx-like). */
  get retryable(): boolean {
    return this.status >= 500 || this.status === 429;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(400, 'validation_failed', message, details);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'A valid API key is required: send Authorization: Bearer <key>') {
    super(401, 'unauthorized', message);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string, id?: string) {
    super(404, 'not_found', id ? `${what} ${id} was not found` : `${what} was not found`, id ? { id } : {});
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}, code = 'conflict') {
    super(409, code, message, details);
  }
}

export class UnavailableError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(503, 'unavailable', message, details);
  }
}
