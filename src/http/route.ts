import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { AppDeps } from '../app-deps';
import type { KeyResolver, Principal } from './auth';

export type Method = 'get' | 'post' | 'put' | 'delete';
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
  tag: string;
  access: Access | Access[];
  body?: B;
  query?: Q;
  params?: P;
  /** The success response, for the OpenAPI document. */
  response: { status: number; description: string; schema?: z.ZodType; contentType?: string };
  /** Extra error statuses this route documents (400, 401 and 404 are implied). */
  errors?: number[];
  /** Accepts an `Idempotency-Key` header and documents it. */
  idempotencyKey?: boolean;
  handler: (ctx: RouteContext<z.output<B>, z.output<Q>, z.output<P>>) => Promise<RouteResult>;
}

/** Declares a route once: the app mounts it, validates with its schemas and documents it. */
export function defineRoute<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType>(
  spec: RouteSpec<B, Q, P>,
): RouteSpec {
  return spec as unknown as RouteSpec;
}
