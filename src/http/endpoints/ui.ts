/** docs/web-ui.md: the web UI's pages and files (handlers in routes/ui.ts, under the UI's CSP). */
import { z } from 'zod';
import { uiHandlers } from '../routes/ui.js';
import { rawEndpoint, type RawEndpoint } from './endpoint.js';
import { uiConfig } from './views.js';

const page = { status: 200, description: 'HTML page', contentType: 'text/html' };

export const uiEndpoints: RawEndpoint[] = [
  rawEndpoint({ method: 'get', path: '/', tag: 'ui', access: 'public', summary: 'The web UI', answer: page, errors: ['NOT_FOUND'], mount: ({ deps }) => uiHandlers(deps).index }),
  rawEndpoint({ method: 'get', path: '/index.html', tag: 'ui', access: 'public', summary: 'The web UI', answer: page, errors: ['NOT_FOUND'], mount: ({ deps }) => uiHandlers(deps).index }),
  rawEndpoint({
    method: 'get',
    path: '/favicon.svg',
    tag: 'ui',
    access: 'public',
    summary: 'The icon',
    answer: { status: 200, description: 'SVG', contentType: 'image/svg+xml' },
    errors: ['NOT_FOUND'],
    mount: ({ deps }) => uiHandlers(deps).favicon,
  }),
  rawEndpoint({
    method: 'get',
    path: '/assets/{file}',
    tag: 'ui',
    access: 'public',
    summary: "The web UI's built files (hashed names, cached for good)",
    params: { file: { description: 'File name, as index.html names it', schema: z.string() } },
    answer: { status: 200, description: 'The file' },
    errors: ['NOT_FOUND'],
    mount: ({ deps }) => uiHandlers(deps).assets,
  }),
  rawEndpoint({
    method: 'get',
    path: '/ui-config.json',
    tag: 'ui',
    access: 'public',
    summary: 'What the browser needs to sign in: Keycloak URL, realm, public client',
    answer: { status: 200, description: 'UI configuration', schema: uiConfig },
    errors: [],
    mount: ({ deps }) => uiHandlers(deps).uiConfig,
  }),
];
