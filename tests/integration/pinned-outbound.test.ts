/**
 * Outbound connections to user-supplied base URLs are pinned to addresses the URL policy allows
 * (issue 12, item 6): DNS that answers a public address to the save-time check and a loopback address
 * when the key test connects (DNS rebinding) gets no connection; IP literals of every form are judged
 * the same; resolution re-checks a custom base URL before handing it out. The host names here are
 * answered by a resolver the test gives the service (no real DNS, no /etc/hosts), and every address
 * the tests let a connection reach is the local fake provider's.
 */
import request from 'supertest';
import { createTestService } from '../support/app.js';
import { startFakeProvider, type FakeProvider } from '../support/fake-provider.js';
import { createTestUser, userToken } from '../support/keycloak.js';
import { internalToken } from '../support/resolve.js';
import { testApiKey } from '../support/secrets.js';
import { createPinnedFetch, ForbiddenAddressError, type HostLookup } from '../../src/providers/outbound.js';

let fake: FakeProvider;
let port: string;
beforeAll(async () => {
  fake = await startFakeProvider();
  port = new URL(fake.url).port;
});
afterAll(async () => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
});

/** A resolver whose answers the test scripts: the n-th call gets answers[n] (the last one repeats). */
function scriptedLookup(...answers: string[][]): HostLookup & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (hostname: string) => {
    const answer = answers[Math.min(calls.length, answers.length - 1)] ?? [];
    calls.push(hostname);
    return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(lookup, { calls });
}

const PUBLIC = '203.0.113.7'; // TEST-NET-3: public as far as the policy goes; never connected to here

async function userWithToken() {
  const user = await createTestUser({ tier: 'starter' });
  return { user, token: await userToken(user) };
}

describe('pinned outbound connections', () => {
  test('DNS rebinding: the save-time check passed, the key test refuses the connection to the loopback address it is given at connect time', async () => {
    // Call 1: the check when saving; call 2: the check before the test; call 3: the connection.
    const lookup = scriptedLookup([PUBLIC], [PUBLIC], ['127.0.0.1']);
    const service = createTestService({ ALLOW_INSECURE_BASE_URLS: 'true' }, { lookup });
    const { token } = await userWithToken();
    const apiKey = testApiKey('custom');
    const baseUrl = `http://llm.rebind.example:${port}/v1`;
    const added = await request(service.app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${token}`).send({ provider: 'custom', apiKey, baseUrl });
    expect(added.status).toBe(201);

    const tested = await request(service.app).post('/api/v1/byok/keys/test/custom').set('Authorization', `Bearer ${token}`);
    expect(tested.status).toBe(200);
    expect(tested.body.results).toEqual([expect.objectContaining({ status: 'unreachable' })]);
    expect(lookup.calls).toEqual(['llm.rebind.example', 'llm.rebind.example', 'llm.rebind.example']);
    expect(fake.requests).toHaveLength(0);
    expect(service.logs).toContainEqual(expect.objectContaining({ msg: expect.stringContaining('outbound connection refused'), host: 'llm.rebind.example', kind: 'loopback' }));
    expect(JSON.stringify(service.logs)).not.toContain(apiKey);
  });

  test('the connection goes where the checked resolver says (private targets allowed for a local fake provider)', async () => {
    const lookup = scriptedLookup(['127.0.0.1']);
    const service = createTestService({ ALLOW_INSECURE_BASE_URLS: 'true', ALLOW_PRIVATE_BASE_URLS: 'true' }, { lookup });
    const { token } = await userWithToken();
    const apiKey = testApiKey('custom');
    await request(service.app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${token}`).send({ provider: 'custom', apiKey, baseUrl: `http://llm.fake.example:${port}/v1` }).expect(201);
    const tested = await request(service.app).post('/api/v1/byok/keys/test/custom').set('Authorization', `Bearer ${token}`);
    expect(tested.body.results).toEqual([expect.objectContaining({ status: 'valid' })]);
    expect(fake.requests).toEqual([expect.objectContaining({ path: '/v1/models', headers: expect.objectContaining({ host: `llm.fake.example:${port}`, authorization: `Bearer ${apiKey}` }) })]);
  });

  test('a pinned fetch refuses a name with any forbidden address, and IP literals of every non-public form, without connecting', async () => {
    const refused: ForbiddenAddressError[] = [];
    const mixed = createPinnedFetch({ policy: { allowPrivateNetworks: false }, lookup: scriptedLookup([PUBLIC, '127.0.0.1']), onRefused: (error) => refused.push(error) });
    await expect(mixed(`http://mixed.example:${port}/`)).rejects.toThrow();
    const literal = createPinnedFetch({ policy: { allowPrivateNetworks: false }, lookup: scriptedLookup([]), onRefused: (error) => refused.push(error) });
    for (const host of ['127.0.0.1', '[::1]', '[::ffff:127.0.0.1]', '[::ffff:0:7f00:1]', '[64:ff9b::7f00:1]', '[2002:7f00:1::]']) {
      await expect(literal(`http://${host}:${port}/`)).rejects.toThrow();
    }
    expect(fake.requests).toHaveLength(0);
    // One refusal for the mixed name, one per literal, each naming the loopback range it reaches.
    expect(refused).toHaveLength(7);
    for (const error of refused) expect(error.kind).toContain('loopback');
    // The policy's switch for local development lets the same literal through.
    const lenient = createPinnedFetch({ policy: { allowPrivateNetworks: true } });
    expect((await lenient(`http://127.0.0.1:${port}/models`)).status).toBe(200);
    expect(fake.requests).toHaveLength(1);
  });

  test('resolve re-checks a custom base URL before handing it out: a URL now resolving to loopback is skipped, and the check is cached', async () => {
    const { user, token } = await userWithToken();
    const apiKey = testApiKey('custom');
    const baseUrl = `http://llm.moved.example:${port}/v1`;
    const publicDns = scriptedLookup([PUBLIC]);
    const before = createTestService({ ALLOW_INSECURE_BASE_URLS: 'true' }, { lookup: publicDns });
    await request(before.app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${token}`).send({ provider: 'custom', apiKey, baseUrl }).expect(201);
    const internal = await internalToken();
    const resolve = (app: typeof before.app) => request(app).post('/api/v1/internal/resolve').set('Authorization', `Bearer ${internal}`).send({ userId: user.id, provider: 'custom' });
    const calls = publicDns.calls.length;
    for (let i = 0; i < 5; i += 1) expect((await resolve(before.app)).body).toMatchObject({ apiKey, baseUrl });
    expect(publicDns.calls.length - calls).toBe(1); // one check for five resolves

    const moved = createTestService({ ALLOW_INSECURE_BASE_URLS: 'true' }, { lookup: scriptedLookup(['127.0.0.1']) });
    const refused = await resolve(moved.app);
    expect([refused.status, refused.body.error?.code]).toEqual([404, 'NO_KEY_AVAILABLE']);
    expect(refused.text).not.toContain(apiKey);
    expect(moved.logs).toContainEqual(expect.objectContaining({ msg: expect.stringContaining('base URL no longer passes the URL policy'), provider: 'custom', owner: `user:${user.id}` }));
    expect(JSON.stringify(moved.logs)).not.toContain(apiKey);
  });
});
