import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError, NotFoundError } from '../shared/errors';
import { dependencyOutage, RETRY_AFTER_SECONDS } from '../system/dependency-outage';

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

/** Every error leaves as `{"error": {code, message, details}}`; never a stack trace. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof AppError) {
      if (error.status === 503) res.set('Retry-After', String(RETRY_AFTER_SECONDS));
      res.status(error.status).json(errorBody(error.code, error.message, error.details));
      return;
    }
    const outage = dependencyOutage(error);
    if (outage) {
      // A dependency being down is not a bug: the client retries (same Idempotency-Key) once it is back.
      log.warn({ err: error, method: req.method, path: req.path, dependency: outage }, 'dependency unavailable');
      res.set('Retry-After', String(RETRY_AFTER_SECONDS));
      res.status(503).json(errorBody('unavailable', OUTAGE_MESSAGES[outage], { dependency: outage }));
      return;
    }
    const bodyError = error as { type?: string; status?: number; limit?: number };
    if (bodyError.type === 'entity.parse.failed') {
      res.status(400).json(errorBody('validation_failed', 'The request body is not valid JSON', { field: 'body' }));
      return;
    }
    if (bodyError.type === 'entity.too.large') {
      res.status(413).json(errorBody('payload_too_large', `The request body is larger than ${bodyError.limit} bytes`, { field: 'body' }));
      return;
    }
    if (bodyError.type && bodyError.status && bodyError.status < 500) {
      res.status(bodyError.status).json(errorBody('validation_failed', 'The request body could not be read', { field: 'body', reason: bodyError.type }));
      return;
    }
    log.error({ err: error, method: req.method, path: req.path }, 'unhandled error');
    res.status(500).json(errorBody('internal_error', 'Something went wrong on our side; retry with the same Idempotency-Key', {}));
  };
}
