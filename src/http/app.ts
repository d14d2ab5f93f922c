import type { RequestListener } from 'node:http';
import express, { type Request, type Response, type NextFunction } from 'express';
import type { AppDeps } from '../app-deps';
import { authenticate, KeyResolver, type Principal } from './auth';
import { docsRouter } from './docs';
import { consoleRouter } from '../console/console.router';
import { errorAnswerOf, errorHandler, notFoundHandler } from './error-handler';
import { buildOpenApiDocument } from './openapi';
import { accessOf, type RouteSpec } from './route';
import { allRoutes } from './routes';
import { parseInput } from './validate';
import { methodNotAllowed } from './method-not-allowed';
import { sha256Hex } from '../shared/ids';
import { watchAutoRechargeCrossings } from '../auto-recharge/crossing-watch';
import { listenForKeyRevocations } from '../accounts/key-revocations';
import { beginAdminWrite, isWriteMethod, logAuditFailure, targetNamedBy } from '../audit/admin-write-audit';
import { KeyRateLimiter } from './rate-limit';
import { requestId, requestIdOf } from './request-id';
import { JSON_BODY_LIMIT_BYTES, meteringLane } from './metering-lane';
import { devCheckoutRoutes } from '../dev-checkout/dev-checkout.routes';
import { noteRoutePattern, observeHttpRequests } from '../observability/process-metrics';

export interface HttpApp {
  /** What the HTTP server runs: the metering lane for the plain POST /v1/usage, Express for the rest. */
  listener: RequestListener;
  keys: KeyResolver;
  routes: RouteSpec[];
  /** Stops what the app runs beside its routes (the key revocation listener). */
  close(): Promise<void>;
}

/** An admin write is recorded before its handler runs and completed with the status it answered. */
async function auditAdminWrite(route: RouteSpec, principal: Principal, deps: AppDeps, req: Request, res: Response) {
  if (principal.role !== 'admin' || !isWriteMethod(req.method)) return null;
  const pathId = Object.values(req.params as Record<string, string>)[0] ?? null;
  const requestId = requestIdOf(res);
  const complete = await beginAdminWrite(deps.db, { actorKeyId: principal.keyId, action: `${req.method} ${route.path}`, target: pathId, requestId });
  let completed = false;
  const completeOnce = async (status: number, body: unknown) => {
    if (completed) return;
    completed = true;
    await complete(status, targetNamedBy(body)).catch((error: unknown) => logAuditFailure(deps.log, error, requestId));
  };
  // Responses a handler writes itself (and errors after it began one) are completed once sent.
  res.once('finish', () => void completeOnce(res.statusCode, null));
  return { answered: (status: number, body: unknown) => completeOnce(status, body) };
}

/** Wraps one declared route: authenticate → rate limit → validate → audit → handle → respond. */
function mount(route: RouteSpec, deps: AppDeps, keys: KeyResolver, limiter: KeyRateLimiter) {
  const access = accessOf(route);
  return async (req: Request, res: Response, next: NextFunction) => {
    noteRoutePattern(res, route.path); // the latency histogram's label, never the raw path
    let audit: Awaited<ReturnType<typeof auditAdminWrite>> = null;
    try {
      const principal = await authenticate(req, access, keys);
      limiter.enforce(principal);
      const params = parseInput(route.params, req.params, 'path');
      const query = parseInput(route.query, req.query, 'query');
      const body = parseInput(route.body, req.body, 'body');
      audit = await auditAdminWrite(route, principal, deps, req, res);
      const result = await route.handler({ body, query, params, principal, deps, keys, req, res });
      if (result) {
        await audit?.answered(result.status, result.body);
        if (result.headers) res.set(result.headers);
        res.status(result.status).json(result.body);
      }
    } catch (error) {
      if (!audit || res.headersSent) return next(error);
      // An admin write that failed is completed before it is answered, as one that succeeded is:
      // whoever reads the audit log after the answer finds it.
      const reply = errorAnswerOf(error, deps.log, { method: req.method, path: req.path });
      await audit.answered(reply.status, null);
      res.set(reply.headers).status(reply.status).json(reply.body);
    }
  };
}

export function createHttpApp(deps: AppDeps, extraRoutes: RouteSpec[] = []): HttpApp {
  const app = express();
  const keys = new KeyResolver(deps.db, sha256Hex(deps.adminApiKey));
  const revocations = listenForKeyRevocations(deps.db, { revoked: (keyId) => keys.forgetKey(keyId), resync: () => keys.forget() }, deps.log);
  const limiter = new KeyRateLimiter(deps.config.RATE_LIMIT_PER_SECOND, deps.config.RATE_LIMIT_BURST ?? 2 * deps.config.RATE_LIMIT_PER_SECOND);
  const routes = [...allRoutes, ...devCheckoutRoutes(deps.config), ...extraRoutes]; // the local payment page: stripe-mock only
  watchAutoRechargeCrossings(deps); // debits through this app's database note auto-recharge crossings
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestId);
  app.use(observeHttpRequests);
  // Stripe signs the exact bytes it sent: the webhook route must see the raw body.
  app.use('/v1/webhooks', express.raw({ type: '*/*', limit: '1mb' }));
  app.use(express.json({ limit: JSON_BODY_LIMIT_BYTES, strict: false }));

  // Express tries its routes one by one; with a hundred of them the metering path paid for the
  // walk. Routes without path parameters are found in one map lookup instead.
  const exact = new Map<string, ReturnType<typeof mount>>();
  for (const route of routes) {
    if (!route.path.includes(':')) exact.set(`${route.method.toUpperCase()} ${route.path}`, mount(route, deps, keys, limiter));
  }
  const literalPaths = new Set(routes.filter((route) => !route.path.includes(':')).map((route) => route.path));
  const notAllowed = methodNotAllowed(routes);
  app.use((req, res, next) => {
    // HEAD is a GET without the body (Node drops it); Express does this for its own routes.
    const handler = exact.get(`${req.method} ${req.path}`) ?? (req.method === 'HEAD' ? exact.get(`GET ${req.path}`) : undefined);
    if (handler) void handler(req, res, next);
    else if (literalPaths.has(req.path)) notAllowed(req, res, next); // never a template's parameter: GET /v1/usage/quote is a 405, not GET /v1/usage/:id
    else next();
  });
  for (const route of routes) {
    if (route.path.includes(':')) app[route.method](route.path, mount(route, deps, keys, limiter));
  }

  const openApi = buildOpenApiDocument(routes, { version: '0.1.0', serverUrl: deps.config.PUBLIC_URL });
  app.get('/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  app.use(docsRouter());
  app.use(consoleRouter(deps));
  app.use(notAllowed); // a served path asked with another method: 405 + Allow
  app.use(notFoundHandler);
  app.use(errorHandler(deps.log));
  const lane = meteringLane(deps, keys, limiter);
  const listener: RequestListener = (req, res) => {
    if (!lane(req, res)) app(req, res);
  };
  return { listener, keys, routes, close: () => revocations.stop() };
}
