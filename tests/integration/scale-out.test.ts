/**
 * Scale-out over Redis (docs/scale-out.md), with two service instances in this process sharing a redis-server of
 * the test's own and the real Keycloak: they take turns as one, see each other's writes and
 * cooldowns, never break the per-owner limit between them, share rate-limit counters, and keep
 * resolving (but refuse writes) while Redis is away, rejoining when it returns.
 */
import request from 'supertest';
import { createTestService, type TestService } from '../support/app.js';
import { INTERNAL_CLIENT, TEST_METRICS_TOKEN } from '../support/env.js';
import { clientToken, masterAdmin } from '../support/keycloak.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { until } from '../support/wait.js';
import { keyedUser, resolver } from '../support/resolve.js';
import { testApiKey } from '../support/secrets.js';
import { runByok } from '../support/scratch-realm.js';
import { serviceEnv } from '../support/env.js';
import { Redis } from 'ioredis';

let redis: TestRedis;
const services: TestService[] = [];

function instance(overrides: Record<string, string> = {}): TestService {
  const service = createTestService({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: `t${process.pid}:`, ...overrides });
  services.push(service);
  return service;
}

const connected = (...all: TestService[]) => until(() => all.every((s) => s.redis?.available() === true), 'Redis connections');

beforeAll(async () => {
  redis = await startTestRedis();
});

afterAll(async () => {
  await Promise.all(services.map((s) => s.redis?.close()));
  await redis?.stop();
});

describe('two instances sharing Redis', () => {
  test('round-robin is shared: 300 resolves alternating between instances serve 3 keys exactly 100 times each, in creation order', async () => {
    const [a, b] = [instance(), instance()];
    await connected(a, b);
    const user = await keyedUser(a.app);
    const ids = [(await user.addKey('openai')).id, (await user.addKey('openai')).id, (await user.addKey('openai')).id];
    const token = await clientToken(INTERNAL_CLIENT);
    const served: string[] = [];
    for (let i = 0; i < 300; i += 1) {
      const response = await resolver((i % 2 === 0 ? a : b).app, token).resolve({ userId: user.id, provider: 'openai' });
      expect(response.status).toBe(200);
      served.push(response.body.keyId as string);
    }
    expect(ids.map((id) => served.filter((s) => s === id).length)).toEqual([100, 100, 100]);
    // One turn order across both instances, in creation order: each resolve serves the key after the previous one.
    expect(served.every((id, i) => i === 0 || id === ids[(ids.indexOf(served[i - 1] as string) + 1) % 3])).toBe(true);
  });

  test('a key added or deleted through one instance is seen by the other within a second (pub/sub invalidation)', async () => {
    const [a, b] = [instance(), instance()];
    await connected(a, b);
    const user = await keyedUser(a.app);
    const first = await user.addKey('openai');
    const token = await clientToken(INTERNAL_CLIENT);
    // b caches the user with one key.
    expect((await resolver(b.app, token).resolve({ userId: user.id, provider: 'openai' })).body.keyId).toBe(first.id);
    const second = await user.addKey('openai');
    const addedAt = Date.now();
    const seen = new Set<string>();
    await until(async () => {
      seen.add((await resolver(b.app, token).resolve({ userId: user.id, provider: 'openai' })).body.keyId as string);
      return seen.has(second.id);
    }, 'the new key on the other instance', 1000);
    expect(Date.now() - addedAt).toBeLessThan(1000);

    const deleted = await request(a.app).delete(`/api/v1/byok/keys/openai/${first.id}`).set('Authorization', `Bearer ${user.token}`);
    expect(deleted.status).toBe(204);
    const deletedAt = Date.now();
    await until(async () => {
      const ids = await Promise.all([0, 1, 2].map(async () => (await resolver(b.app, token).resolve({ userId: user.id, provider: 'openai' })).body.keyId));
      return ids.every((id) => id === second.id);
    }, 'the deleted key to vanish from the other instance', 1000);
    expect(Date.now() - deletedAt).toBeLessThan(1000);
  });

  test('the per-owner lock holds across instances: 30 concurrent adds over two instances, limit 10 → exactly 10 stored, none lost', async () => {
    const [a, b] = [instance(), instance()];
    await connected(a, b);
    const user = await keyedUser(a.app);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        request((i % 2 === 0 ? a : b).app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${user.token}`).send({ provider: 'mistral', apiKey: testApiKey('mistral') }),
      ),
    );
    const created = results.filter((r) => r.status === 201).map((r) => r.body.id as string);
    expect(created).toHaveLength(10);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.error.code === 'KEY_LIMIT_REACHED')).toBe(true);
    expect(results.filter((r) => r.status !== 201 && r.status !== 409)).toEqual([]);
    const stored = await request(b.app).get('/api/v1/byok/keys?provider=mistral').set('Authorization', `Bearer ${user.token}`);
    expect((stored.body.providers[0].keys as Array<{ id: string }>).map((k) => k.id).sort()).toEqual([...created].sort());
  });

  test('a cooldown reported to one instance is honoured by the other', async () => {
    const [a, b] = [instance(), instance()];
    await connected(a, b);
    const user = await keyedUser(a.app);
    const first = await user.addKey('openai');
    const second = await user.addKey('openai');
    const token = await clientToken(INTERNAL_CLIENT);
    await resolver(b.app, token).resolve({ userId: user.id, provider: 'openai' }); // b has the user cached
    const reported = await resolver(a.app, token).report({ userId: user.id, provider: 'openai', keyId: first.id, outcome: 'rate_limited', retryAfterSeconds: 60 });
    expect(reported.status).toBe(204);
    await until(async () => (await resolver(b.app, token).resolve({ userId: user.id, provider: 'openai' })).body.keyId === second.id, 'the cooldown on b', 1000);
    for (let i = 0; i < 6; i += 1) expect((await resolver(b.app, token).resolve({ userId: user.id, provider: 'openai' })).body.keyId).toBe(second.id);
    // An instance that joins later loads the cooldowns from Redis.
    const c = instance();
    await connected(c);
    await until(async () => (await resolver(c.app, token).resolve({ userId: user.id, provider: 'openai' })).body.keyId === second.id, 'the cooldown on a new instance', 2000);
    for (let i = 0; i < 4; i += 1) expect((await resolver(c.app, token).resolve({ userId: user.id, provider: 'openai' })).body.keyId).toBe(second.id);
  });

  test('rate limits are counted across instances: 429 RATE_LIMITED with Retry-After past the limit', async () => {
    const limits = { RATE_LIMIT_USER_PER_MINUTE: '5', RATE_LIMIT_INTERNAL_PER_SECOND: '4' };
    const [a, b] = [instance(limits), instance(limits)];
    await connected(a, b);
    const user = await keyedUser(a.app);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await request((i % 2 === 0 ? a : b).app).get('/api/v1/byok/keys').set('Authorization', `Bearer ${user.token}`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = await request(b.app).get('/api/v1/byok/keys').set('Authorization', `Bearer ${user.token}`);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);

    const token = await clientToken(INTERNAL_CLIENT);
    const internal = await Promise.all(Array.from({ length: 8 }, (_, i) => resolver((i % 2 === 0 ? a : b).app, token).resolve({ userId: user.id, provider: 'openai' })));
    const limitedInternal = internal.filter((r) => r.status === 429);
    expect(limitedInternal.length).toBeGreaterThanOrEqual(4);
    expect(limitedInternal.every((r) => r.body.error.code === 'RATE_LIMITED' && Number(r.headers['retry-after']) >= 1)).toBe(true);
    expect((await request(b.app).get('/metrics').set('Authorization', `Bearer ${TEST_METRICS_TOKEN}`)).text).toMatch(/^byok_rate_limited_total\{scope="user"\} [1-9]/m);
  });

  test('Redis stopped: resolves go on with local state, writes get 503 REDIS_UNAVAILABLE and change nothing; /readyz says so; after a restart both recover', async () => {
    const [a, b] = [instance(), instance()];
    await connected(a, b);
    const user = await keyedUser(a.app);
    const key = await user.addKey('openai');
    const token = await clientToken(INTERNAL_CLIENT);
    for (const s of [a, b]) expect((await resolver(s.app, token).resolve({ userId: user.id, provider: 'openai' })).body.keyId).toBe(key.id);
    const before = (await (await masterAdmin()).users.findOne({ id: user.id }))?.attributes?.byok_openai_keys;

    await redis.stop();
    try {
      await until(() => !a.redis?.available() && !b.redis?.available(), 'the instances to notice');
      for (let i = 0; i < 20; i += 1) {
        const response = await resolver((i % 2 === 0 ? a : b).app, token).resolve({ userId: user.id, provider: 'openai' });
        expect([response.status, response.body.keyId]).toEqual([200, key.id]);
      }
      const write = await request(a.app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${user.token}`).send({ provider: 'openai', apiKey: testApiKey('openai') });
      expect([write.status, write.body.error.code]).toEqual([503, 'REDIS_UNAVAILABLE']);
      expect(Number(write.headers['retry-after'])).toBeGreaterThan(0);
      expect((await (await masterAdmin()).users.findOne({ id: user.id }))?.attributes?.byok_openai_keys).toEqual(before);
      const ready = await request(b.app).get('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toContainEqual(expect.objectContaining({ name: 'redis', ok: false }));
      expect((await request(b.app).get('/metrics').set('Authorization', `Bearer ${TEST_METRICS_TOKEN}`)).text).toMatch(/^byok_redis_up 0$/m);
    } finally {
      await redis.start();
    }

    await connected(a, b);
    const added = await request(b.app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${user.token}`).send({ provider: 'openai', apiKey: testApiKey('openai') });
    expect(added.status).toBe(201);
    // Cursors are shared again: the two keys alternate across the instances.
    const served: string[] = [];
    for (let i = 0; i < 4; i += 1) served.push((await resolver((i % 2 === 0 ? a : b).app, token).resolve({ userId: user.id, provider: 'openai' })).body.keyId);
    expect(new Set(served)).toEqual(new Set([key.id, added.body.id]));
    expect(served.every((id, i) => i === 0 || id !== served[i - 1])).toBe(true);
    const ready = await request(a.app).get('/readyz');
    expect(ready.body.checks).toContainEqual(expect.objectContaining({ name: 'redis', ok: true }));
  });

  test('the byok command takes the same shared owner lock: set-tier waits for a write in progress elsewhere, then goes through', async () => {
    const a = instance();
    await connected(a);
    const user = await keyedUser(a.app, 'free');
    const prefix = `t${process.pid}:`;
    const env = serviceEnv({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, LOCK_WAIT_SECONDS: '1' });
    const other = new Redis(redis.url);
    try {
      // Another instance's writer holds the user's lock.
      expect(await other.set(`${prefix}lock:user:${user.id}`, 'someone-else', 'PX', 10_000, 'NX')).toBe('OK');
      const refused = await runByok(['set-tier', user.id, 'starter'], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/in progress|OWNER_BUSY|retry/i);
      expect((await (await masterAdmin()).users.findOne({ id: user.id }))?.attributes?.subscription_tier).toEqual(['free']);
      await other.del(`${prefix}lock:user:${user.id}`);
      const done = await runByok(['set-tier', user.id, 'starter'], env);
      expect(done.code).toBe(0);
      expect((await (await masterAdmin()).users.findOne({ id: user.id }))?.attributes?.subscription_tier).toEqual(['starter']);
    } finally {
      other.disconnect();
    }
  });
});
