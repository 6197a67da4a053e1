/**
 * Usage (docs/resolution.md#caching-and-usage): counted in memory with the clock's time, written per owner in batches, a failed
 * batch kept for the next flush (nothing lost, nothing counted twice), flushes one after another.
 */
import type { ProviderId } from '../../src/providers/registry.js';
import type { OwnerRef } from '../../src/vault/ports.js';
import { createUsageTracker, type UsageBatch } from '../../src/vault/usage-tracker.js';
import { createFakeClock } from '../support/clock.js';

const alice: OwnerRef = { kind: 'user', id: 'alice' };
const team: OwnerRef = { kind: 'group', id: 'team' };

function tracker(write: (owner: OwnerRef, usage: UsageBatch) => Promise<void>) {
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
});
