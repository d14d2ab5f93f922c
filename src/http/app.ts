import express, { type Express, type Request, type Response, type NextFunction } from 'express';
import type { AppDeps } from '../app-deps';
import { authenticate, KeyResolver } from './auth';
import { docsRouter } from './docs';
import { errorHandler, notFoundHandler } from './error-handler';
import { buildOpenApiDocument } from './openapi';
import type { RouteSpec } from './route';
import { allRoutes } from './routes';
import { parseInput } from './validate';
import { sha256Hex } from '../shared/ids';
import { watchAutoRechargeCrossings } from '../auto-recharge/crossing-watch';

export interface HttpApp {
  app: Express;
  keys: KeyResolver;
  routes: RouteSpec[];
}

/** Wraps one declared route: authenticate → validate → handle → respond. */
function mount(route: RouteSpec, deps: AppDeps, keys: KeyResolver) {
  const access = Array.isArray(route.access) ? route.access : [route.access];
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const principal = await authenticate(req, access, keys);
      const params = parseInput(route.params, req.params, 'path');
      const query = parseInput(route.query, req.query, 'query');
      const body = parseInput(route.body, req.body, 'body');
      const result = await route.handler({ body, query, params, principal, deps, keys, req, res });
      if (result) {
        if (result.headers) res.set(result.headers);
        res.status(result.status).json(result.body);
      }
    } catch (error) {
      next(error);
    }
  };
}

export function createHttpApp(deps: AppDeps, extraRoutes: RouteSpec[] = []): HttpApp {
  const app = express();
  const keys = new KeyResolver(deps.db, sha256Hex(deps.adminApiKey));
  const routes = [...allRoutes, ...extraRoutes];
  watchAutoRechargeCrossings(deps); // debits through this app's database note auto-recharge crossings
  app.disable('x-powered-by');
  app.set('etag', false);
  // Stripe signs the exact bytes it sent: the webhook route must see the raw body.
  app.use('/v1/webhooks', express.raw({ type: '*/*', limit: '1mb' }));
  app.use(express.json({ limit: '256kb', strict: false }));

  // Express tries its routes one by one; with a hundred of them the metering path paid for the
  // walk. Routes without path parameters are found in one map lookup instead.
  const exact = new Map<string, ReturnType<typeof mount>>();
  for (const route of routes) {
    if (!route.path.includes(':')) exact.set(`${route.method.toUpperCase()} ${route.path}`, mount(route, deps, keys));
  }
  app.use((req, res, next) => {
    const handler = exact.get(`${req.method} ${req.path}`);
    if (handler) void handler(req, res, next);
    else next();
  });
  for (const route of routes) {
    if (route.path.includes(':')) app[route.method](route.path, mount(route, deps, keys));
  }

  const openApi = buildOpenApiDocument(routes, { version: '0.1.0', serverUrl: deps.config.PUBLIC_URL });
  app.get('/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  app.use(docsRouter());
  app.use(notFoundHandler);
  app.use(errorHandler(deps.log));
  return { app, keys, routes };
}
