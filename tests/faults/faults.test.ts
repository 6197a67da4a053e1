/**
 * Fault injection (docs/resolution.md, docs/scale-out.md): three real service processes (node dist/main.js) on loopback
 * share a redis-server of this suite's own and a Keycloak of its own (scripts/test-faults.sh starts
 * the "faults" instance, H2 file data, so a real stop and start keep the realm). Requests are spread
 * over the three in turn. Each scenario counts its requests, its failures (a status it must not
 * give) and the keys it lost (acknowledged with 201 but not in Keycloak, read straight through the
 * admin API), and asserts the property it is named for. After the last scenario the table is printed
 * and written to .data/faults/latest.json.
 */
import { createTestUser, clientToken, userToken } from '../support/keycloak.js';
import { INTERNAL_CLIENT, KEYCLOAK_URL } from '../support/env.js';
import { keycloakScript } from '../support/keycloak-process.js';
import { inBatches } from '../support/scratch-realm.js';
import { testApiKey } from '../support/secrets.js';
import { until } from '../support/wait.js';
import {
  lostKeys,
  loop,
  redisUpEverywhere,
  renderTable,
  startCluster,
  storedByokAttributes,
  storedKeyIds,
  writeReport,
  type Cluster,
  type Reply,
  type ScenarioRow,
} from './cluster.js';

const INSTANCES = 3;
let cluster: Cluster;
const rows: ScenarioRow[] = [];

beforeAll(async () => {
  // LOCK_WAIT_SECONDS: 60 writers of one owner queue for its lock one after the other on 2 cores.
  // KEYCLOAK_TIMEOUT_MS: a stopped Keycloak refuses connections at once; a starting one may hang.
  cluster = await startCluster(INSTANCES, { LOCK_WAIT_SECONDS: '60', KEYCLOAK_TIMEOUT_MS: '3000' });
  await until(() => redisUpEverywhere(cluster), 'every instance to connect to Redis', 10_000);
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  const table = renderTable(rows);
  const file = writeReport(rows, { instances: INSTANCES, keycloak: KEYCLOAK_URL });
  process.stdout.write(`\nfault injection: ${INSTANCES} instances, one Redis, Keycloak at ${KEYCLOAK_URL}\n\n${table}\n\nwritten: ${file}\n`);
}, 60_000);

/** Records the scenario's row (before its assertions run, so a failing scenario is in the table too). */
function record(row: Omit<ScenarioRow, 'result'>, pass: boolean): void {
  rows.push({ ...row, result: pass ? 'PASS' : 'FAIL' });
}

async function starterUser() {
  const user = await createTestUser({ tier: 'starter' });
  return { ...user, token: await userToken(user) };
}

const add = (provider: string, token: string) => cluster.next('POST', '/byok/keys/add', token, { provider, apiKey: testApiKey(provider) });
const resolveOn = (index: number, token: string, userId: string, provider = 'openai') => cluster.call(index, 'POST', '/internal/resolve', token, { userId, provider });

/** Adds `count` openai keys one by one (setup, through the first instance) and returns their ids. */
async function keysFor(user: { token: string }, count: number, provider = 'openai'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const reply = await cluster.call(0, 'POST', '/byok/keys/add', user.token, { provider, apiKey: testApiKey(provider) });
    if (reply.status !== 201) throw new Error(`setup add failed: ${reply.outcome}`);
    ids.push(reply.body.id as string);
  }
  return ids;
}

/** 0, 1, …, count - 1: request i goes to instance i mod 3. */
const indices = (count: number) => Array.from({ length: count }, (_, i) => i);

const tally = (ids: readonly string[], served: readonly (string | undefined)[]) => ids.map((id) => served.filter((s) => s === id).length);

/**
 * Resolves one after the other, in turn over the instances: with one shared cursor each serves the
 * key after the one before (in creation order). Counts alone cannot show that: with a cursor per
 * instance and requests spread evenly, every key is still served about equally often.
 */
async function turnOrder(ids: readonly string[], token: string, userId: string, count: number): Promise<{ replies: Reply[]; inTurn: boolean }> {
  const replies: Reply[] = [];
  for (let i = 0; i < count; i += 1) replies.push(await resolveOn(i, token, userId));
  const served = replies.map((r) => r.body.keyId as string);
  const inTurn = served.every((id, i) => ids.includes(id) && (i === 0 || id === ids[(ids.indexOf(served[i - 1] as string) + 1) % ids.length]));
  return { replies, inTurn };
}

describe('three instances sharing Redis and Keycloak', () => {
  test('the per-owner lock holds across instances: 60 concurrent adds for one user, limit 10 → exactly 10 stored, none lost', async () => {
    const user = await starterUser();
    const replies = await Promise.all(Array.from({ length: 60 }, () => add('mistral', user.token)));
    const created = replies.filter((r) => r.status === 201).map((r) => ({ provider: 'mistral', id: r.body.id as string }));
    const unexpected = replies.filter((r) => r.status !== 201 && r.outcome !== '409 KEY_LIMIT_REACHED').map((r) => r.outcome);
    const stored = await storedKeyIds(user.id, 'mistral');
    const lost = await lostKeys(user.id, created);
    const pass = created.length === 10 && stored.length === 10 && unexpected.length === 0 && lost.length === 0;
    record({ scenario: '60 concurrent adds, limit 10', requests: replies.length, failures: unexpected.length, keysLost: lost.length, notes: `${created.length} x 201, ${stored.length} stored` }, pass);
    expect(unexpected).toEqual([]);
    expect(created).toHaveLength(10);
    expect(stored.sort()).toEqual(created.map((c) => c.id).sort());
    expect(lost).toEqual([]);
  });

  test('concurrent adds of one user across providers lose nothing: 20 adds over 10 providers, all stored', async () => {
    const user = await starterUser();
    const providers = ['openai', 'anthropic', 'google', 'groq', 'mistral', 'openrouter', 'xai', 'perplexity', 'huggingface', 'deepseek'];
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => providers[i % providers.length] as string).map(async (provider) => ({ provider, reply: await add(provider, user.token) })));
    const created = replies.filter(({ reply }) => reply.status === 201).map(({ provider, reply }) => ({ provider, id: reply.body.id as string }));
    const unexpected = replies.filter(({ reply }) => reply.status !== 201).map(({ provider, reply }) => `${provider}: ${reply.outcome}`);
    const lost = await lostKeys(user.id, created);
    const pass = created.length === 20 && unexpected.length === 0 && lost.length === 0;
    record({ scenario: '20 concurrent adds, 10 providers', requests: replies.length, failures: unexpected.length, keysLost: lost.length, notes: `${created.length} x 201` }, pass);
    expect(unexpected).toEqual([]);
    expect(created).toHaveLength(20);
    expect(lost).toEqual([]);
  });

  test('round-robin is one across instances: 3,000 resolves over three instances serve each of 3 keys 1,000 ± 3 times', async () => {
    const user = await starterUser();
    const ids = await keysFor(user, 3);
    const token = await clientToken(INTERNAL_CLIENT);
    const replies = await inBatches(indices(3000), 24, (i) => resolveOn(i, token, user.id));
    const failures = replies.filter((r) => r.status !== 200).map((r) => r.outcome);
    const counts = tally(ids, replies.map((r) => r.body.keyId as string | undefined));
    const turns = await turnOrder(ids, token, user.id, 30);
    const lost = await lostKeys(user.id, ids.map((id) => ({ provider: 'openai', id })));
    const pass = failures.length === 0 && counts.every((n) => Math.abs(n - 1000) <= 3) && turns.inTurn && lost.length === 0;
    record(
      {
        scenario: '3,000 resolves, 3 keys',
        requests: replies.length + turns.replies.length,
        failures: failures.length + (turns.inTurn ? 0 : 1),
        keysLost: lost.length,
        notes: `served ${counts.join(' / ')}; 30 more one by one over the instances ${turns.inTurn ? 'in one turn order' : 'NOT in one turn order'}`,
      },
      pass,
    );
    expect(failures).toEqual([]);
    for (const n of counts) expect(Math.abs(n - 1000)).toBeLessThanOrEqual(3);
    expect(turns.inTurn).toBe(true);
    expect(lost).toEqual([]);
  });

  test('a key deleted through one instance is no longer served by the others within one second', async () => {
    const user = await starterUser();
    const [gone, kept] = (await keysFor(user, 2)) as [string, string];
    const token = await clientToken(INTERNAL_CLIENT);
    // Every instance has the user cached with both keys, and serves both.
    const warm = await inBatches(indices(12), 3, (i) => resolveOn(i, token, user.id));
    expect(new Set(warm.map((r) => r.body.keyId))).toEqual(new Set([gone, kept]));
    let requests = warm.length + 1;
    const deleted = await cluster.call(0, 'DELETE', `/byok/keys/openai/${gone}`, user.token);
    expect(deleted.status).toBe(204);
    const deletedAt = Date.now();
    // The others stop serving it once three resolves in a row on each of them give only the kept key.
    const unexpected: string[] = [];
    const elapsed = await until(async () => {
      const replies = await Promise.all([1, 2].flatMap((index) => [0, 1, 2].map(() => resolveOn(index, token, user.id))));
      requests += replies.length;
      unexpected.push(...replies.filter((r) => r.status !== 200).map((r) => r.outcome));
      return replies.every((r) => r.body.keyId === kept);
    }, 'the other instances to drop the deleted key', 5000).then(
      () => Date.now() - deletedAt,
      () => Date.now() - deletedAt,
    );
    // And afterwards it never comes back.
    const after = await inBatches(indices(60), 6, (i) => resolveOn(i, token, user.id));
    requests += after.length;
    const servedAfter = after.filter((r) => r.body.keyId === gone).length;
    unexpected.push(...after.filter((r) => r.status !== 200).map((r) => r.outcome));
    const lost = await lostKeys(user.id, [{ provider: 'openai', id: kept }]);
    const pass = elapsed < 1000 && servedAfter === 0 && unexpected.length === 0 && lost.length === 0;
    record({ scenario: 'delete seen by the others', requests, failures: unexpected.length + servedAfter, keysLost: lost.length, notes: `gone from the others after ${elapsed} ms` }, pass);
    expect(elapsed).toBeLessThan(1000);
    expect(servedAfter).toBe(0);
    expect(unexpected).toEqual([]);
    expect(await storedKeyIds(user.id, 'openai')).toEqual([kept]);
  });

  test(
    'Keycloak stopped and restarted under load: cached resolves keep succeeding, writes get 503 with Retry-After and write nothing, all recover without restarting the instances',
    async () => {
      const cached = await starterUser();
      const cachedIds = await keysFor(cached, 2);
      const writer = await starterUser();
      const [writerKey] = (await keysFor(writer, 1)) as [string];
      const token = await clientToken(INTERNAL_CLIENT);
      // Every instance has the cached user in its owner cache.
      for (let i = 0; i < INSTANCES * 2; i += 1) expect((await resolveOn(i, token, cached.id)).status).toBe(200);
      const before = await storedByokAttributes(writer.id);

      const load = loop(3, 10, (i) => resolveOn(i, token, cached.id));
      const refused: Reply[] = [];
      let restartSeconds = 0;
      try {
        await keycloakScript('stop', 'faults');
        // Really gone: nothing listens on its port.
        await expect(fetch(`${KEYCLOAK_URL}/realms/byok`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
        // Keycloak is down (its JVM has exited): every kind of write, on every instance, is refused.
        for (let i = 0; i < INSTANCES; i += 1) {
          refused.push(await cluster.call(i, 'POST', '/byok/keys/add', writer.token, { provider: 'openai', apiKey: testApiKey('openai') }));
          refused.push(await cluster.call(i, 'PATCH', `/byok/keys/openai/${writerKey}`, writer.token, { label: `renamed on ${i}`, apiKey: testApiKey('openai') }));
          refused.push(await cluster.call(i, 'DELETE', `/byok/keys/openai/${writerKey}`, writer.token));
        }
        const started = Date.now();
        await keycloakScript('start', 'faults');
        restartSeconds = Math.round((Date.now() - started) / 1000);
      } finally {
        await load.stop();
      }
      const resolves = load.results;
      const resolveFailures = resolves.filter((r) => r.status !== 200 || !cachedIds.includes(r.body.keyId as string)).map((r) => r.outcome);
      const badRefusals = refused.filter((r) => r.outcome !== '503 KEYCLOAK_UNAVAILABLE' || !(Number(r.retryAfter) > 0)).map((r) => `${r.outcome} retry-after=${r.retryAfter}`);
      const untouched = JSON.stringify(await storedByokAttributes(writer.id)) === JSON.stringify(before);

      // Back, with the same three processes: a write through each instance goes through (after at
      // most a short reconnection, which counts as failures), and resolves of the writer work again.
      const recovered: Array<{ provider: string; id: string }> = [];
      const recoveryFailures: string[] = [];
      let recoveryRequests = 0;
      for (let i = 0; i < INSTANCES; i += 1) {
        await until(async () => {
          recoveryRequests += 1;
          const reply = await cluster.call(i, 'POST', '/byok/keys/add', writer.token, { provider: 'openai', apiKey: testApiKey('openai') });
          if (reply.status === 201) recovered.push({ provider: 'openai', id: reply.body.id as string });
          else recoveryFailures.push(reply.outcome);
          return reply.status === 201;
        }, `a write through instance ${i + 1} after the restart`, 30_000).catch(() => undefined);
      }
      const writerResolves = await inBatches(indices(INSTANCES * 2), 3, (i) => resolveOn(i, token, writer.id));
      const writerResolveFailures = writerResolves.filter((r) => r.status !== 200).map((r) => r.outcome);
      const lost = await lostKeys(writer.id, [{ provider: 'openai', id: writerKey }, ...recovered]);
      const lostCached = await lostKeys(cached.id, cachedIds.map((id) => ({ provider: 'openai', id })));

      const failures = resolveFailures.length + badRefusals.length + recoveryFailures.length + writerResolveFailures.length + (untouched ? 0 : 1);
      const pass = failures === 0 && recovered.length === INSTANCES && lost.length + lostCached.length === 0;
      record(
        {
          scenario: 'Keycloak stopped and restarted',
          requests: resolves.length + refused.length + recoveryRequests + writerResolves.length,
          failures,
          keysLost: lost.length + lostCached.length,
          notes: `${resolves.length} resolves while Keycloak was stopped and started again (start took ${restartSeconds} s), ${refused.length} writes refused with 503, ${recovered.length}/${INSTANCES} writes after`,
        },
        pass,
      );
      expect(resolveFailures).toEqual([]);
      expect(resolves.length).toBeGreaterThan(0);
      expect(badRefusals).toEqual([]);
      expect(untouched).toBe(true);
      expect(recoveryFailures).toEqual([]);
      expect(recovered).toHaveLength(INSTANCES);
      expect(writerResolveFailures).toEqual([]);
      expect([...lost, ...lostCached]).toEqual([]);
    },
    240_000,
  );

  test(
    'Redis stopped and restarted under load: no 5xx on resolves; afterwards round-robin is exact again and the shared lock holds',
    async () => {
      const user = await starterUser();
      const ids = await keysFor(user, 3);
      const token = await clientToken(INTERNAL_CLIENT);
      const load = loop(3, 10, (i) => resolveOn(i, token, user.id));
      const refused: Reply[] = [];
      try {
        await new Promise((resolve) => setTimeout(resolve, 500));
        await cluster.redis.stop();
        await until(async () => !(await redisUpEverywhere(cluster)), 'every instance to notice Redis is gone', 10_000);
        // Writes are refused while there is no shared lock (docs/scale-out.md).
        for (let i = 0; i < INSTANCES; i += 1) refused.push(await cluster.call(i, 'POST', '/byok/keys/add', user.token, { provider: 'openai', apiKey: testApiKey('openai') }));
        await new Promise((resolve) => setTimeout(resolve, 2000));
      } finally {
        await cluster.redis.start();
      }
      await until(() => redisUpEverywhere(cluster), 'every instance to rejoin Redis', 20_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const resolves = await load.stop();
      const resolve5xx = resolves.filter((r) => r.status >= 500).map((r) => r.outcome);
      const resolveOther = resolves.filter((r) => r.status !== 200 && r.status < 500).map((r) => r.outcome);
      const badRefusals = refused.filter((r) => r.outcome !== '503 REDIS_UNAVAILABLE' || !(Number(r.retryAfter) > 0)).map((r) => r.outcome);
      const untouched = (await storedKeyIds(user.id, 'openai')).sort().join() === [...ids].sort().join();

      // Cursors: one shared turn order again, exactly.
      const after = await inBatches(indices(300), 12, (i) => resolveOn(i, token, user.id));
      const afterFailures = after.filter((r) => r.status !== 200).map((r) => r.outcome);
      const counts = tally(ids, after.map((r) => r.body.keyId as string | undefined));
      const turns = await turnOrder(ids, token, user.id, 30);
      // Locks: 30 concurrent adds over the three instances for a fresh user, limit 10.
      const adder = await starterUser();
      const adds = await Promise.all(Array.from({ length: 30 }, () => add('groq', adder.token)));
      const created = adds.filter((r) => r.status === 201).map((r) => ({ provider: 'groq', id: r.body.id as string }));
      const addFailures = adds.filter((r) => r.status !== 201 && r.outcome !== '409 KEY_LIMIT_REACHED').map((r) => r.outcome);
      const stored = await storedKeyIds(adder.id, 'groq');
      const lost = [...(await lostKeys(adder.id, created)), ...(await lostKeys(user.id, ids.map((id) => ({ provider: 'openai', id }))))];

      const failures = resolve5xx.length + resolveOther.length + badRefusals.length + afterFailures.length + addFailures.length + (untouched ? 0 : 1);
      const exact = counts.every((n) => n === 100) && turns.inTurn;
      const pass = failures === 0 && exact && created.length === 10 && stored.length === 10 && lost.length === 0;
      record(
        {
          scenario: 'Redis stopped and restarted',
          requests: resolves.length + refused.length + after.length + turns.replies.length + adds.length,
          failures,
          keysLost: lost.length,
          notes: `${resolves.length} resolves across the outage, ${refused.length} writes refused with 503; after: served ${counts.join(' / ')}${turns.inTurn ? ' and in one turn order' : ', NOT in one turn order'}, ${created.length}/30 adds stored (limit 10)`,
        },
        pass,
      );
      expect(resolve5xx).toEqual([]);
      expect(resolveOther).toEqual([]);
      expect(badRefusals).toEqual([]);
      expect(untouched).toBe(true);
      expect(afterFailures).toEqual([]);
      expect(counts).toEqual([100, 100, 100]);
      expect(turns.inTurn).toBe(true);
      expect(addFailures).toEqual([]);
      expect(created).toHaveLength(10);
      expect(stored.sort()).toEqual(created.map((c) => c.id).sort());
      expect(lost).toEqual([]);
    },
    120_000,
  );
});
