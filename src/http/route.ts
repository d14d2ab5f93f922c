import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { AppDeps } from '../app-deps';
import type { KeyResolver, Principal } from './auth';
import { AppError } from '../shared/errors';
import { responseCheckEnabled, responseMismatch } from './response-check';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type Access = 'public' | 'admin' | 'account' | 'publisher';

export interface RouteContext<Body, Query, Params> {
  body: Body;
  query: Query;
  params: Params;
  principal: Principal;
  deps: AppDeps;
  keys: KeyResolver;
  req: Request;
  res: Response;
}

/** A handler returns the status and JSON body, or `undefined` when it wrote the response itself. */
export type RouteResult = { status: number; body: unknown; headers?: Record<string, string> } | undefined;

export interface RouteSpec<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, P extends z.ZodType = z.ZodType> {
  method: Method;
  /** Express-style path, e.g. `/v1/admin/accounts/:id`. */
  path: string;
  summary: string;
  /** Longer text for the OpenAPI operation, where the summary cannot say enough. */
  description?: string;
  tag: string;
  access: Access | Access[];
  body?: B;
  query?: Q;
  params?: P;
  /**
   * The success response, for the OpenAPI document; `alsoStatuses` answer the same body
   * (e.g. /readyz's 503 with the checks that failed).
   */
  response: { status: number; description: string; schema?: z.ZodType; contentType?: string; alsoStatuses?: number[] };
  /** Error statuses of this route's own rules (402, 409, …); the ones every route can answer are implied (see `declaredErrorStatuses`). */
  errors?: number[];
  /** Answers without the database or Temporal (liveness), so never 503. */
  alwaysAvailable?: boolean;
  /** Accepts an `Idempotency-Key` header and documents it. */
  idempotencyKey?: boolean;
  handler: (ctx: RouteContext<z.output<B>, z.output<Q>, z.output<P>>) => Promise<RouteResult>;
}

/** The roles a route admits, as a list. */
export const accessOf = (route: RouteSpec): Access[] => (Array.isArray(route.access) ? route.access : [route.access]);

/**
 * Every error status a route can answer: 400 (malformed input), 401 (a bad key, even on a
 * public route) and 429 (per-key rate limit) anywhere; 403 (wrong role) where a key is needed;
 * 404 with path parameters; 413 with a body; 503 when a dependency is down; plus its own.
 */
export function declaredErrorStatuses(route: RouteSpec): number[] {
  const statuses = new Set([400, 401, 429, ...(route.errors ?? [])]);
  if (!accessOf(route).includes('public')) statuses.add(403);
  if (route.params) statuses.add(404);
  if (route.body || route.method !== 'get') statuses.add(413);
  if (!route.alwaysAvailable) statuses.add(503);
  return [...statuses].sort((a, b) => a - b);
}

/** Fails loudly when an answer is not what the route declares (outside production; see response-check.ts). */
function checkedHandler(route: RouteSpec): RouteSpec['handler'] {
  return (ctx) => checkedAnswer(route, () => route.handler(ctx));
}

/**
 * `answer()`, checked against what `route` declares when checks are on: decided per call, not at
 * declaration, so a process can switch it on before serving. The metering lane answers through it too.
 */
export function checkedAnswer(route: RouteSpec, answer: () => Promise<RouteResult>): Promise<RouteResult> {
  return responseCheckEnabled() ? checkAnswer(route, answer) : answer();
}

async function checkAnswer(route: RouteSpec, answer: () => Promise<RouteResult>): Promise<RouteResult> {
  const where = `${route.method.toUpperCase()} ${route.path}`;
  let result: RouteResult;
  try {
    result = await answer();
  } catch (error) {
    if (error instanceof AppError && error.status < 500 && !declaredErrorStatuses(route).includes(error.status)) {
      throw new AppError(500, 'undeclared_status', `${where} answered ${error.status} ${error.code}, which its OpenAPI entry does not declare: ${error.message}`);
    }
    throw error;
  }
  if (!result) return result;
  const bodyStatuses = new Set([route.response.status, ...(route.response.alsoStatuses ?? [])]);
  if (!bodyStatuses.has(result.status)) {
    throw new AppError(500, 'undeclared_status', `${where} answered ${result.status}; it declares ${[...bodyStatuses].join(', ')}`);
  }
  const mismatch = route.response.schema ? responseMismatch(route.response.schema, result.body) : null;
  if (mismatch) throw new AppError(500, 'response_schema_mismatch', `${where} answered a body its OpenAPI schema forbids: ${mismatch}`);
  return result;
}

/** Declares a route once: the app mounts it, validates with its schemas and documents it. */
export function defineRoute<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType>(
  spec: RouteSpec<B, Q, P>,
): RouteSpec {
  const route = spec as unknown as RouteSpec;
  return { ...route, handler: checkedHandler(route) };
}
