/**
 * The endpoint table: every endpoint the service serves, in the order Express tries them. app.ts
 * mounts exactly these (nothing else is routed), openapi.ts documents exactly these, and the web UI's
 * types are generated from that document (ui/src/api-types.ts). To add an endpoint: add an entry
 * (with its handler) to the area's file.
 */
import { adminEndpoints } from './admin.js';
import { gatewayEndpoints } from './gateway.js';
import type { Endpoint } from './endpoint.js';
import { internalEndpoints } from './internal.js';
import { operationsEndpoints } from './operations.js';
import { uiEndpoints } from './ui.js';
import { userEndpoints } from './user.js';

export const ENDPOINTS: readonly Endpoint[] = [...internalEndpoints, ...gatewayEndpoints, ...userEndpoints, ...adminEndpoints, ...operationsEndpoints, ...uiEndpoints];
