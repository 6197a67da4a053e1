/**
 * Usage (docs/resolution.md#caching-and-usage): counted in memory with the clock's time, written per owner in batches, a failed
 * batch kept for the next flush (nothing lost, nothing counted twice), flushes one after another.
 */
import type { ProviderId } from '../../src/providers/registry.js';
import type { OwnerRef } from '../../src/vault/ports.js';
import { createUsageTracker, type DailyBatch, type UsageBatch } from '../../src/vault/usage-tracker.js';
import { createFakeClock } from '../support/clock.js';

const alice: OwnerRef = { kind: 'user', id: 'alice' };
const team: OwnerRef = { kind: 'group', id: 'team' };

function tracker(write: (owner: OwnerRef, usage: UsageBatch, daily: DailyBatch) => Promise<void>) {
  const clock = createFakeClock();
  const warnings: Array<Record<string, unknown>> = [];
  const usage = createUsageTracker({ write, clock, log: { warn: (fields) => void warnings.push(fields) }, daysKept: 30 });
  return { usage, clock, warnings };
}

const flat = (batch: UsageBatch | undefined) =>
  batch && Object.fromEntries([...batch].flatMap(([provider, byKey]: [ProviderId, Map<string, unknown>]) => [...byKey].map(([keyId, used]) => [`${provider}/${keyId}`, used])));

describe('usage tracker', () => {
  test('serves are counted per owner and key with the time of the last one, until flushed', async () => {
    const written: Array<[OwnerRef, ReturnType<typeof flat>]> = [];
    const { usage, clock } = tracker(async (owner, batch) => void written.push([owner, flat(batch)]));
    usage.record(alice, 'openai', 'k1');
    clock.advance(2_000);
    usage.record(alice, 'openai', 'k1');
    usage.record(alice, 'anthropic', 'k2');
    usage.record(team, 'openai', 'k3');
    expect(flat(usage.pending(alice))).toEqual({ 'openai/k1': { uses: 2, lastUsedAt: clock.now() }, 'anthropic/k2': { uses: 1, lastUsedAt: clock.now() } });
    expect(await usage.flush()).toEqual({ owners: 2, failed: 0 });
    expect(written).toEqual([
      [alice, { 'openai/k1': { uses: 2, lastUsedAt: clock.now() }, 'anthropic/k2': { uses: 1, lastUsedAt: clock.now() } }],
      [team, { 'openai/k3': { uses: 1, lastUsedAt: clock.now() } }],
    ]);
    expect(usage.pending(alice)).toBeUndefined();
    expect(await usage.flush()).toEqual({ owners: 0, failed: 0 });
  });

  test('a batch that cannot be written is kept, merged with later serves, and written by the next flush', async () => {
    let down = true;
    const written: Array<ReturnType<typeof flat>> = [];
    const { usage, clock, warnings } = tracker(async (_owner, batch) => {
      if (down) throw new Error('Keycloak unavailable');
      written.push(flat(batch));
    });
    usage.record(alice, 'openai', 'k1');
    expect(await usage.flush()).toEqual({ owners: 1, failed: 1 });
    expect(warnings).toHaveLength(1);
    clock.advance(1_000);
    usage.record(alice, 'openai', 'k1');
    down = false;
    await usage.flush();
    expect(written).toEqual([{ 'openai/k1': { uses: 2, lastUsedAt: clock.now() } }]);
  });

  test('concurrent flushes run one after another, so no batch is written twice', async () => {
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
    await Promise.all([first, usage.flush(), usage.flush()]);
    expect([overlapped, writes]).toEqual([false, 2]);
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
      expect(days(usage.pendingDaily(alice))).toEqual({
        'openai/k1': { '2026-01-01': { requests: 1, inputTokens: 10, outputTokens: 20 }, '2026-01-02': { requests: 2, inputTokens: 1, outputTokens: 2 } },
      });
      await usage.flush();
      expect(written).toEqual([days(new Map([['openai', new Map([['k1', new Map(Object.entries({
        '2026-01-01': { requests: 1, inputTokens: 10, outputTokens: 20 },
        '2026-01-02': { requests: 2, inputTokens: 1, outputTokens: 2 },
      }))]])]]))]);
      expect(usage.pendingDaily(alice)).toBeUndefined();
    });

    test('tokens are not a serve: they change neither uses nor last use; figures that are not whole non-negative numbers count as 0', () => {
      const { usage } = tracker(async () => undefined);
      usage.recordTokens(team, 'anthropic', 'k2', { inputTokens: 5.4, outputTokens: -3 });
      usage.recordTokens(team, 'anthropic', 'k2', { inputTokens: Number.NaN, outputTokens: Number.POSITIVE_INFINITY });
      usage.recordTokens(team, 'anthropic', 'k2', { inputTokens: 0, outputTokens: 0 });
      expect(flat(usage.pending(team))).toEqual({});
      expect(days(usage.pendingDaily(team))).toEqual({ 'anthropic/k2': { '2026-01-01': { requests: 0, inputTokens: 5, outputTokens: 0 } } });
    });

    test('a failed write keeps the daily figures and adds later ones to them for the next flush', async () => {
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
      await usage.flush();
      expect(written).toEqual([{ 'openai/k1': { '2026-01-01': { requests: 2, inputTokens: 3, outputTokens: 4 } } }]);
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
      expect(usage.pending(alice)).toBeUndefined();
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
