/**
 * The key tester against a local fake provider on loopback (our own server, reached through a
 * configured base URL override, as in the integration setup).
 */
import { createServer } from 'node:net';
import { createProviderRegistry, PROVIDER_IDS, type ProviderId } from '../../src/providers/registry.js';
import { createKeyTester } from '../../src/providers/tester.js';
import { startFakeProvider, type FakeProvider } from '../support/fake-provider.js';

const GOOD = 'sk-good-0123456789abcdef';
const BAD = 'sk-bad-0123456789abcdef';
const BUSY = 'sk-busy-0123456789abcdef';
const FIXED_NOW = Date.parse('2025-01-02T03:04:05.000Z');

let fake: FakeProvider;

beforeEach(async () => {
  fake = await startFakeProvider({ respondByKey: { [GOOD]: 200, [BAD]: 401, [BUSY]: 429 } });
});

afterEach(async () => {
  await fake.close();
});

/** Every provider pointed at the fake, as tests/integration configure it. */
function testerFor(target: FakeProvider, timeoutMs = 2000) {
  const baseUrlOverrides = Object.fromEntries(PROVIDER_IDS.map((id) => [id, target.url])) as Record<ProviderId, string>;
  return createKeyTester({ registry: createProviderRegistry({ baseUrlOverrides }), timeoutMs, now: () => FIXED_NOW });
}

/** A loopback port with nothing listening on it. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('key tester', () => {
  test('answers 200, 401 and 429 as told map to valid, invalid and rate_limited', async () => {
    const tester = testerFor(fake);
    const testedAt = '2025-01-02T03:04:05.000Z';
    expect(await tester.test('openai', GOOD)).toEqual({ status: 'valid', httpStatus: 200, testedAt });
    expect(await tester.test('openai', BAD)).toEqual({ status: 'invalid', httpStatus: 401, testedAt });
    expect(await tester.test('openai', BUSY)).toEqual({ status: 'rate_limited', httpStatus: 429, testedAt });
    expect(fake.requests).toHaveLength(3);
  });

  test.each([
    [403, 'invalid'],
    [400, 'invalid'], // e.g. Google's API_KEY_INVALID
    [404, 'invalid'],
    [408, 'unreachable'],
    [500, 'unreachable'],
    [502, 'unreachable'],
    [503, 'unreachable'],
    [204, 'valid'],
  ] as const)('HTTP %i maps to %s', async (httpStatus, status) => {
    fake.setResponse(httpStatus, { error: 'x' });
    expect(await testerFor(fake).test('openai', 'sk-other-0123456789')).toMatchObject({ status, httpStatus });
  });

  test('a redirect is not followed and counts as unreachable', async () => {
    const elsewhere = await startFakeProvider();
    try {
      fake.setResponse(302, undefined, { location: `${elsewhere.url}/steal` });
      expect(await testerFor(fake).test('openai', GOOD)).toMatchObject({ status: 'unreachable', httpStatus: 302 });
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await elsewhere.close();
    }
  });

  test('a provider slower than the timeout is unreachable, and the test returns soon after the timeout', async () => {
    fake.setDelay(5000);
    const started = Date.now();
    const result = await testerFor(fake, 200).test('openai', GOOD);
    expect(result).toEqual({ status: 'unreachable', testedAt: '2025-01-02T03:04:05.000Z' });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test('connection refused is unreachable', async () => {
    const tester = createKeyTester({ registry: createProviderRegistry(), timeoutMs: 2000 });
    const result = await tester.test('custom', GOOD, await closedPortUrl());
    expect(result.status).toBe('unreachable');
    expect(result.httpStatus).toBeUndefined();
  });

  test.each([
    ['openai', '/models', 'authorization', (key: string) => `Bearer ${key}`],
    ['anthropic', '/v1/models', 'x-api-key', (key: string) => key],
    ['google', '/v1beta/models', 'x-goog-api-key', (key: string) => key],
    ['groq', '/models', 'authorization', (key: string) => `Bearer ${key}`],
    ['mistral', '/models', 'authorization', (key: string) => `Bearer ${key}`],
    ['cohere', '/v1/models', 'authorization', (key: string) => `Bearer ${key}`],
    ['together', '/models', 'authorization', (key: string) => `Bearer ${key}`],
    ['perplexity', '/async/chat/completions', 'authorization', (key: string) => `Bearer ${key}`],
    ['huggingface', '/api/whoami-v2', 'authorization', (key: string) => `Bearer ${key}`],
    ['openrouter', '/key', 'authorization', (key: string) => `Bearer ${key}`],
    ['deepseek', '/models', 'authorization', (key: string) => `Bearer ${key}`],
    ['xai', '/models', 'authorization', (key: string) => `Bearer ${key}`],
    ['meta', '/models', 'authorization', (key: string) => `Bearer ${key}`],
  ] as const)('%s sends the key once, in %s %s, and nowhere else', async (provider, path, header, value) => {
    const result = await testerFor(fake).test(provider, GOOD);
    expect(result.status).toBe('valid');
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request?.method).toBe('GET');
    expect(request?.path).toBe(path);
    expect(request?.headers[header]).toBe(value(GOOD));
    const elsewhere = Object.entries(request?.headers ?? {}).filter(
      ([name, headerValue]) => name !== header && String(headerValue).includes(GOOD),
    );
    expect(elsewhere).toEqual([]);
  });

  test('anthropic requests carry the anthropic-version header', async () => {
    await testerFor(fake).test('anthropic', GOOD);
    expect(fake.requests[0]?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  test('a custom provider is tested at the key’s own base URL, path included', async () => {
    const tester = createKeyTester({ registry: createProviderRegistry(), timeoutMs: 2000 });
    expect((await tester.test('custom', GOOD, `${fake.url}/gateway/v1/`)).status).toBe('valid');
    expect(fake.requests[0]?.path).toBe('/gateway/v1/models');
  });

  test('a custom provider without a base URL is a caller error that does not mention the key', async () => {
    const tester = createKeyTester({ registry: createProviderRegistry(), timeoutMs: 2000 });
    await expect(tester.test('custom', GOOD)).rejects.toThrow(/base URL/);
    await expect(tester.test('custom', GOOD)).rejects.not.toThrow(GOOD);
  });

  test('a key’s own base URL that fails the URL policy at test time is never contacted', async () => {
    const tester = createKeyTester({
      registry: createProviderRegistry(),
      timeoutMs: 2000,
      urlPolicy: { allowInsecureHttp: true, allowPrivateNetworks: false },
    });
    expect((await tester.test('custom', GOOD, `${fake.url}/v1`)).status).toBe('unreachable');
    expect(fake.requests).toHaveLength(0);
  });

  test('a key that cannot be sent in a header is invalid without a request', async () => {
    const result = await testerFor(fake).test('openai', 'sk-abc\r\nX-Injected: 1');
    expect(result.status).toBe('invalid');
    expect(fake.requests).toHaveLength(0);
  });

  test('the result never contains the key, whatever the outcome', async () => {
    const secret = 'sk-secret-DoNotLeak-0123456789';
    const outcomes = [];
    for (const status of [200, 401, 403, 429, 500, 302]) {
      fake.setResponse(status, { echoed: secret }, { 'x-echo': secret });
      outcomes.push(await testerFor(fake).test('openai', secret));
    }
    fake.setDelay(5000);
    outcomes.push(await testerFor(fake, 100).test('openai', secret));
    const refused = createKeyTester({ registry: createProviderRegistry(), timeoutMs: 2000 });
    outcomes.push(await refused.test('custom', secret, await closedPortUrl()));
    outcomes.push(await testerFor(fake).test('openai', `${secret}\n`));
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'valid',
      'invalid',
      'invalid',
      'rate_limited',
      'unreachable',
      'unreachable',
      'unreachable',
      'unreachable',
      'invalid',
    ]);
    expect(JSON.stringify(outcomes)).not.toContain('DoNotLeak');
    // Nothing but the verdict, the provider's status and the time: no body, headers or error text.
    const allowedFields = ['httpStatus', 'status', 'testedAt'];
    for (const outcome of outcomes) expect(allowedFields).toEqual(expect.arrayContaining(Object.keys(outcome)));
  });

  test('a fetch failure whose message quotes the key is swallowed, not passed on', async () => {
    const secret = 'sk-secret-DoNotLeak-0123456789';
    const leakyFetch: typeof fetch = async () => {
      throw new TypeError(`Headers.append: "Bearer ${secret}" is an invalid header value.`);
    };
    const tester = createKeyTester({ registry: createProviderRegistry(), fetch: leakyFetch, timeoutMs: 2000 });
    const result = await tester.test('openai', secret);
    expect(result.status).toBe('unreachable');
    expect(JSON.stringify(result)).not.toContain('DoNotLeak');
  });
});
