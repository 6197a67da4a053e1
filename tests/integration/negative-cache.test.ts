/**
 * Unknown owners cost Keycloak nothing after the first ask (docs/resolution.md#caching-and-usage):
 * "no such user" is remembered for NEGATIVE_CACHE_SECONDS (30), so a caller looping on an unknown or
 * deleted id makes one Keycloak read per that time, and a user created after the miss (imported with
 * that id) resolves within 2 × ADMIN_EVENTS_POLL_SECONDS (10 s) through Keycloak's admin events,
 * whatever NEGATIVE_CACHE_SECONDS says.
 */
import { randomUUID } from 'node:crypto';
import { createTestService, type TestService } from '../support/app.js';
import { createFakeClock } from '../support/clock.js';
import { masterAdmin } from '../support/keycloak.js';
import { internalToken, resolver } from '../support/resolve.js';
import { testApiKey } from '../support/secrets.js';
import { until } from '../support/wait.js';

/** The bound the docs state for the default poll interval (5 s). */
const BOUND_MS = 10_000;
const started: TestService[] = [];

afterAll(async () => {
  await Promise.all(started.map((service) => service.adminEvents.stop()));
});

/** Keycloak user reads the service has made so far (its own metrics). */
async function userReads(service: TestService): Promise<number> {
  const metric = await service.metrics.keycloakCalls.get();
  return metric.values.filter((value) => value.metricName?.endsWith('_count') && value.labels.operation === 'users.findOne').reduce((sum, value) => sum + value.value, 0);
}

test('200 resolves for an unknown user id make 1 Keycloak read within NEGATIVE_CACHE_SECONDS (30 s), and one more after it', async () => {
  const clock = createFakeClock(Date.now());
  const service = createTestService({}, { clock });
  const { resolve } = resolver(service.app, await internalToken());
  const unknown = randomUUID();
  const before = await userReads(service);
  for (let i = 0; i < 200; i += 1) {
    const answer = await resolve({ userId: unknown, provider: 'openai' });
    expect([answer.status, answer.body.error.code]).toEqual([404, 'OWNER_NOT_FOUND']);
  }
  expect((await userReads(service)) - before).toBe(1);
  clock.advance(29_999);
  await resolve({ userId: unknown, provider: 'openai' });
  expect((await userReads(service)) - before).toBe(1);
  clock.advance(1);
  await resolve({ userId: unknown, provider: 'openai' });
  expect((await userReads(service)) - before).toBe(2);
});

test('a user created after the miss (imported with that id) resolves within 2 × ADMIN_EVENTS_POLL_SECONDS, though "not found" is remembered for 600 s', async () => {
  const service = createTestService({ NEGATIVE_CACHE_SECONDS: '600', GROQ_API_KEY: testApiKey('groq') });
  service.adminEvents.start();
  started.push(service);
  await until(() => service.adminEvents.status().state === 'following', 'the admin-event follower', 15_000);
  const { resolve } = resolver(service.app, await internalToken());
  const id = randomUUID();
  expect((await resolve({ userId: id, provider: 'groq' })).body.error.code).toBe('OWNER_NOT_FOUND');
  expect((await resolve({ userId: id, provider: 'groq' })).body.error.code).toBe('OWNER_NOT_FOUND');

  await (await masterAdmin()).realms.partialImport({
    realm: 'byok',
    rep: { ifResourceExists: 'FAIL', users: [{ id, username: `imported-${id.slice(0, 8)}`, enabled: true, attributes: { subscription_tier: ['starter'] } }] },
  });
  const importedAt = Date.now();
  await until(async () => (await resolve({ userId: id, provider: 'groq' })).status === 200, 'the imported user to resolve', BOUND_MS + 2_000);
  const tookMs = Date.now() - importedAt;
  expect(tookMs).toBeLessThanOrEqual(BOUND_MS);
  expect((await resolve({ userId: id, provider: 'groq' })).body).toMatchObject({ source: 'system' });
});
