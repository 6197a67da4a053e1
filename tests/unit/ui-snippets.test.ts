/**
 * "Use from code" (ui/src/snippets.ts): for every provider, the gateway's base URL and the SDK and
 * curl samples through it. The credential goes where the gateway reads it for that provider (the
 * registry's own transport) and is always the BYOK_TOKEN placeholder, never a value.
 * (That the OpenAI and Anthropic samples run unchanged against the gateway: tests/integration/gateway-snippets.test.ts.)
 */
import { PROVIDER_DEFINITIONS, PROVIDER_IDS } from '../../src/providers/registry.js';
import { gatewayBaseUrl, gatewayUse, TOKEN_VARIABLE } from '../../ui/src/snippets.js';

const ORIGIN = 'https://vault.example.com';

describe('gatewayBaseUrl', () => {
  test('the proxy route of the provider on the origin (a trailing slash of the origin is dropped)', () => {
    expect(gatewayBaseUrl(ORIGIN, 'openai')).toBe('https://vault.example.com/api/v1/proxy/openai');
    expect(gatewayBaseUrl(`${ORIGIN}/`, 'anthropic')).toBe('https://vault.example.com/api/v1/proxy/anthropic');
  });
});

describe.each(PROVIDER_IDS.map((id) => [id]))('gatewayUse(%s)', (id) => {
  const use = gatewayUse(ORIGIN, id);
  const definition = PROVIDER_DEFINITIONS[id];

  test('both samples call the base URL and read the token from BYOK_TOKEN', () => {
    expect(use.baseUrl).toBe(`${ORIGIN}/api/v1/proxy/${id}`);
    expect(use.sdk.code).toContain(`'${use.baseUrl}'`);
    expect(use.sdk.code).toContain(`process.env.${TOKEN_VARIABLE}`);
    expect(use.curl.code.startsWith(`curl ${use.baseUrl}/`) || use.curl.code.startsWith(`curl '${use.baseUrl}/`)).toBe(true);
    expect(use.curl.code).toContain(`$${TOKEN_VARIABLE}`);
  });

  test("curl puts the token where the gateway reads this provider's key", () => {
    const auth = definition.test.auth;
    const header = auth.kind === 'bearer' ? `Authorization: Bearer $${TOKEN_VARIABLE}` : `${auth.name}: $${TOKEN_VARIABLE}`;
    expect(use.curl.code).toContain(`-H "${header}"`);
  });

  test('no credential but the placeholder: nothing that looks like a key or a token', () => {
    for (const text of [use.sdk.code, use.curl.code, use.sdk.install ?? '']) {
      expect(text).not.toMatch(/Bearer (?!\$BYOK_TOKEN)/);
      expect(text).not.toMatch(/\b(sk-[A-Za-z0-9]|AIza|gsk_|xai-|pplx-|hf_|eyJ)/);
    }
  });

  test('the SDK is the one for the API the provider speaks', () => {
    const expected = id === 'anthropic' ? '@anthropic-ai/sdk' : id === 'google' ? '@google/genai' : id === 'cohere' ? 'cohere-ai' : 'openai';
    expect(use.sdk.install).toBe(`npm install ${expected}`);
    expect(use.sdk.code).toContain(`from '${expected}'`);
    if (expected === 'openai') expect(use.curl.code).toContain(`curl ${use.baseUrl}/chat/completions`);
  });
});
