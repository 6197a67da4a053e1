/**
 * The web UI's types (ui/src/api-types.ts), generated from the service's OpenAPI document with
 * openapi-typescript: the UI's view of every answer is the server's, with no copy to keep in step.
 * tests/unit/api-types.test.ts fails when the committed file is stale; `npm run api:types` rewrites it.
 */
import openapiTS, { astToString } from 'openapi-typescript';
import { ENDPOINTS } from '../../src/http/endpoints/index.js';
import { openApiDocument } from '../../src/http/openapi.js';

export const API_TYPES_FILE = new URL('../../ui/src/api-types.ts', import.meta.url);

export async function generateApiTypes(): Promise<string> {
  const document = openApiDocument(ENDPOINTS, { version: '0', keycloak: { url: 'http://keycloak.invalid', realm: 'byok' } });
  const ast = await openapiTS(document as never, { alphabetize: true });
  return (
    '// Generated from the OpenAPI document (src/http/endpoints/) by `npm run api:types`; do not edit.\n' +
    '// tests/unit/api-types.test.ts fails when this file no longer matches the server.\n' +
    astToString(ast)
  );
}
