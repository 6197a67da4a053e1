/**
 * Usage without Redis (docs/resolution.md#caching-and-usage): counted in memory with the clock's
 * time, written per owner at most once per persist interval, each batch with an id; a failed batch is
 * retried with its id one flush interval later (nothing lost), a retry whose write went through is not
 * added twice, `flush` and `stop` write everything, and writes never overlap. With Redis:
 * tests/integration/usage-persist.test.ts.
 */
import type { ProviderId } from '../../src/providers/registry.js';
import { createInProcessLocks } from '../../src/vault/in-process-locks.js';
import { createUsageWriter } from '../../src/vault/key-service.js';
import type { OwnerRef } from '../../src/vault/ports.js';
import { createUsageTracker, type DailyBatch, type UsageBatch } from '../../src/vault/usage-tracker.js';
import { createFakeClock } from '../support/clock.js';
import { createInMemoryStore } from '../support/in-memory-store.js';

const alice: OwnerRef = { kind: 'user', id: 'alice' };
const team: OwnerRef = { kind: 'group', id: 'team' };
const HOUR = 3_600_000;
const MINUTE = 60_000;

type Write = (owner: OwnerRef, usage: UsageBatch, daily: DailyBatch, batchId: string) => Promise<unknown>;

function tracker(write: Write) {
  const clock = createFakeClock();
  const warnings: Array<Record<string, unknown>> = [];
  const usage = createUsageTracker({ write, clock, log: { warn: (fields) => void warnings.push(fields) }, daysKept: 30, persistIntervalMs: HOUR, flushIntervalMs: MINUTE });
  return { usage, clock, warnings };
}

const flat = (batch: UsageBatch | undefined) =>
  batch && Object.fromEntries([...batch].flatMap(([provider, byKey]: [ProviderId, Map<string, unknown>]) => [...byKey].map(([keyId, used]) => [`${provider}/${keyId}`, used])));

describe('usage tracker', () => {
  test('serves are counted per owner and key with the time of the last one, until written', async () => {
    const written: Array<[OwnerRef, ReturnType<typeof flat>]> = [];
    const { usage, clock } = tracker(async (owner, batch) => void written.push([owner, flat(batch)]));
    usage.record(alice, 'openai', 'k1');
    clock.advance(2_000);
    usage.record(alice, 'openai', 'k1');
    usage.record(alice, 'anthropic', 'k2');
    usage.record(team, 'openai', 'k3');
    expect(flat((await usage.unpersisted(alice))?.usage)).toEqual({ 'openai/k1': { uses: 2, lastUsedAt: clock.now() }, 'anthropic/k2': { uses: 1, lastUsedAt: clock.now() } });
    expect(await usage.flush()).toEqual({ owners: 2, failed: 0 });
    expect(written).toEqual([
      [alice, { 'openai/k1': { uses: 2, lastUsedAt: clock.now() }, 'anthropic/k2': { uses: 1, lastUsedAt: clock.now() } }],
      [team, { 'openai/k3': { uses: 1, lastUsedAt: clock.now() } }],
    ]);
    expect(await usage.unpersisted(alice)).toBeUndefined();
    expect(await usage.flush()).toEqual({ owners: 0, failed: 0 });
  });

  test('an owner is written at most once per persist interval, however many ticks and serves (3 writes in 3 hours of serves every minute)', async () => {
    const writes: number[] = [];
    let serves = 0;
    let written = 0;
    const { usage, clock } = tracker(async (_owner, batch) => {
      writes.push(clock.now());
      written += batch.get('openai')?.get('k1')?.uses ?? 0;
    });
    const start = clock.now();
    for (let minute = 0; minute < 180; minute += 1) {
      usage.record(alice, 'openai', 'k1');
      serves += 1;
      clock.advance(MINUTE);
      await usage.tick();
    }
    expect(writes.length).toBe(3);
    expect(writes.every((at, i) => at - (i === 0 ? start : (writes[i - 1] as number)) >= HOUR)).toBe(true);
    // What is not written yet is still shown, and nothing is lost.
    expect(written + ((await usage.unpersisted(alice))?.usage.get('openai')?.get('k1')?.uses ?? 0)).toBe(serves);
  });

  test('a failed write keeps its batch, retried with the same id one flush interval later; later serves wait for their own batch', async () => {
    let down = true;
    const attempts: Array<{ id: string; uses: number }> = [];
    const stored: number[] = [];
    const { usage, clock, warnings } = tracker(async (_owner, batch, _daily, batchId) => {
      const uses = batch.get('openai')?.get('k1')?.uses ?? 0;
      attempts.push({ id: batchId, uses });
      if (down) throw new Error('Keycloak unavailable');
      stored.push(uses);
    });
    usage.record(alice, 'openai', 'k1');
    clock.advance(HOUR);
    expect(await usage.tick()).toEqual({ owners: 1, failed: 1 });
    expect(warnings).toHaveLength(1);
    usage.record(alice, 'openai', 'k1');
    usage.record(alice, 'openai', 'k1');
    expect((await usage.unpersisted(alice))?.usage.get('openai')?.get('k1')?.uses).toBe(3); // the views still show all
    down = false;
    clock.advance(MINUTE - 1);
    expect(await usage.tick()).toEqual({ owners: 0, failed: 0 }); // not yet: one flush interval after the failure
    clock.advance(1);
    expect(await usage.tick()).toEqual({ owners: 1, failed: 0 });
    expect(attempts.map((a) => a.uses)).toEqual([1, 1]);
    expect(attempts[1]?.id).toBe(attempts[0]?.id);
    clock.advance(HOUR);
    await usage.tick();
    expect(stored).toEqual([1, 2]);
    expect(new Set(attempts.map((a) => a.id)).size).toBe(2);
  });

  test('a retry of a batch whose write went through but whose answer was lost adds nothing twice (the stored batch id)', async () => {
    const memory = createInMemoryStore();
    memory.addOwner(alice, 'professional');
    memory.putSealed(alice, 'openai', [{ keyId: 'k1', envelope: 'sealed' }]);
    const writer = createUsageWriter({ store: memory.store, locks: createInProcessLocks(), clock: createFakeClock(), daysKept: 30 });
    let loseAnswers = 1;
    const { usage, clock } = tracker(async (owner, batch, daily, batchId) => {
      const outcome = await writer.recordUsage(owner, batch, daily, batchId);
      if (loseAnswers > 0) {
        loseAnswers -= 1;
        throw new Error('socket hang up'); // written, but the answer never came
      }
      return outcome;
    });
    for (let i = 0; i < 5; i += 1) usage.record(alice, 'openai', 'k1');
    expect(await usage.flush()).toEqual({ owners: 1, failed: 1 });
    usage.record(alice, 'openai', 'k1');
    clock.advance(MINUTE);
    await usage.flush();
    const stored = await memory.store.load(alice);
    expect(stored?.usage.get('openai')?.get('k1')?.uses).toBe(6);
    expect(stored?.daily.get('openai')?.get('k1')?.get('2026-01-01')?.requests).toBe(6);
    expect(memory.stats.saves).toBe(2); // the batch once, the later serve once; the retry wrote nothing
    expect(await usage.unpersisted(alice, stored?.usageBatch)).toBeUndefined();
  });

  test('the views leave out a batch set apart whose id the stored owner already carries (written, not yet settled)', async () => {
    let release: () => void = () => undefined;
    let batchId = '';
    const { usage, clock } = tracker((_owner, _usage, _daily, id) => {
      batchId = id;
      return new Promise<void>((resolve) => (release = resolve));
    });
    usage.record(alice, 'openai', 'k1');
    clock.advance(HOUR);
    const ticking = usage.tick();
    await new Promise((resolve) => setImmediate(resolve)); // the batch is set apart and being written
    usage.record(alice, 'openai', 'k1');
    const uses = async (storedBatch?: string) => (await usage.unpersisted(alice, storedBatch))?.usage.get('openai')?.get('k1')?.uses;
    expect(batchId).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(await uses()).toBe(2); // stored without the batch: both counted
    expect(await uses(batchId)).toBe(1); // stored with it: only the later serve
    release();
    await ticking;
    expect(await uses(batchId)).toBe(1);
  });

  test('concurrent ticks and flushes run one after another, so no batch is written twice', async () => {
    let running = 0;
    let overlapped = false;
    let writes = 0;
    const { usage } = tracker(async () => {
      running += 1;
      overlapped ||= running > 1;
      await new Promise((resolve) => setImmediate(resolve));
      writes += 1;
      running -= 1;
    });
    usage.record(alice, 'openai', 'k1');
    const first = usage.flush();
    usage.record(team, 'openai', 'k2');
    await Promise.all([first, usage.flush(), usage.flush(), usage.tick()]);
    expect([overlapped, writes]).toEqual([false, 2]);
  });

  test('stop writes everything held, due or not', async () => {
    const written: OwnerRef[] = [];
    const { usage } = tracker(async (owner) => void written.push(owner));
    usage.record(alice, 'openai', 'k1');
    usage.record(team, 'openai', 'k2');
    expect(await usage.tick()).toEqual({ owners: 0, failed: 0 }); // not due for an hour
    await usage.stop();
    expect(written).toEqual([alice, team]);
  });

  test('resolves are counted by source', () => {
    const { usage } = tracker(async () => undefined);
    usage.countSource('user');
    usage.countSource('system');
    usage.countSource('user');
    expect(usage.sources()).toEqual({ user: 2, group: 0, system: 1 });
  });

  describe('per key and UTC day', () => {
    const days = (batch: DailyBatch | ReadonlyMap<ProviderId, ReadonlyMap<string, ReadonlyMap<string, unknown>>> | undefined) =>
      batch && Object.fromEntries([...batch].flatMap(([provider, byKey]) => [...byKey].map(([keyId, byDay]) => [`${provider}/${keyId}`, Object.fromEntries(byDay)])));

    test('serves and tokens are counted on the UTC day they happen: crossing midnight starts a new day', async () => {
      const written: Array<ReturnType<typeof days>> = [];
      const { usage, clock } = tracker(async (_owner, _usage, daily) => void written.push(days(daily)));
      clock.advance(86_400_000 - 1_000); // 2026-01-01T23:59:59Z
      usage.record(alice, 'openai', 'k1');
      usage.recordTokens(alice, 'openai', 'k1', { inputTokens: 10, outputTokens: 20 });
      clock.advance(2_000); // 2026-01-02T00:00:01Z
      usage.record(alice, 'openai', 'k1');
      usage.record(alice, 'openai', 'k1');
      usage.recordTokens(alice, 'openai', 'k1', { inputTokens: 1, outputTokens: 2 });
      const expected = {
        'openai/k1': { '2026-01-01': { requests: 1, inputTokens: 10, outputTokens: 20 }, '2026-01-02': { requests: 2, inputTokens: 1, outputTokens: 2 } },
      };
      expect(days((await usage.unpersisted(alice))?.daily)).toEqual(expected);
      await usage.flush();
      expect(written).toEqual([expected]);
      expect(await usage.unpersisted(alice)).toBeUndefined();
    });

    test('tokens are not a serve: they change neither uses nor last use; figures that are not whole non-negative numbers count as 0', async () => {
      const { usage } = tracker(async () => undefined);
      usage.recordTokens(team, 'anthropic', 'k2', { inputTokens: 5.4, outputTokens: -3 });
      usage.recordTokens(team, 'anthropic', 'k2', { inputTokens: Number.NaN, outputTokens: Number.POSITIVE_INFINITY });
      usage.recordTokens(team, 'anthropic', 'k2', { inputTokens: 0, outputTokens: 0 });
      const pending = await usage.unpersisted(team);
      expect(flat(pending?.usage)).toEqual({});
      expect(days(pending?.daily)).toEqual({ 'anthropic/k2': { '2026-01-01': { requests: 0, inputTokens: 5, outputTokens: 0 } } });
    });

    test('a failed write keeps the daily figures; they and later ones are all written, none twice', async () => {
      let down = true;
      const written: Array<ReturnType<typeof days>> = [];
      const { usage } = tracker(async (_owner, _usage, daily) => {
        if (down) throw new Error('Keycloak unavailable');
        written.push(days(daily));
      });
      usage.record(alice, 'openai', 'k1');
      usage.recordTokens(alice, 'openai', 'k1', { inputTokens: 3, outputTokens: 4 });
      expect(await usage.flush()).toEqual({ owners: 1, failed: 1 });
      usage.record(alice, 'openai', 'k1');
      down = false;
      expect(await usage.flush()).toEqual({ owners: 2, failed: 0 });
      expect(written).toEqual([
        { 'openai/k1': { '2026-01-01': { requests: 1, inputTokens: 3, outputTokens: 4 } } },
        { 'openai/k1': { '2026-01-01': { requests: 1, inputTokens: 0, outputTokens: 0 } } },
      ]);
    });

    test('platform keys are counted in memory only (never written), within the window', async () => {
      const writes: OwnerRef[] = [];
      const { usage, clock } = tracker(async (owner) => void writes.push(owner));
      usage.record('system', 'openai', 'system-openai-1');
      usage.recordTokens('system', 'openai', 'system-openai-1', { inputTokens: 7, outputTokens: 8 });
      clock.advance(86_400_000);
      usage.record('system', 'openai', 'system-openai-1');
      expect(await usage.flush()).toEqual({ owners: 0, failed: 0 });
      expect(writes).toEqual([]);
      expect(await usage.unpersisted(alice)).toBeUndefined();
      expect(days(usage.systemDaily())).toEqual({
        'openai/system-openai-1': { '2026-01-01': { requests: 1, inputTokens: 7, outputTokens: 8 }, '2026-01-02': { requests: 1, inputTokens: 0, outputTokens: 0 } },
      });
      clock.advance(29 * 86_400_000); // 2026-01-31: the window (30 days) starts on 2026-01-02
      expect(days(usage.systemDaily())).toEqual({ 'openai/system-openai-1': { '2026-01-02': { requests: 1, inputTokens: 0, outputTokens: 0 } } });
      usage.record('system', 'openai', 'system-openai-1'); // a new day prunes the memory itself
      expect(days(usage.systemDaily())).toEqual({
        'openai/system-openai-1': { '2026-01-02': { requests: 1, inputTokens: 0, outputTokens: 0 }, '2026-01-31': { requests: 1, inputTokens: 0, outputTokens: 0 } },
      });
    });
  });
});
