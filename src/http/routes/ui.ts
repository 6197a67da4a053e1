/**
 * docs/web-ui.md: the web UI, built by `vite build` (ui/ → UI_DIR) and served here, with what the browser
 * needs to sign in (`/ui-config.json`: Keycloak URL, realm, public client) taken from the service's
 * own configuration rather than baked into the build.
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
import express, { Router, type RequestHandler } from 'express';
import { exactRouter } from '../routing.js';
import type { Config } from '../../config/config.js';
import type { Logger } from '../../observability/logger.js';

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

export function uiRoutes(deps: { config: Pick<Config, 'keycloak' | 'ui'>; logger: Logger }): Router {
  const { keycloak, ui } = deps.config;
  const router = exactRouter();
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
  router.get('/ui-config.json', secured, (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.type('json').send(uiConfigBody);
  });

  const index = join(ui.dir, 'index.html');
  if (!existsSync(index)) deps.logger.warn({ dir: ui.dir }, 'web UI not built (npm run build:ui); / answers 404');

  // index.html names the hashed assets of one build: always revalidated, so a deploy shows at once.
  const sendIndex: RequestHandler = (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index, (error) => {
      if (error && !res.headersSent) next(); // not built: the ordinary JSON 404
    });
  };
  router.get(['/', '/index.html'], secured, sendIndex);
  router.get('/favicon.svg', secured, express.static(ui.dir, { index: false, redirect: false, maxAge: '1d' }));
  // Hashed file names: a changed file gets a new name, so these can be cached for good.
  router.use('/assets', secured, express.static(join(ui.dir, 'assets'), { index: false, redirect: false, immutable: true, maxAge: '365d' }));
  return router;
}
