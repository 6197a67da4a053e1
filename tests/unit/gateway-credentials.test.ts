/**
 * src/gateway/credentials.ts: the caller's credential is read where each provider's official SDK puts
 * its key, and the chosen key is set the way the provider expects, both from registry data.
 */
import {
  CALLER_KEY_HEADERS,
  CALLER_KEY_PARAMS,
  readCallerCredential,
  signingHeader,
} from '../../src/gateway/credentials.js';
import { createProviderRegistry, PROVIDER_IDS } from '../../src/providers/registry.js';

const registry = createProviderRegistry();
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.caller-token.sig';
const none = new URLSearchParams();

describe('reading the caller credential where the SDK puts it', () => {
  test.each([
    ['openai', { authorization: `Bearer ${TOKEN}` }, none],
    ['groq', { authorization: `bearer  ${TOKEN}` }, none],
    ['anthropic', { 'x-api-key': TOKEN }, none],
    // The Anthropic SDK's `authToken` option.
    ['anthropic', { authorization: `Bearer ${TOKEN}` }, none],
    ['google', { 'x-goog-api-key': TOKEN }, none],
    ['google', {}, new URLSearchParams({ key: TOKEN, alt: 'sse' })],
  ] as const)('%s finds the credential in %j %s', (provider, headers, params) => {
    expect(readCallerCredential(headers, params, registry.get(provider))).toBe(TOKEN);
  });

  test('a place another provider uses is not read (x-api-key on the OpenAI route)', () => {
    expect(readCallerCredential({ 'x-api-key': TOKEN }, none, registry.get('openai'))).toBeUndefined();
    expect(readCallerCredential({}, new URLSearchParams({ key: TOKEN }), registry.get('openai'))).toBeUndefined();
  });

  test('two places with different values are ambiguous, so no credential', () => {
    const headers = { 'x-api-key': TOKEN, authorization: 'Bearer someone-else' };
    expect(readCallerCredential(headers, none, registry.get('anthropic'))).toBeUndefined();
  });

  test('two places with the same value are one credential', () => {
    const headers = { 'x-api-key': TOKEN, authorization: `Bearer ${TOKEN}` };
    expect(readCallerCredential(headers, none, registry.get('anthropic'))).toBe(TOKEN);
  });

  test('a repeated header or parameter is ambiguous', () => {
    expect(readCallerCredential({ 'x-api-key': [TOKEN, 'other'] }, none, registry.get('anthropic'))).toBeUndefined();
    expect(readCallerCredential({}, new URLSearchParams([['key', TOKEN], ['key', 'x']]), registry.get('google'))).toBeUndefined();
  });

  test('an Authorization that is not one bearer token is no credential', () => {
    for (const value of [`Basic ${TOKEN}`, `Bearer ${TOKEN} extra`, 'Bearer', TOKEN]) {
      expect(readCallerCredential({ authorization: value }, none, registry.get('openai'))).toBeUndefined();
    }
  });

  test('no credential anywhere is undefined, and an empty value counts as none', () => {
    expect(readCallerCredential({}, none, registry.get('openai'))).toBeUndefined();
    expect(readCallerCredential({ 'x-api-key': '' }, none, registry.get('anthropic'))).toBeUndefined();
  });
});

describe('the credential places of every provider, for stripping', () => {
  test('every header and parameter any provider reads is listed', () => {
    expect([...CALLER_KEY_HEADERS].sort()).toEqual(['authorization', 'x-api-key', 'x-goog-api-key']);
    expect([...CALLER_KEY_PARAMS]).toEqual(['key']);
  });

  test('every provider reads its credential from a listed place (none escapes stripping)', () => {
    for (const id of PROVIDER_IDS) {
      const provider = registry.get(id);
      const place = provider.test.auth.kind === 'bearer' ? 'authorization' : provider.test.auth.name;
      expect(CALLER_KEY_HEADERS.has(place)).toBe(true);
    }
  });
});

describe('signing: the chosen key goes where the provider expects it', () => {
  const KEY = 'sk-provider-key-0123456789';

  test.each([
    ['openai', 'authorization', `Bearer ${KEY}`],
    ['deepseek', 'authorization', `Bearer ${KEY}`],
    ['custom', 'authorization', `Bearer ${KEY}`],
    ['anthropic', 'x-api-key', KEY],
    ['google', 'x-goog-api-key', KEY],
  ] as const)('%s: %s', (provider, name, value) => {
    expect(signingHeader(registry.get(provider), KEY)).toEqual({ name, value });
  });

  test('google is signed in a header, never the query string (a key in a URL reaches access logs)', () => {
    expect(signingHeader(registry.get('google'), KEY).name).toBe('x-goog-api-key');
  });

  test('a key that could inject a header is refused, and the error does not quote it', () => {
    const evil = 'sk-abc\r\nx-evil: 1';
    expect(() => signingHeader(registry.get('openai'), evil)).toThrow(TypeError);
    try {
      signingHeader(registry.get('openai'), evil);
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('sk-abc');
    }
  });
});
