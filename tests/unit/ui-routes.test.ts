/**
 * How the service serves the web UI (src/http/routes/ui.ts): the sign-in settings, the strict
 * Content-Security-Policy on every UI response, caching of index.html and of hashed assets, and a
 * plain 404 when the UI was not built. A stand-in build in a temporary folder keeps this independent
 * of `vite build`; the browser tests use the real one.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import express from 'express';
import request from 'supertest';
import { loadConfig } from '../../src/config/config.js';
import { notFoundHandler } from '../../src/http/middleware/errors.js';
import { contentSecurityPolicy, uiRoutes } from '../../src/http/routes/ui.js';
import { createLogger } from '../../src/observability/logger.js';

const baseEnv = { KEYCLOAK_URL: 'http://kc.example:8080', KEYCLOAK_CLIENT_SECRET: 'x', ENCRYPTION_KEYS: `1:${Buffer.alloc(32).toString('base64')}` };

let built: string;
beforeAll(() => {
  built = mkdtempSync(join(tmpdir(), 'byok-ui-'));
  mkdirSync(join(built, 'assets'));
  writeFileSync(join(built, 'index.html'), '<!doctype html><title>byok-vault</title><script type="module" src="/assets/index-abc123.js"></script>');
  writeFileSync(join(built, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(join(built, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
});
afterAll(() => rmSync(built, { recursive: true, force: true }));

function appFor(env: Record<string, string>, lines: string[] = []) {
  const config = loadConfig({ ...baseEnv, ...env });
  const destination = new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) });
  const app = express();
  app.use(uiRoutes({ config, logger: createLogger({ level: 'info', destination }) }));
  app.use(notFoundHandler);
  return app;
}

describe('serving the web UI', () => {
  test('/ui-config.json names Keycloak, the realm and the public UI client from the service config', async () => {
    const response = await request(appFor({ UI_DIR: built, KEYCLOAK_REALM: 'acme', UI_CLIENT_ID: 'portal' })).get('/ui-config.json').expect(200);
    expect(response.body).toEqual({ keycloakUrl: 'http://kc.example:8080', realm: 'acme', clientId: 'portal' });
    expect(response.headers['content-security-policy']).toBe(contentSecurityPolicy('http://kc.example:8080'));
  });

  test('the page is served under a CSP without inline code that lets it talk only to itself and Keycloak', async () => {
    const response = await request(appFor({ UI_DIR: built })).get('/').expect(200);
    expect(response.text).toContain('<title>byok-vault</title>');
    expect(response.headers['cache-control']).toBe('no-cache');
    const directives = Object.fromEntries(
      String(response.headers['content-security-policy'])
        .split(';')
        .map((part) => part.trim().split(/\s+/))
        .map(([name, ...values]) => [name, values.join(' ')]),
    );
    expect(directives).toEqual({
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self'",
      'img-src': "'self' data:",
      'connect-src': "'self' http://kc.example:8080",
      'frame-src': "'none'",
      'frame-ancestors': "'none'",
      'base-uri': "'none'",
      'form-action': "'self' http://kc.example:8080",
      'object-src': "'none'",
    });
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  test('the CSP names only the origin of a Keycloak URL with a path', () => {
    expect(contentSecurityPolicy('https://sso.example.com/auth')).toContain("connect-src 'self' https://sso.example.com;");
  });

  test('hashed assets are cached for good; a missing asset is the ordinary JSON 404', async () => {
    const app = appFor({ UI_DIR: built });
    const asset = await request(app).get('/assets/index-abc123.js').expect(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-security-policy']).toContain("script-src 'self'");
    const missing = await request(app).get('/assets/index-gone.js').expect(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    expect((await request(app).get('/favicon.svg').expect(200)).headers['content-type']).toContain('image/svg+xml');
  });

  test('only the UI paths are served: other files of the build folder and other paths fall through', async () => {
    const app = appFor({ UI_DIR: built });
    expect((await request(app).get('/healthz').expect(404)).body.error.code).toBe('NOT_FOUND');
    expect((await request(app).get('/other.html').expect(404)).body.error.code).toBe('NOT_FOUND');
  });

  test('without a build, / is a JSON 404 and the start-up log says how to build it', async () => {
    const lines: string[] = [];
    const missing = join(built, 'not-built');
    const response = await request(appFor({ UI_DIR: missing }, lines)).get('/').expect(404);
    expect(response.body.error.code).toBe('NOT_FOUND');
    expect(lines.join('')).toContain('web UI not built');
  });
});

describe('UI configuration', () => {
  test('UI_DIR defaults (also when empty) to dist/ui of the installation and is made absolute when relative', () => {
    expect(loadConfig(baseEnv).ui).toEqual({ dir: expect.stringMatching(/\/dist\/ui$/), clientId: 'ops-center' });
    expect(loadConfig({ ...baseEnv, UI_DIR: 'build/ui' }).ui.dir).toBe(join(process.cwd(), 'build/ui'));
    expect(loadConfig({ ...baseEnv, UI_DIR: '' }).ui.dir).toBe(loadConfig(baseEnv).ui.dir);
  });

  test('an empty UI_CLIENT_ID is the default (as every empty variable), ops-center', () => {
    expect(loadConfig({ ...baseEnv, UI_CLIENT_ID: ' ' }).ui.clientId).toBe('ops-center');
    expect(loadConfig({ ...baseEnv, UI_CLIENT_ID: '' }).ui.clientId).toBe('ops-center');
  });
});
