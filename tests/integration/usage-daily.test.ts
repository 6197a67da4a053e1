/**
 * Usage per key and UTC day (docs/resolution.md#caching-and-usage) against the real Keycloak: serves and the
 * gateway's token counts of a user key and a team key reach `byok_<provider>_daily` in the usage flush
 * (one write per owner, merged with what is stored, days older than USAGE_DAYS_KEPT and keys that no
 * longer exist dropped, `_usage` kept), and a fresh service shows them in `/byok/stats` and
 * `/admin/stats`; platform keys are counted by the instance that served them. A flush never reverts an
 * admin's concurrent change to the user.
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { utcDate } from '../../src/vault/daily-usage.js';
import type { OwnerRef } from '../../src/vault/ports.js';
import { createTestService } from '../support/app.js';
import { createFakeClock } from '../support/clock.js';
import { masterAdmin, userToken } from '../support/keycloak.js';
import { internalToken, keyedUser, resolver } from '../support/resolve.js';
import { testApiKey } from '../support/secrets.js';
import { until } from '../support/wait.js';

const DAY_MS = 86_400_000;

/** Sets attributes of a user straight in Keycloak, keeping the others (as an earlier write would have left them). */
async function putUserAttributes(userId: string, attributes: Record<string, string[]>) {
  const kc = await masterAdmin();
  const user = await kc.users.findOne({ id: userId });
  const { username, email, firstName, lastName } = user ?? {};
  await kc.users.update({ id: userId }, { username, email, firstName, lastName, attributes: { ...(user?.attributes ?? {}), ...attributes } });
}

const dayOf = (days: Array<{ date: string; provider: string; requests: number; inputTokens: number; outputTokens: number }>, date: string, provider: string) =>
  days.find((day) => day.date === date && day.provider === provider) ?? { requests: 0, inputTokens: 0, outputTokens: 0 };

test('serves and token counts of a user key and a team key are written per day in one flush, pruned to the window, and shown by /byok/stats and /admin/stats', async () => {
  // One fixed instant for every service of the test: the day cannot change under it.
  const clock = createFakeClock(Date.now());
  const today = utcDate(clock.now());
  const yesterday = utcDate(clock.now() - DAY_MS);
  const outOfWindow = utcDate(clock.now() - 30 * DAY_MS); // USAGE_DAYS_KEPT=30 keeps today and the 29 days before
  const env = { XAI_API_KEY: 'xai-platform-key-for-daily-0123456789' };
  const service = createTestService(env, { clock });
  const admin = await userToken({ username: 'ops', password: 'ops' });
  const adminStats = async (app: typeof service.app) => (await request(app).get('/api/v1/admin/stats').set('Authorization', `Bearer ${admin}`)).body;
  const before = (await adminStats(createTestService(env, { clock }).app)).usage.days;

  const user = await keyedUser(service.app);
  const own = await user.addKey('openai', { label: 'Daily' });
  const kc = await masterAdmin();
  const { id: groupId } = await kc.groups.create({ name: `usage-${randomBytes(4).toString('hex')}` });
  await kc.users.addToGroup({ id: user.id, groupId });
  const team = await request(service.app).post(`/api/v1/admin/groups/${groupId}/keys`).set('Authorization', `Bearer ${admin}`).send({ provider: 'anthropic', apiKey: testApiKey('anthropic') });
  expect(team.status).toBe(201);
  const userOwner: OwnerRef = { kind: 'user', id: user.id };
  const groupOwner: OwnerRef = { kind: 'group', id: groupId };

  // Stored earlier: a day in the window, one just out of it, a key deleted since, and a stray value.
  await putUserAttributes(user.id, {
    byok_openai_daily: [`${own.id}:${yesterday}:1:2:3`, `${own.id}:${outOfWindow}:5:5:5`, `k_deleted_since:${today}:9:9:9`, 'not a value'],
  });

  const { resolve } = resolver(service.app, await internalToken());
  for (let i = 0; i < 3; i += 1) expect((await resolve({ userId: user.id, provider: 'openai' })).body).toMatchObject({ source: 'user', keyId: own.id });
  for (let i = 0; i < 2; i += 1) expect((await resolve({ userId: user.id, provider: 'anthropic' })).body).toMatchObject({ source: 'group', keyId: team.body.id });
  const keyless = await keyedUser(service.app);
  expect((await resolve({ userId: keyless.id, provider: 'xai' })).body).toMatchObject({ source: 'system', keyId: 'system-xai-1' });
  // What the gateway reports once it has read the answers.
  service.usage.recordTokens(userOwner, 'openai', own.id, { inputTokens: 100, outputTokens: 50 });
  service.usage.recordTokens(userOwner, 'openai', own.id, { inputTokens: 20, outputTokens: 5 });
  service.usage.recordTokens(groupOwner, 'anthropic', team.body.id, { inputTokens: 7, outputTokens: 9 });
  service.usage.recordTokens('system', 'xai', 'system-xai-1', { inputTokens: 11, outputTokens: 12 });

  // Not yet flushed: the serving instance already shows them (stored plus pending).
  const todayFigures = { date: today, requests: 3, inputTokens: 120, outputTokens: 55 };
  const pendingView = (await request(service.app).get('/api/v1/byok/stats').set('Authorization', `Bearer ${user.token}`)).body;
  expect(pendingView.providers.find((entry: { provider: string }) => entry.provider === 'openai').usage.days).toEqual([{ date: yesterday, requests: 1, inputTokens: 2, outputTokens: 3 }, todayFigures]);

  expect(await service.usage.flush()).toEqual({ owners: 2, failed: 0 }); // the platform key has no owner to write to

  const stored = await kc.users.findOne({ id: user.id });
  expect([...(stored?.attributes?.byok_openai_daily ?? [])].sort()).toEqual([`${own.id}:${today}:3:120:55`, `${own.id}:${yesterday}:1:2:3`].sort());
  expect(stored?.attributes?.byok_openai_usage).toEqual([expect.stringMatching(new RegExp(`^${own.id}:${clock.now()}:3$`))]);
  expect((await kc.groups.findOne({ id: groupId }))?.attributes?.byok_anthropic_daily).toEqual([`${team.body.id}:${today}:2:7:9`]);

  // A fresh service (nothing pending, nothing cached) reads them back.
  const fresh = createTestService(env, { clock });
  const stats = (await request(fresh.app).get('/api/v1/byok/stats').set('Authorization', `Bearer ${user.token}`)).body;
  expect(stats.providers.find((entry: { provider: string }) => entry.provider === 'openai').usage).toEqual({
    days: [{ date: yesterday, requests: 1, inputTokens: 2, outputTokens: 3 }, todayFigures],
    keys: [{ keyId: own.id, label: 'Daily', requests: 4, inputTokens: 122, outputTokens: 58, days: [{ date: yesterday, requests: 1, inputTokens: 2, outputTokens: 3 }, todayFigures] }],
  });
  const realm = await adminStats(fresh.app);
  const grew = (provider: string) => {
    const [was, now] = [dayOf(before, today, provider), dayOf(realm.usage.days, today, provider)];
    return { requests: now.requests - was.requests, inputTokens: now.inputTokens - was.inputTokens, outputTokens: now.outputTokens - was.outputTokens };
  };
  // At least ours (other tests may use the realm meanwhile).
  expect(grew('openai').requests).toBeGreaterThanOrEqual(3);
  expect(grew('openai').inputTokens).toBeGreaterThanOrEqual(120);
  expect(grew('anthropic').requests).toBeGreaterThanOrEqual(2);
  expect(grew('anthropic').outputTokens).toBeGreaterThanOrEqual(9);
  // Platform keys: the serving instance's memory only.
  expect(realm.usage.system).toEqual([]);
  expect((await adminStats(service.app)).usage.system).toEqual([{ date: today, provider: 'xai', requests: 1, inputTokens: 11, outputTokens: 12 }]);
  expect(JSON.stringify(await adminStats(service.app))).not.toContain('xai-platform-key');
});

test("usage flushes (serves and tokens) while an admin flips enabled and requiredActions: every admin change stands, and every count is written", async () => {
  const clock = createFakeClock(Date.now());
  const today = utcDate(clock.now());
  const service = createTestService({}, { clock });
  const user = await keyedUser(service.app);
  const key = await user.addKey('openai');
  const owner: OwnerRef = { kind: 'user', id: user.id };

  let flushes = 0;
  const writes = (async () => {
    for (let i = 0; i < 30; i += 1) {
      service.usage.record(owner, 'openai', key.id);
      service.usage.recordTokens(owner, 'openai', key.id, { inputTokens: 2, outputTokens: 1 });
      expect(await service.usage.flush()).toEqual({ owners: 1, failed: 0 });
      flushes += 1;
    }
  })();

  const reverted: string[] = [];
  let last = { enabled: true, requiredActions: [] as string[] };
  for (let flip = 0; flip < 6; flip += 1) {
    const state = { enabled: flip % 2 === 1, requiredActions: flip % 2 === 0 ? ['UPDATE_PASSWORD'] : [] };
    await (await masterAdmin()).users.update({ id: user.id }, state);
    last = state;
    const at = flushes;
    await until(() => flushes >= at + 2 || flushes === 30, 'flushes after the admin change', 30_000);
    const seen = await (await masterAdmin()).users.findOne({ id: user.id });
    if (seen?.enabled !== state.enabled || JSON.stringify(seen?.requiredActions) !== JSON.stringify(state.requiredActions)) {
      reverted.push(`change ${flip + 1}: admin set ${JSON.stringify(state)}, found ${JSON.stringify({ enabled: seen?.enabled, requiredActions: seen?.requiredActions })}`);
    }
  }
  await writes;
  expect(reverted).toEqual([]);
  const end = await (await masterAdmin()).users.findOne({ id: user.id });
  expect({ enabled: end?.enabled, requiredActions: end?.requiredActions }).toEqual(last);
  expect(end?.email).toBe(`${user.username}@example.com`);
  expect(end?.attributes?.byok_openai_daily).toEqual([`${key.id}:${today}:30:60:30`]);
});
