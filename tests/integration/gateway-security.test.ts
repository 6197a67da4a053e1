/**
 * Issue 14, "Must show" 4: what the signing gateway keeps apart. A provider key goes from the vault
 * into one upstream request header and nowhere else: not to the caller (headers, body, error
 * answers), not to the logs. The caller's Keycloak token, cookies, `X-Byok-*` routing hints and
 * hop-by-hop headers stop at the gateway; upstream cookies and hop-by-hop headers stop there on the
 * way back. A user's token reaches that user's keys only (never another user's, never platform keys
 * unless the operator allows it); an oversized body is refused before any upstream is contacted.
 */
import { randomBytes } from 'node:crypto';
import type { FakeLlm } from '../support/fake-llm.js';
import { rawRequest, startGateway, type Gateway, type RawResponse, gatewayPerTest } from '../support/gateway.js';
import { internalToken, keyedUser } from '../support/resolve.js';
import { testApiKey } from '../support/secrets.js';

let fake: FakeLlm;
let gateway: Gateway;

gatewayPerTest((started) => ({ fake, gateway } = started));

const HELLO = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hello' }] };
const CHAT = '/api/v1/proxy/openai/chat/completions';

/** The forms of a secret the log scan looks for (tests/logscan): whole, base64, its last 16 characters. */
function expectNoSecretIn(text: string, secrets: readonly string[]) {
  const found = secrets.filter((secret) => text.includes(secret) || text.includes(Buffer.from(secret).toString('base64')) || text.includes(secret.slice(-16)));
  expect(found).toEqual([]);
}

const everything = (response: RawResponse) => `${JSON.stringify(response.headers)}\n${response.body}`;

/** Everything the upstream got, as one text: paths with queries, headers, bodies. */
const upstreamSaw = (f: FakeLlm) => f.requests.map((r) => `${r.path}\n${JSON.stringify(r.headers)}\n${r.body}`).join('\n');

const json = (token: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json', ...extra });

describe('provider keys stay inside', () => {
  test('the caller never sees a provider key: not in headers or body of plain, streamed, failed-over and refused answers', async () => {
    const user = await keyedUser(gateway.service.app);
    const limited = await user.addKey('openai');
    const serving = await user.addKey('openai');
    const anthropic = await user.addKey('anthropic');
    fake.answer(limited.secret, { status: 429, headers: { 'retry-after': '60' } });
    const secrets = [limited.secret, serving.secret, anthropic.secret];

    const answers = [
      await rawRequest(`${gateway.url}${CHAT}`, { headers: json(user.token), body: JSON.stringify(HELLO) }),
      await rawRequest(`${gateway.url}${CHAT}`, { headers: json(user.token), body: JSON.stringify({ ...HELLO, stream: true, stream_options: { include_usage: true } }) }),
      await rawRequest(`${gateway.url}/api/v1/proxy/anthropic/v1/messages`, {
        headers: { 'x-api-key': user.token, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }], stream: true }),
      }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers[0]?.headers['x-byok-key-id']).toBe(serving.id);
    // The upstream refuses the last key: its answer is passed through, still without a secret.
    fake.answer(serving.secret, { status: 401 });
    const refused = await rawRequest(`${gateway.url}${CHAT}`, { headers: json(user.token), body: JSON.stringify(HELLO) });
    expect(refused.status).toBe(401);
    const none = await rawRequest(`${gateway.url}${CHAT}`, { headers: json(user.token), body: JSON.stringify(HELLO) });
    expect(none.status).toBe(404);

    for (const answer of [...answers, refused, none]) expectNoSecretIn(everything(answer), secrets);
    // Each secret did reach the upstream, in the one header its API reads.
    expect(fake.requests.map((r) => r.key)).toEqual(expect.arrayContaining(secrets));
  });

  test('the service logs (and audit events) of proxied calls contain no provider key and no caller token', async () => {
    const user = await keyedUser(gateway.service.app);
    const a = await user.addKey('openai');
    const b = await user.addKey('openai');
    const claude = await user.addKey('anthropic');
    const internal = await internalToken();
    fake.answer(a.secret, { status: 429, headers: { 'retry-after': '1' } }, 1);
    const openai = gateway.openai({ token: user.token });
    await openai.chat.completions.create(HELLO);
    for await (const chunk of await openai.chat.completions.create({ ...(HELLO), stream: true })) void chunk;
    fake.answer(b.secret, { status: 401 });
    await openai.chat.completions.create(HELLO).catch(() => undefined);
    await gateway.anthropic({ token: internal, user: user.id }).messages.create({ model: 'claude-sonnet-5-5', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] });
    await rawRequest(`${gateway.url}${CHAT}`, { headers: json(user.token, { 'x-byok-user': user.id }), body: JSON.stringify(HELLO) });

    const logged = JSON.stringify(gateway.service.logs) + JSON.stringify(gateway.service.auditEvents);
    expect(gateway.service.logs.length).toBeGreaterThan(0);
    expectNoSecretIn(logged, [a.secret, b.secret, claude.secret]);
    for (const token of [user.token, internal]) expect(logged).not.toContain(token.split('.')[2]);
  });
});

describe('what does not go upstream', () => {
  test('the caller token, cookies, X-Byok-*, forwarding and hop-by-hop headers stop at the gateway; other headers and the query pass', async () => {
    const user = await keyedUser(gateway.service.app);
    const key = await user.addKey('openai');
    const internal = await internalToken();
    const response = await rawRequest(`${gateway.url}${CHAT}?trace=on`, {
      headers: json(internal, {
        'x-byok-user': user.id,
        'x-byok-debug': 'please',
        cookie: 'session=caller-session-cookie',
        connection: 'keep-alive, x-caller-hop',
        'x-caller-hop': 'hop',
        'x-forwarded-for': '10.9.8.7',
        'x-app-trace': 'kept',
      }),
      body: JSON.stringify(HELLO),
    });
    expect(response.status).toBe(200);
    const seen = fake.requests[0];
    expect(seen?.path).toBe('/v1/chat/completions?trace=on');
    expect(seen?.headers).toMatchObject({ authorization: `Bearer ${key.secret}`, 'x-app-trace': 'kept' });
    const names = Object.keys(seen?.headers ?? {});
    expect(names.filter((name) => name.startsWith('x-byok-') || ['cookie', 'x-caller-hop', 'x-forwarded-for', 'x-api-key'].includes(name))).toEqual([]);
    expect(upstreamSaw(fake)).not.toContain(internal);
    expect(upstreamSaw(fake)).not.toContain('caller-session-cookie');
  });

  test('a caller token placed in every credential slot at once never reaches the upstream, whatever the gateway makes of it', async () => {
    const user = await keyedUser(gateway.service.app);
    await user.addKey('openai');
    await user.addKey('anthropic');
    const slots = { 'x-api-key': user.token, 'x-goog-api-key': user.token };
    const answers = [await rawRequest(`${gateway.url}${CHAT}?key=${user.token}`, { headers: json(user.token, slots), body: JSON.stringify(HELLO) })];
    answers.push(await rawRequest(`${gateway.url}/api/v1/proxy/anthropic/v1/messages?key=${user.token}`, {
      headers: { ...json(user.token, slots), 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
    }));
    // Both were served (the same token in every place reads as one credential), so the upstream saw them.
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(fake.requests).toHaveLength(2);
    expect(upstreamSaw(fake)).not.toContain(user.token);
    expect(upstreamSaw(fake)).not.toContain(user.token.split('.')[2]);
  });

  test('Set-Cookie and hop-by-hop headers of the upstream do not reach the caller; its other headers do', async () => {
    const user = await keyedUser(gateway.service.app);
    const key = await user.addKey('openai');
    fake.answer(key.secret, {
      headers: { 'set-cookie': ['provider_session=abc; Path=/', 'tracking=1'], connection: 'x-upstream-hop', 'x-upstream-hop': 'hop', 'x-request-id': 'upstream-1' },
    });
    const response = await rawRequest(`${gateway.url}${CHAT}`, { headers: json(user.token), body: JSON.stringify(HELLO) });
    expect(response.status).toBe(200);
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(response.headers['x-upstream-hop']).toBeUndefined();
    expect(response.headers['x-request-id']).toBe('upstream-1');
    expect(JSON.parse(response.body).choices[0].message.content).toBe(fake.requests[0]?.replyText);
  });
});

describe('whose keys a call can reach', () => {
  test("a user's token reaches that user's keys only; X-Byok-User naming another user (or oneself) with a user token is 403", async () => {
    const alice = await keyedUser(gateway.service.app);
    const bob = await keyedUser(gateway.service.app);
    const aliceKey = await alice.addKey('openai');
    const bobKey = await bob.addKey('openai');

    for (const target of [alice.id, bob.id]) {
      const refused = await rawRequest(`${gateway.url}${CHAT}`, { headers: json(bob.token, { 'x-byok-user': target }), body: JSON.stringify(HELLO) });
      expect([refused.status, JSON.parse(refused.body).error?.code]).toEqual([403, 'FORBIDDEN']);
    }
    const viaSdk = await gateway.openai({ token: bob.token, user: alice.id }).chat.completions.create(HELLO).catch((error: unknown) => error);
    expect(viaSdk).toMatchObject({ status: 403 });
    expect(fake.requests).toHaveLength(0);

    for (let n = 0; n < 3; n += 1) {
      const own = await rawRequest(`${gateway.url}${CHAT}`, { headers: json(bob.token), body: JSON.stringify(HELLO) });
      expect([own.status, own.headers['x-byok-key-id']]).toEqual([200, bobKey.id]);
    }
    const forAlice = await rawRequest(`${gateway.url}${CHAT}`, { headers: json(await internalToken(), { 'x-byok-user': alice.id }), body: JSON.stringify(HELLO) });
    expect([forAlice.status, forAlice.headers['x-byok-key-id']]).toEqual([200, aliceKey.id]);
    expect(fake.requests.map((r) => r.key)).toEqual([bobKey.secret, bobKey.secret, bobKey.secret, aliceKey.secret]);
  });

  test('a user token never falls back to platform keys unless PROXY_USER_SYSTEM_FALLBACK=true; an internal call may', async () => {
    const systemKey = testApiKey('openai');
    const strict = await startGateway(fake, { OPENAI_API_KEY: systemKey });
    const lenient = await startGateway(fake, { OPENAI_API_KEY: systemKey, PROXY_USER_SYSTEM_FALLBACK: 'true' });
    try {
      const user = await keyedUser(strict.service.app);
      const refused = await rawRequest(`${strict.url}${CHAT}`, { headers: json(user.token), body: JSON.stringify(HELLO) });
      expect([refused.status, JSON.parse(refused.body).error?.code]).toEqual([404, 'NO_KEY_AVAILABLE']);
      expect(fake.requests).toHaveLength(0);

      const internal = await rawRequest(`${strict.url}${CHAT}`, { headers: json(await internalToken(), { 'x-byok-user': user.id }), body: JSON.stringify(HELLO) });
      const allowed = await rawRequest(`${lenient.url}${CHAT}`, { headers: json(user.token), body: JSON.stringify(HELLO) });
      for (const served of [internal, allowed]) {
        expect([served.status, served.headers['x-byok-source']]).toEqual([200, 'system']);
        expectNoSecretIn(everything(served), [systemKey]);
      }
      expect(fake.requests.map((r) => r.key)).toEqual([systemKey, systemKey]);
    } finally {
      await strict.close();
      await lenient.close();
    }
  });
});

describe('refused before any upstream is contacted', () => {
  /** A chat request of exactly `bytes` bytes. */
  const bodyOf = (bytes: number) => {
    const empty = JSON.stringify({ ...HELLO, messages: [{ role: 'user', content: '' }] });
    return JSON.stringify({ ...HELLO, messages: [{ role: 'user', content: 'x'.repeat(bytes - empty.length) }] });
  };

  test('a body over PROXY_BODY_LIMIT is 413 PAYLOAD_TOO_LARGE, with or without Content-Length; one at the limit passes', async () => {
    const small = await startGateway(fake, { PROXY_BODY_LIMIT: '16384' });
    try {
      const user = await keyedUser(small.service.app);
      await user.addKey('openai');
      expect(Buffer.byteLength(bodyOf(16_384))).toBe(16_384);
      for (const chunked of [false, true]) {
        const over = await rawRequest(`${small.url}${CHAT}`, { headers: json(user.token), body: bodyOf(16_385), chunked });
        expect([over.status, JSON.parse(over.body).error?.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
      }
      expect(fake.requests).toHaveLength(0);
      const atLimit = await rawRequest(`${small.url}${CHAT}`, { headers: json(user.token), body: bodyOf(16_384), chunked: true });
      expect(atLimit.status).toBe(200);
      expect(fake.requests.map((r) => r.body.length)).toEqual([16_384]);
    } finally {
      await small.close();
    }
  });

  test('the default limit is 10 MiB: 10 MiB + 1 byte is 413 and the upstream sees nothing', async () => {
    const user = await keyedUser(gateway.service.app);
    await user.addKey('openai');
    const over = await rawRequest(`${gateway.url}${CHAT}`, { headers: json(user.token), body: bodyOf(10 * 1024 * 1024 + 1) });
    expect([over.status, JSON.parse(over.body).error?.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(fake.requests).toHaveLength(0);
  });

  test('no credential is 401 UNAUTHENTICATED with WWW-Authenticate; a forged token too; the upstream sees nothing', async () => {
    const user = await keyedUser(gateway.service.app);
    await user.addKey('openai');
    await user.addKey('anthropic');
    const forged = `${user.token.split('.').slice(0, 2).join('.')}.${randomBytes(64).toString('base64url')}`;
    const attempts = [
      rawRequest(`${gateway.url}${CHAT}`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(HELLO) }),
      rawRequest(`${gateway.url}/api/v1/proxy/anthropic/v1/messages`, { headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: '{}' }),
      rawRequest(`${gateway.url}${CHAT}`, { headers: json(forged), body: JSON.stringify(HELLO) }),
    ];
    for (const answer of await Promise.all(attempts)) {
      expect([answer.status, JSON.parse(answer.body).error?.code]).toEqual([401, 'UNAUTHENTICATED']);
      expect(answer.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    const viaSdk = await gateway.openai({ token: forged }).chat.completions.create(HELLO).catch((error: unknown) => error);
    expect(viaSdk).toMatchObject({ status: 401 });
    expect(fake.requests).toHaveLength(0);
  });
});
