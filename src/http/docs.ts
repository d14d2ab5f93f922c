import express, { type Router } from 'express';
import { getAbsoluteFSPath } from 'swagger-ui-dist';

/** `/docs`: Swagger UI served from the npm package (no CDN), reading `/openapi.json`. */
export function docsRouter(): Router {
  const router = express.Router();
  router.get('/docs', (_req, res) => {
    res.type('html').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Settle API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui' });</script>
</body></html>`);
  });
  router.use('/docs/assets', express.static(getAbsoluteFSPath(), { index: false }));
  return router;
}
