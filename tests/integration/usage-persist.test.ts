/**
 * Usage counts with Redis (docs/scale-out.md#usage-counts) against the real Keycloak and a
 * redis-server of the test's own: service instances hand their counts to Redis, where they add up,
 * and each owner's counts reach Keycloak at most once per USAGE_PERSIST_INTERVAL_SECONDS, written by
 * one instance; a Keycloak outage during that write (also one whose answer is lost after the write
 * went through) loses nothing and counts nothing twice; a stopped instance hands its counts over and
 * another writes them; while Redis is away the counts wait in memory. Time is a fake clock shared by
 * the instances (the persist interval is an hour).
 */
import { randomBytes } from 'node:crypto';
import { createTestService, type TestService } from '../support/app.js';
import { createFakeClock, type FakeClock } from '../support/clock.js';
import { KEYCLOAK_URL } from '../support/env.js';
import { masterAdmin } from '../support/keycloak.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { keyedUser } from '../support/resolve.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { until } from '../support/wait.js';
import { utcDate } from '../../src/vault/daily-usage.js';
import type { OwnerRef } from '../../src/vault/ports.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
let redis: TestRedis;
const services: TestService[] = [];
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
});

afterAll(async () => {
  await Promise.all(services.map((s) => s.redis?.close()));
  await Promise.all(proxies.map((p) => p.close()));
  await redis?.stop();
});

/** Instances of one test share a clock and a key prefix (their own Redis "deployment"). */
function deployment(clock: FakeClock, overrides: Record<string, string> = {}) {
  const prefix = `u${randomBytes(4).toString('hex')}:`;
  return (extra: Record<string, string> = {}): TestService => {
    const service = createTestService({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, USAGE_PERSIST_INTERVAL_SECONDS: '3600', USAGE_FLUSH_INTERVAL_SECONDS: '60', ...overrides, ...extra }, { clock });
    services.push(service);
    return service;
  };
}

const connected = (...all: TestService[]) => until(() => all.every((s) => s.redis?.available() === true), 'Redis connections');

/** Keycloak user writes (PUT /users/{id}) an instance has made so far, from its own metrics. */
async function userWrites(service: TestService): Promise<number> {
  const metric = await service.metrics.keycloakCalls.get();
  return metric.values.filter((value) => value.metricName?.endsWith('_count') && value.labels.operation === 'users.update').reduce((sum, value) => sum + value.value, 0);
}
const writesOf = async (all: TestService[]) => (await Promise.all(all.map(userWrites))).reduce((a, b) => a + b, 0);

/** What Keycloak holds for a user's openai key: uses, and today's requests and tokens. */
async function stored(userId: string, keyId: string, today: string) {
  const attributes = (await (await masterAdmin()).users.findOne({ id: userId }))?.attributes ?? {};
  const usage = (attributes.byok_openai_usage as string[] | undefined)?.find((value) => value.startsWith(`${keyId}:`));
  const daily = (attributes.byok_openai_daily as string[] | undefined)?.find((value) => value.startsWith(`${keyId}:${today}:`));
  const [requests, inputTokens, outputTokens] = (daily?.split(':').slice(2) ?? ['0', '0', '0']).map(Number);
  return { uses: usage ? Number(usage.split(':')[2]) : 0, requests, inputTokens, outputTokens };
}

async function serve(service: TestService, userId: string, times: number): Promise<void> {
  for (let i = 0; i < times; i += 1) await service.resolver.resolve({ userId, provider: 'openai' });
}

const usesShown = async (service: TestService, owner: OwnerRef) => (await service.keys.stats(owner)).providers.find((p) => p.provider === 'openai')?.uses;

test('counts from 3 instances add up exactly in Keycloak after one persist, each owner written once, by one instance, and not again within the interval', async () => {
  const clock = createFakeClock(Date.now());
  const today = utcDate(clock.now());
  const instance = deployment(clock);
  const [a, b, c] = [instance(), instance(), instance()];
  await connected(a, b, c);
  const users = await Promise.all([0, 1, 2, 3].map(async () => {
    const user = await keyedUser(a.app);
    return { ...user, key: await user.addKey('openai') };
  }));
  const perInstance = [5, 7, 3];
  for (const user of users) {
    for (const [index, service] of [a, b, c].entries()) {
      await serve(service, user.id, perInstance[index] as number);
      service.usage.recordTokens({ kind: 'user', id: user.id }, 'openai', user.key.id, { inputTokens: 10 * (index + 1), outputTokens: index + 1 });
    }
  }
  const before = await writesOf([a, b, c]);

  // Every instance hands its counts to Redis; nothing is due yet, so Keycloak is not written.
  await Promise.all([a, b, c].map((s) => s.usage.tick()));
  expect(await writesOf([a, b, c])).toBe(before);
  for (const user of users) expect(await stored(user.id, user.key.id, today)).toEqual({ uses: 0, requests: 0, inputTokens: 0, outputTokens: 0 });
  // Any instance's views show every instance's counts (stored + Redis).
  for (const user of users) expect(await usesShown(b, { kind: 'user', id: user.id })).toBe(15);

  // One interval later all three tick at once: one write per owner in all.
  clock.advance(HOUR);
  const outcomes = await Promise.all([a, b, c].map((s) => s.usage.tick()));
  expect(outcomes.reduce((sum, o) => sum + o.owners, 0)).toBe(users.length);
  expect(outcomes.every((o) => o.failed === 0)).toBe(true);
  expect((await writesOf([a, b, c])) - before).toBe(users.length);
  for (const user of users) expect(await stored(user.id, user.key.id, today)).toEqual({ uses: 15, requests: 15, inputTokens: 60, outputTokens: 6 });

  // More serves: handed over and shown, but not written again within the interval.
  for (const user of users) for (const service of [a, b, c]) await serve(service, user.id, 2);
  const afterPersist = await writesOf([a, b, c]);
  for (let minute = 1; minute < 60; minute += 1) {
    clock.advance(MINUTE - 1);
    await Promise.all([a, b, c].map((s) => s.usage.tick()));
  }
  expect(await writesOf([a, b, c])).toBe(afterPersist);
  for (const user of users) {
    expect(await stored(user.id, user.key.id, today)).toMatchObject({ uses: 15 });
    expect(await usesShown(c, { kind: 'user', id: user.id })).toBe(21);
  }
  clock.advance(HOUR);
  await Promise.all([a, b, c].map((s) => s.usage.tick()));
  expect((await writesOf([a, b, c])) - afterPersist).toBe(users.length);
  for (const user of users) expect(await stored(user.id, user.key.id, today)).toMatchObject({ uses: 21, requests: 21 });
});

test('a Keycloak outage during the persist loses nothing and counts nothing twice, also when the write went through and its answer was lost', async () => {
  const clock = createFakeClock(Date.now());
  const today = utcDate(clock.now());
  const proxy = await startTcpProxy(KEYCLOAK_URL);
  proxies.push(proxy);
  const instance = deployment(clock);
  const a = instance();
  const b = instance({ KEYCLOAK_URL: proxy.url, KEYCLOAK_TIMEOUT_MS: '2000' }); // b reaches Keycloak through the proxy
  await connected(a, b);
  const user = await keyedUser(a.app);
  const key = await user.addKey('openai');
  await serve(a, user.id, 4);
  await serve(b, user.id, 6);
  await Promise.all([a.usage.tick(), b.usage.tick()]);
  clock.advance(HOUR);

  // b writes, Keycloak applies it, the answer is lost: b thinks it failed and keeps the batch.
  proxy.mode = 'lose-put-answers';
  expect(await b.usage.tick()).toEqual({ owners: 1, failed: 1 });
  expect(await stored(user.id, key.id, today)).toMatchObject({ uses: 10, requests: 10 });

  // Keycloak "down" for b; more serves on a meanwhile.
  proxy.mode = 'refuse';
  await serve(a, user.id, 3);
  await a.usage.tick(); // handed over; the staged batch is not due before its retry time
  clock.advance(MINUTE);
  expect(await b.usage.tick()).toEqual({ owners: 1, failed: 1 });
  expect(await usesShown(a, { kind: 'user', id: user.id })).toBe(13);

  // The retry (by a, one flush interval later) finds its batch id stored: nothing added twice.
  clock.advance(MINUTE);
  expect(await a.usage.tick()).toEqual({ owners: 1, failed: 0 });
  expect(await stored(user.id, key.id, today)).toMatchObject({ uses: 10, requests: 10 });
  expect(await usesShown(a, { kind: 'user', id: user.id })).toBe(13);
  // The serves after it go in the next persist, one interval later.
  clock.advance(HOUR);
  proxy.mode = 'pass';
  await Promise.all([a.usage.tick(), b.usage.tick()]);
  expect(await stored(user.id, key.id, today)).toMatchObject({ uses: 13, requests: 13 });
  expect(await usesShown(b, { kind: 'user', id: user.id })).toBe(13);
});

test('restart: a stopped instance hands its counts over and a later instance writes them at the interval; without Redis, stop writes them', async () => {
  const clock = createFakeClock(Date.now());
  const today = utcDate(clock.now());
  const instance = deployment(clock);
  const a = instance();
  await connected(a);
  const user = await keyedUser(a.app);
  const key = await user.addKey('openai');
  await serve(a, user.id, 5);
  await a.usage.stop();
  expect(await stored(user.id, key.id, today)).toMatchObject({ uses: 0 });
  const d = instance(); // the next release
  await connected(d);
  expect(await usesShown(d, { kind: 'user', id: user.id })).toBe(5);
  clock.advance(HOUR);
  expect(await d.usage.tick()).toEqual({ owners: 1, failed: 0 });
  expect(await stored(user.id, key.id, today)).toMatchObject({ uses: 5, requests: 5 });

  const alone = createTestService({ USAGE_PERSIST_INTERVAL_SECONDS: '3600' }, { clock });
  await serve(alone, user.id, 3);
  expect(await alone.usage.tick()).toEqual({ owners: 0, failed: 0 }); // not due for an hour
  await alone.usage.stop();
  expect(await stored(user.id, key.id, today)).toMatchObject({ uses: 8, requests: 8 });
});

test('Redis away: serves are counted in memory (and shown by that instance), handed over when it is back, then written', async () => {
  const clock = createFakeClock(Date.now());
  const today = utcDate(clock.now());
  const a = deployment(clock)();
  await connected(a);
  const user = await keyedUser(a.app);
  const key = await user.addKey('openai');
  await serve(a, user.id, 4);
  await redis.stop();
  try {
    await until(() => !a.redis?.available(), 'the instance to notice');
    await serve(a, user.id, 3);
    clock.advance(HOUR);
    expect(await a.usage.tick()).toEqual({ owners: 0, failed: 0 });
    expect(await usesShown(a, { kind: 'user', id: user.id })).toBe(7);
  } finally {
    await redis.start();
  }
  await connected(a);
  await a.usage.tick(); // handed over now; due one interval after reaching Redis
  expect(await stored(user.id, key.id, today)).toMatchObject({ uses: 0 });
  clock.advance(HOUR);
  expect(await a.usage.tick()).toEqual({ owners: 1, failed: 0 });
  expect(await stored(user.id, key.id, today)).toMatchObject({ uses: 7, requests: 7 });
});
