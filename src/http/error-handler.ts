import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError, NotFoundError } from '../shared/errors';
import { dependencyOutage, RETRY_AFTER_SECONDS } from '../system/dependency-outage';
import { RateLimitedError } from './rate-limit';

export function errorBody(code: string, message: string, details: Record<string, unknown> = {}) {
  return { error: { code, message, details } };
}

/** Unknown routes get the contract's 404 body, not Express's HTML page. */
export const notFoundHandler: RequestHandler = (req, res) => {
  const error = new NotFoundError('Route', `${req.method} ${req.path}`);
  res.status(404).json(errorBody(error.code, `No route ${req.method} ${req.path}; see /docs for the API`, error.details));
};

const OUTAGE_MESSAGES = {
  database: 'The database is not reachable right now; retry shortly with the same Idempotency-Key',
  temporal: 'Temporal (the workflow engine) is not reachable right now; retry shortly with the same Idempotency-Key',
} as const;

/** An answer to an error: status, the contract's body and the headers it needs. */
export interface ErrorAnswer {
  status: number;
  body: ReturnType<typeof errorBody>;
  headers: Record<string, string>;
}

/**
 * Every error leaves as `{"error": {code, message, details}}`; never a stack trace. Shared by the
 * Express error handler below and the metering lane (metering-lane.ts); `where` names the request in logs.
 */
export function errorAnswerOf(error: unknown, log: Logger, where: { method: string; path: string }): ErrorAnswer {
  if (error instanceof AppError) {
    const headers: Record<string, string> = {};
    if (error.status === 503) headers['Retry-After'] = String(RETRY_AFTER_SECONDS);
    if (error instanceof RateLimitedError) headers['Retry-After'] = String(error.retryAfterSeconds);
    return { status: error.status, body: errorBody(error.code, error.message, error.details), headers };
  }
  const outage = dependencyOutage(error);
  if (outage) {
    // A dependency being down is not a bug: the client retries (same Idempotency-Key) once it is back.
    log.warn({ err: error, ...where, dependency: outage }, 'dependency unavailable');
    return { status: 503, body: errorBody('unavailable', OUTAGE_MESSAGES[outage], { dependency: outage }), headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } };
  }
  const bodyError = error as { type?: string; status?: number; limit?: number };
  if (bodyError.type === 'entity.parse.failed') {
    return { status: 400, body: errorBody('validation_failed', 'The request body is not valid JSON', { field: 'body' }), headers: {} };
  }
  if (bodyError.type === 'entity.too.large') {
    return { status: 413, body: errorBody('payload_too_large', `The request body is larger than ${bodyError.limit} bytes`, { field: 'body' }), headers: {} };
  }
  if (bodyError.type && bodyError.status && bodyError.status < 500) {
    return { status: bodyError.status, body: errorBody('validation_failed', 'The request body could not be read', { field: 'body', reason: bodyError.type }), headers: {} };
  }
  log.error({ err: error, ...where }, 'unhandled error');
  return { status: 500, body: errorBody('internal_error', 'Something went wrong on our side; retry with the same Idempotency-Key', {}), headers: {} };
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const answer = errorAnswerOf(error, log, { method: req.method, path: req.path });
    res.set(answer.headers).status(answer.status).json(answer.body);
  };
}
