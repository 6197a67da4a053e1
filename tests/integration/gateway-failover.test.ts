/**
 * Issue 14, "Must show" 2: failover inside the gateway. A key the upstream refuses (429, 401, 403,
 * 402, no connection) is reported and the same request goes to the next usable key before the caller
 * sees anything; a 429's `Retry-After` benches the key for exactly that long (a real 2 s cooldown on
 * the service's real clock: the point is that time, not a report, brings it back); 401 marks it
 * invalid; when no key is left the caller gets the last upstream answer, or 404 NO_KEY_AVAILABLE
 * when none was tried. The SDKs retry nothing themselves here (maxRetries 0): every retry seen is
 * the gateway's.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import type { FakeLlm } from '../support/fake-llm.js';
import { startGateway, type Gateway, gatewayPerTest } from '../support/gateway.js';
import { keyedUser, type KeyedUser } from '../support/resolve.js';

let fake: FakeLlm;
let gateway: Gateway;

gatewayPerTest((started) => ({ fake, gateway } = started));

const HELLO = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hello' }] };

/** One chat completion with the user's token: which key served it, after how many attempts. */
async function complete(g: Gateway, user: KeyedUser) {
  const { data, response } = await g.openai({ token: user.token }).chat.completions.create(HELLO).withResponse();
  return { keyId: response.headers.get('x-byok-key-id'), attempts: response.headers.get('x-byok-attempts'), text: data.choices[0]?.message.content };
}

/** The same call without an SDK, for answers the SDK would turn into an exception. */
const post = (g: Gateway, user: KeyedUser) =>
  fetch(`${g.url}/api/v1/proxy/openai/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(HELLO),
  });

const errorCodeOf = async (response: Response) => ((await response.json()) as { error?: { code?: string } }).error?.code;

async function listedKeys(g: Gateway, user: KeyedUser): Promise<Record<string, { status: string; healthIssue: string | null }>> {
  const response = await request(g.service.app).get('/api/v1/byok/keys?provider=openai').set('Authorization', `Bearer ${user.token}`);
  expect(response.status).toBe(200);
  const keys = response.body.providers[0].keys as Array<{ id: string; status: string; healthIssue: string | null }>;
  return Object.fromEntries(keys.map((key) => [key.id, key]));
}

describe('failover to the next key', () => {
  test('key A answering 429 with Retry-After: 2 fails over to B in the same call, sits out 2 s, then serves again', async () => {
    const user = await keyedUser(gateway.service.app);
    const a = await user.addKey('openai');
    const b = await user.addKey('openai');
    fake.answer(a.secret, { status: 429, headers: { 'retry-after': '2' } }, 1);

    const first = await complete(gateway, user);
    const benchedBy = Date.now(); // the cooldown started before the answer came back
    expect(first).toEqual({ keyId: b.id, attempts: '2', text: fake.requests[1]?.replyText });
    expect(fake.requests.map((r) => [r.key, r.status])).toEqual([
      [a.secret, 429],
      [b.secret, 200],
    ]);
    // The held body went to B unchanged.
    expect(fake.requests[1]?.body).toBe(fake.requests[0]?.body);

    // Within the 2 s, every call goes to B at once: A is not even tried.
    const during: Array<{ keyId: string | null; attempts: string | null }> = [];
    while (Date.now() - benchedBy < 1_500 && during.length < 4) {
      const { keyId, attempts } = await complete(gateway, user);
      during.push({ keyId, attempts });
    }
    expect(during.length).toBeGreaterThanOrEqual(2);
    expect(during).toEqual(during.map(() => ({ keyId: b.id, attempts: '1' })));
    expect(fake.requestsWith(a.secret)).toHaveLength(1);

    // Just past the 2 s, round-robin reaches A again, and A (no longer scripted) serves.
    await sleep(Math.max(0, benchedBy + 2_200 - Date.now()));
    const after = [await complete(gateway, user), await complete(gateway, user)];
    expect(after.map((served) => served.keyId).sort()).toEqual([a.id, b.id].sort());
    expect(after.map((served) => served.attempts)).toEqual(['1', '1']);
    expect(fake.requestsWith(a.secret).map((r) => r.status)).toEqual([429, 200]);
  });

  test('a 401 from key A marks A invalid (shown in the key list) and B serves; A is not tried again', async () => {
    const user = await keyedUser(gateway.service.app);
    const a = await user.addKey('openai');
    const b = await user.addKey('openai');
    fake.answer(a.secret, { status: 401 });

    expect(await complete(gateway, user)).toMatchObject({ keyId: b.id, attempts: '2' });
    const listed = await listedKeys(gateway, user);
    expect(listed[a.id]).toMatchObject({ status: 'invalid', healthIssue: 'unauthorized' });
    expect(listed[b.id]).toMatchObject({ status: 'active', healthIssue: null });

    for (let n = 0; n < 3; n += 1) expect(await complete(gateway, user)).toMatchObject({ keyId: b.id, attempts: '1' });
    expect(fake.requestsWith(a.secret)).toHaveLength(1);
  });

  test('402 (quota), 403 and a dropped connection fail over too: three keys tried in one call, the third serves', async () => {
    const user = await keyedUser(gateway.service.app);
    const keys = [await user.addKey('openai'), await user.addKey('openai'), await user.addKey('openai')];
    const idOf = (secret: string | undefined) => keys.find((key) => key.secret === secret)?.id;
    // Whichever keys the gateway tries first and second: the first answers 402, the second never answers.
    fake.answerNext({ status: 402 }, { drop: true });

    const served = await complete(gateway, user);
    const tried = fake.requests.map((r) => r.key);
    expect(new Set(tried).size).toBe(3);
    expect(served).toMatchObject({ keyId: idOf(tried[2]), attempts: '3', text: fake.requests[2]?.replyText });
    const listed = await listedKeys(gateway, user);
    expect(listed[idOf(tried[0]) ?? '']).toMatchObject({ status: 'invalid', healthIssue: 'quota_exceeded' });
    // A connection failure says nothing about the key: it stays in rotation.
    expect(listed[idOf(tried[1]) ?? '']).toMatchObject({ status: 'active', healthIssue: null });

    // A 403 is a verdict on the key like a 401.
    const other = await keyedUser(gateway.service.app);
    const forbidden = await other.addKey('openai');
    const fine = await other.addKey('openai');
    fake.answer(forbidden.secret, { status: 403 });
    expect(await complete(gateway, other)).toMatchObject({ keyId: fine.id, attempts: '2' });
    expect((await listedKeys(gateway, other))[forbidden.id]).toMatchObject({ status: 'invalid' });
  });

  test('at most PROXY_MAX_ATTEMPTS keys are tried; then the last upstream answer is passed through', async () => {
    const limited = await startGateway(fake, { PROXY_MAX_ATTEMPTS: '2' });
    try {
      const user = await keyedUser(limited.service.app);
      const keys = [await user.addKey('openai'), await user.addKey('openai'), await user.addKey('openai')];
      keys.forEach((key, n) => fake.answer(key.secret, { status: 429, headers: { 'retry-after': '60' }, body: { error: { message: `limited #${n}`, type: 'rate_limit_error' } } }));
      const response = await post(limited, user);
      const tried = fake.requests.map((r) => r.key ?? '');
      expect(tried).toHaveLength(2);
      expect(new Set(tried).size).toBe(2);
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('60');
      expect(await response.json()).toEqual({ error: { message: `limited #${keys.findIndex((key) => key.secret === tried[1])}`, type: 'rate_limit_error' } });
    } finally {
      await limited.close();
    }
  });
});

describe('when no key can serve', () => {
  test('every key refused: the last upstream answer is passed through; then, with none left to try, 404 NO_KEY_AVAILABLE', async () => {
    const user = await keyedUser(gateway.service.app);
    const a = await user.addKey('openai');
    const b = await user.addKey('openai');
    fake.answer(a.secret, { status: 429, headers: { 'retry-after': '60' } });
    fake.answer(b.secret, { status: 401, headers: { 'x-upstream-detail': 'b' }, body: { error: { message: 'bad key b', code: 'invalid_api_key' } } });

    const refused = await post(gateway, user);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-upstream-detail')).toBe('b');
    expect(await refused.json()).toEqual({ error: { message: 'bad key b', code: 'invalid_api_key' } });
    expect(fake.requests.map((r) => r.key)).toEqual([a.secret, b.secret]);

    // A cooling down, B invalid: nothing left to try.
    const none = await post(gateway, user);
    expect(none.status).toBe(404);
    expect(await errorCodeOf(none)).toBe('NO_KEY_AVAILABLE');
    // The SDK turns it into its typed error.
    const sdkError = await gateway.openai({ token: user.token }).chat.completions.create(HELLO).catch((error: unknown) => error);
    expect(sdkError).toMatchObject({ status: 404 });
    expect(fake.requests).toHaveLength(2);
  });

  test('a user without any key gets 404 NO_KEY_AVAILABLE and no upstream is contacted', async () => {
    const user = await keyedUser(gateway.service.app);
    const response = await post(gateway, user);
    expect(response.status).toBe(404);
    expect(await errorCodeOf(response)).toBe('NO_KEY_AVAILABLE');
    const sdkError = await gateway.anthropic({ token: user.token }).messages.create({ model: 'claude-sonnet-5-5', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }).catch((error: unknown) => error);
    expect(sdkError).toMatchObject({ status: 404 });
    expect(fake.requests).toHaveLength(0);
  });
});
