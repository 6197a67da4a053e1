/**
 * `GET /openapi.json` (the document of src/http/openapi.ts, built once) and `GET /docs`, Swagger UI
 * from the swagger-ui-dist package, served from this origin (no CDN) under its own strict
 * Content-Security-Policy: no inline script (the initializer is a file of ours), styles only from
 * here; Swagger UI sets element styles through the DOM, which a CSP does not block.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Router, type RequestHandler } from 'express';
import { exactRouter } from '../routing.js';
import { openApiDocument } from '../openapi.js';

const require = createRequire(import.meta.url);
const SWAGGER_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));
const PACKAGE = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>byok-vault API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<main id="swagger-ui"></main>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

// Token entry ("Authorize") works; the document comes from this origin.
const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, tryItOutEnabled: false });\n`;

export function docsRoutes(): Router {
  const router = exactRouter();
  const body = JSON.stringify(openApiDocument({ version: PACKAGE.version }));
  const secured: RequestHandler = (_req, res, next) => {
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  };
  router.get('/openapi.json', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.type('json').send(body);
  });
  router.get('/docs', secured, (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(PAGE);
  });
  router.get('/docs/init.js', secured, (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.type('js').send(INIT);
  });
  // Only the two files the page loads; anything else falls through to the JSON 404.
  const files = new Set(['swagger-ui.css', 'swagger-ui-bundle.js']);
  router.get('/docs/assets/:file', secured, (req, res, next) => {
    const file = String(req.params.file);
    if (!files.has(file)) return next();
    res.sendFile(join(SWAGGER_DIR, file), { maxAge: '1d' });
  });
  return router;
}
