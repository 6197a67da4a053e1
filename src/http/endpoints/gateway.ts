/**
 * docs/gateway.md: the signing gateway. One entry for the document (any method is served; POST is
 * what the SDKs send). Like the internal hot path it is served straight from the Node request,
 * before Express (app.ts), by src/gateway/proxy.ts; the Express route below serves the same
 * handler for completeness and is never reached through app.ts's listener.
 */
import { z } from 'zod';
import { PROVIDER_IDS } from '../../providers/registry.js';
import { rawEndpoint, type RawEndpoint } from './endpoint.js';

export const gatewayEndpoints: RawEndpoint[] = [
  rawEndpoint({
    method: 'post',
    path: '/api/v1/proxy/{provider}/{path}',
    tag: 'gateway',
    access: 'user',
    hot: true,
    summary: "Forward a request to the provider, signed with the user's next key (any method; streams; fails over)",
    description:
      '`{path}` is everything after the provider id (several segments), sent to the provider base URL of GET /api/v1/byok/providers with the query string: ' +
      "point an SDK's base URL at `/api/v1/proxy/{provider}`. The credential goes where that provider's SDK puts its key (`Authorization: Bearer`, " +
      '`x-api-key`, `x-goog-api-key`, `?key=`): the user\'s own access token, or an internal client\'s token (realm role `byok-internal`) with ' +
      '`X-Byok-User: <userId>` (and optionally `X-Byok-Group`). The answer is the provider\'s, passed through (streams as they arrive), with ' +
      '`X-Byok-Source`, `X-Byok-Key-Id` and `X-Byok-Attempts`. 429, 401, 403 and 402 answers, and connections that fail, are retried on the ' +
      'next usable key (PROXY_MAX_ATTEMPTS); when none is left the last answer is passed on.',
    params: {
      provider: { description: 'Provider id (see GET /api/v1/byok/providers)', schema: z.enum(PROVIDER_IDS) },
      path: { description: 'The provider API path, e.g. `chat/completions` (OpenAI) or `v1/messages` (Anthropic); may hold slashes', schema: z.string() },
    },
    answer: { status: 200, description: "The provider's answer, passed through", contentType: 'application/json' },
    errors: ['UNKNOWN_PROVIDER', 'VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE', 'NO_KEY_AVAILABLE', 'OWNER_NOT_FOUND', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT'],
    enabled: ({ gateway }) => gateway !== undefined,
    mount: ({ deps }) => (req, res, next) => {
      deps.gateway!.serve(req, res).catch(next);
    },
  }),
];
