import express, { type Router } from 'express';
import type { AppDeps } from '../app-deps';
import { consoleAssets } from './console-bundle';
import { renderConsolePage } from './console-page';
import { configuredTemporalUiUrl } from './temporal-ui-url';

/**
 * `/console`: the web console for customers and finance ops. Everything it shows comes from the
 * public API with the key the user signs in with, so it can do nothing a key could not do by curl.
 */
const SECURITY_HEADERS = {
  // Only this origin's script and style; blob: for invoice PDFs the page downloads with the key.
  'content-security-policy': "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function consoleRouter(deps: Pick<AppDeps, 'config' | 'temporalUiUrl'>): Router {
  const router = express.Router();
  const page = renderConsolePage({ temporalUiUrl: configuredTemporalUiUrl() ?? deps.temporalUiUrl ?? null, temporalNamespace: deps.config.TEMPORAL_NAMESPACE });
  router.get(['/console', '/console/'], (_req, res) => {
    res.set(SECURITY_HEADERS).set('cache-control', 'no-cache').type('html').send(page);
  });
  router.get('/console/console.js', async (_req, res, next) => {
    try {
      const assets = await consoleAssets();
      res.set(SECURITY_HEADERS).set('cache-control', 'no-cache').type('application/javascript').send(assets.script);
    } catch (error) {
      next(error);
    }
  });
  router.get('/console/console.css', async (_req, res, next) => {
    try {
      const assets = await consoleAssets();
      res.set(SECURITY_HEADERS).set('cache-control', 'no-cache').type('text/css').send(assets.style);
    } catch (error) {
      next(error);
    }
  });
  return router;
}
