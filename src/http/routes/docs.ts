/**
 * `GET /openapi.json` (the document of src/http/openapi.ts, built once) and `GET /docs`, Swagger UI
 * from the swagger-ui-dist package, served from this origin (no CDN) under its own strict
 * Content-Security-Policy: no inline script (the initializer is a file of ours), styles only from
 * here; Swagger UI sets element styles through the DOM, which a CSP does not block.
 *
 * "Authorize" signs in with Keycloak: the document declares OAuth2 flows with the realm's URLs, and
 * the page's policy lets the browser talk to Keycloak (connect-src: the token request). The
 * authorization-code flow (with PKCE, the UI's public client) returns to /docs/oauth2-redirect.html,
 * which the UI client's redirect URIs (`<origin>/*`) already cover.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { RequestHandler } from 'express';
import type { Config } from '../../config/config.js';

const require = createRequire(import.meta.url);
const SWAGGER_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));

export function docsPolicy(keycloakUrl: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${new URL(keycloakUrl).origin}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
  ].join('; ');
}

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

// swagger-ui-dist's own redirect page, with the script's path made absolute.
const REDIRECT_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>byok-vault API: signing in</title></head>
<body>
<script src="/docs/assets/oauth2-redirect.js"></script>
</body>
</html>
`;

const FILES = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'oauth2-redirect.js']);
export const DOCS_FILES = [...FILES];

export interface DocsHandlers {
  document: RequestHandler[];
  page: RequestHandler[];
  init: RequestHandler[];
  redirect: RequestHandler[];
  asset: RequestHandler[];
}

const built = new WeakMap<object, DocsHandlers>();

export function docsHandlers(deps: { config: Pick<Config, 'keycloak' | 'ui'> }, openApi: () => string): DocsHandlers {
  const existing = built.get(deps);
  if (existing) return existing;
  const csp = docsPolicy(deps.config.keycloak.url);
  const secured: RequestHandler = (_req, res, next) => {
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  };
  const text = (type: string, body: string): RequestHandler => (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.type(type).send(body);
  };
  // "Authorize" offers the UI's public client with PKCE for the authorization-code flow.
  const init =
    `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, tryItOutEnabled: false, ` +
    `oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect.html' });\n` +
    `window.ui.initOAuth({ clientId: ${JSON.stringify(deps.config.ui.clientId)}, usePkceWithAuthorizationCodeGrant: true });\n`;
  let document: string | undefined;
  const handlers: DocsHandlers = {
    document: [
      (_req, res) => {
        document ??= openApi();
        res.setHeader('Cache-Control', 'no-cache');
        res.type('json').send(document);
      },
    ],
    page: [secured, text('html', PAGE)],
    init: [secured, text('js', init)],
    redirect: [secured, text('html', REDIRECT_PAGE)],
    // Only the files the pages load; anything else falls through to the JSON 404.
    asset: [
      secured,
      (req, res, next) => {
        const file = String(req.params.file);
        if (!FILES.has(file)) return next();
        res.sendFile(join(SWAGGER_DIR, file), { maxAge: '1d' });
      },
    ],
  };
  built.set(deps, handlers);
  return handlers;
}
