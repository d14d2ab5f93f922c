import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError, NotFoundError } from '../shared/errors';

export function errorBody(code: string, message: string, details: Record<string, unknown> = {}) {
  return { error: { code, message, details } };
}

/** Unknown routes get the contract's 404 body, not Express's HTML page. */
export const notFoundHandler: RequestHandler = (req, res) => {
  const error = new NotFoundError('Route', `${req.method} ${req.path}`);
  res.status(404).json(errorBody(error.code, `No route ${req.method} ${req.path}; see /docs for the API`, error.details));
};

/** Every error leaves as `{"error": {code, message, details}}`; never a stack trace. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof AppError) {
      res.status(error.status).json(errorBody(error.code, error.message, error.details));
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
