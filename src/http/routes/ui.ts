/**
 * docs/web-ui.md: the web UI, built by `vite build` (ui/ → UI_DIR) and served here, with what the browser
 * needs to sign in (`/ui-config.json`: Keycloak URL, realm, public client) taken from the service's
 * own configuration rather than baked into the build. Its endpoints are entries of the table
 * (endpoints/ui.ts); the handlers are built here, once per application.
 *
 * Every UI response carries a strict Content-Security-Policy: scripts and styles only from this
 * origin (no inline code, no CDN), network calls only to this origin and Keycloak, no framing. The
 * page handles bearer tokens, so an injected script or a framing page must not get a chance.
 *
 * Only the UI's own paths are routed here (not a catch-all static folder), so health probes and API
 * calls never pay for a file-system lookup.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type RequestHandler, type Router } from 'express';
import { exactRouter } from '../routing.js';
import type { Config } from '../../config/config.js';
import type { Logger } from '../../observability/logger.js';
import { expressPath, type EndpointDeps } from '../endpoints/endpoint.js';
import { uiEndpoints } from '../endpoints/ui.js';

/** The policy of every UI response; `keycloakUrl` is the only other origin the page talks to. */
export function contentSecurityPolicy(keycloakUrl: string): string {
  const keycloak = new URL(keycloakUrl).origin;
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${keycloak}`,
    "frame-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    `form-action 'self' ${keycloak}`,
    "object-src 'none'",
  ].join('; ');
}

export interface UiConfig {
  keycloakUrl: string;
  realm: string;
  clientId: string;
}

type UiDeps = { config: Pick<Config, 'keycloak' | 'ui'>; logger: Logger };

export interface UiHandlers {
  uiConfig: RequestHandler[];
  index: RequestHandler[];
  favicon: RequestHandler[];
  assets: RequestHandler[];
}

const built = new WeakMap<object, UiHandlers>();

/** The UI's handlers, built once per dependency set (the table mounts several entries on them). */
export function uiHandlers(deps: UiDeps): UiHandlers {
  const existing = built.get(deps);
  if (existing) return existing;
  const { keycloak, ui } = deps.config;
  const csp = contentSecurityPolicy(keycloak.url);
  const secured: RequestHandler = (_req, res, next) => {
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    // Keycloak's URLs (with the authorization code) must not leak to other sites through Referer.
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    next();
  };

  const uiConfig: UiConfig = { keycloakUrl: keycloak.url, realm: keycloak.realm, clientId: ui.clientId };
  const uiConfigBody = JSON.stringify(uiConfig);

  const index = join(ui.dir, 'index.html');
  if (!existsSync(index)) deps.logger.warn({ dir: ui.dir }, 'web UI not built (npm run build:ui); / answers 404');

  // index.html names the hashed assets of one build: always revalidated, so a deploy shows at once.
  const sendIndex: RequestHandler = (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index, (error) => {
      if (error && !res.headersSent) next(); // not built: the ordinary JSON 404
    });
  };
  const handlers: UiHandlers = {
    uiConfig: [
      secured,
      (_req, res) => {
        res.setHeader('Cache-Control', 'no-cache');
        res.type('json').send(uiConfigBody);
      },
    ],
    index: [secured, sendIndex],
    favicon: [secured, express.static(ui.dir, { index: false, redirect: false, maxAge: '1d' })],
    // Hashed file names: a changed file gets a new name, so these can be cached for good.
    assets: [secured, express.static(ui.dir, { index: false, redirect: false, immutable: true, maxAge: '365d' })],
  };
  built.set(deps, handlers);
  return handlers;
}

/** The UI's endpoints on a router of their own (the application mounts the same entries itself). */
export function uiRoutes(deps: UiDeps): Router {
  const router = exactRouter();
  // Only the configuration and the logger are read by the UI's endpoints.
  const context = { deps: deps as EndpointDeps, openApi: () => '{}' };
  for (const endpoint of uiEndpoints) router[endpoint.method](expressPath(endpoint.path), endpoint.mount(context));
  return router;
}
