import crypto from 'node:crypto';
import type { RequestHandler } from 'express';

/** A caller's own id is kept when it is a sane token (it ends up in logs and the audit log). */
const ACCEPTED = /^[A-Za-z0-9._:-]{1,128}$/;

/** `X-Request-Id`: the caller's, or a new one; echoed on the answer and kept in `res.locals.requestId`. */
export const requestId: RequestHandler = (req, res, next) => {
  const id = requestIdFor(req.headers['x-request-id']);
  res.locals.requestId = id;
  res.setHeader('x-request-id', id);
  next();
};

/** The caller's `X-Request-Id` when it is a sane token, else a new one. */
export function requestIdFor(given: string | string[] | undefined): string {
  return typeof given === 'string' && ACCEPTED.test(given) ? given : `req_${crypto.randomUUID().replaceAll('-', '')}`;
}

export function requestIdOf(res: { locals: Record<string, unknown> }): string {
  return typeof res.locals.requestId === 'string' ? res.locals.requestId : 'unknown';
}
