/** docs/api.md#operations-endpoints: probes, metrics and the API's own document (handlers in routes/health, metrics, docs). */
import { z } from 'zod';
import { metricsEndpoint } from '../routes/metrics.js';
import { DOCS_FILES, docsHandlers } from '../routes/docs.js';
import { liveness, readinessHandler } from '../routes/health.js';
import { rawEndpoint, type RawEndpoint } from './endpoint.js';
import { anyObject, liveness as livenessView, readiness } from './views.js';

export const operationsEndpoints: RawEndpoint[] = [
  rawEndpoint({
    method: 'get',
    path: '/healthz',
    tag: 'operations',
    access: 'public',
    summary: 'Liveness: the process answers',
    answer: { status: 200, description: 'Alive', schema: livenessView },
    errors: [],
    mount: () => liveness,
  }),
  rawEndpoint({
    method: 'get',
    path: '/readyz',
    tag: 'operations',
    access: 'public',
    summary: 'Readiness: Keycloak, the service account and the realm policy (503 with the reason otherwise)',
    answer: { status: 200, description: 'Ready', schema: readiness },
    errors: ['NOT_READY'],
    mount: ({ deps }) => readinessHandler({ ...deps, readinessCacheMs: deps.config.http.readinessCacheMs }),
  }),
  rawEndpoint({
    method: 'get',
    path: '/metrics',
    tag: 'operations',
    access: 'public',
    summary: 'Prometheus metrics: on this port only with `Authorization: Bearer <METRICS_TOKEN>` (or on METRICS_PORT instead)',
    answer: { status: 200, description: 'Prometheus text format', contentType: 'text/plain' },
    errors: ['UNAUTHENTICATED'],
    // On this port only behind its token; with METRICS_PORT it has a listener of its own (main.ts).
    enabled: ({ metrics, config }) => metrics !== undefined && config.metrics.port === undefined && config.metrics.token !== undefined,
    mount: ({ deps }) => {
      const serve = metricsEndpoint(deps.metrics!, deps.config.metrics.token);
      return (req, res) => serve(req, res);
    },
  }),
  rawEndpoint({
    method: 'get',
    path: '/openapi.json',
    tag: 'operations',
    access: 'public',
    summary: 'This document',
    answer: { status: 200, description: 'OpenAPI 3.1', schema: anyObject },
    errors: [],
    mount: ({ deps, openApi }) => docsHandlers(deps, openApi).document,
  }),
  rawEndpoint({
    method: 'get',
    path: '/docs',
    tag: 'operations',
    access: 'public',
    summary: 'This document, rendered (Swagger UI); "Authorize" signs in with Keycloak',
    answer: { status: 200, description: 'HTML page', contentType: 'text/html' },
    errors: [],
    mount: ({ deps, openApi }) => docsHandlers(deps, openApi).page,
  }),
  rawEndpoint({
    method: 'get',
    path: '/docs/init.js',
    tag: 'operations',
    access: 'public',
    summary: "The /docs page's script",
    answer: { status: 200, description: 'JavaScript', contentType: 'text/javascript' },
    errors: [],
    mount: ({ deps, openApi }) => docsHandlers(deps, openApi).init,
  }),
  rawEndpoint({
    method: 'get',
    path: '/docs/oauth2-redirect.html',
    tag: 'operations',
    access: 'public',
    summary: 'Where Keycloak returns to after "Authorize" (authorization code flow)',
    answer: { status: 200, description: 'HTML page', contentType: 'text/html' },
    errors: [],
    mount: ({ deps, openApi }) => docsHandlers(deps, openApi).redirect,
  }),
  rawEndpoint({
    method: 'get',
    path: '/docs/assets/{file}',
    tag: 'operations',
    access: 'public',
    summary: `Swagger UI's files (${DOCS_FILES.join(', ')})`,
    params: { file: { description: 'File name', schema: z.enum(DOCS_FILES as [string, ...string[]]) } },
    answer: { status: 200, description: 'The file' },
    errors: ['NOT_FOUND'],
    mount: ({ deps, openApi }) => docsHandlers(deps, openApi).asset,
  }),
];
