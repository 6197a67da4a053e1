/**
 * A supervised worker waits for its own readiness before it takes connections
 * (src/deploy/cluster-worker.ts): it returns only on a ready report, tells the supervisor each new
 * reason once (not every second), and counts a check that throws as not ready rather than as ready.
 */
import { untilReady } from '../../src/deploy/cluster-worker.js';
import type { ReadinessReport } from '../../src/keycloak/readiness.js';

const notReady = (reason: string): ReadinessReport => ({ ready: false, reason, checks: [] });
const ready: ReadinessReport = { ready: true, reason: undefined, checks: [] };

/** A check that answers `reports` in order (a function entry throws). */
function scripted(reports: Array<ReadinessReport | (() => never)>) {
  let calls = 0;
  return {
    check: async () => {
      const next = reports[Math.min(calls, reports.length - 1)];
      calls += 1;
      if (typeof next === 'function') next();
      return next as ReadinessReport;
    },
    calls: () => calls,
  };
}

test('returns on the first ready report, after reporting each distinct reason once', async () => {
  const script = scripted([notReady('Keycloak unreachable'), notReady('Keycloak unreachable'), notReady('KEK version 1 has other bytes'), ready]);
  const reasons: string[] = [];
  const waits: number[] = [];
  await untilReady(script.check, { intervalMs: 1000, notReady: (reason) => reasons.push(reason), wait: async (ms) => waits.push(ms) });
  expect(script.calls()).toBe(4);
  expect(reasons).toEqual(['Keycloak unreachable', 'KEK version 1 has other bytes']);
  expect(waits).toEqual([1000, 1000, 1000]);
});

test('a check that throws is not ready, and the wait goes on', async () => {
  const script = scripted([
    () => {
      throw new Error('socket hang up');
    },
    ready,
  ]);
  const reasons: string[] = [];
  await untilReady(script.check, { intervalMs: 5, notReady: (reason) => reasons.push(reason), wait: async () => undefined });
  expect(reasons).toEqual(['readiness check failed: socket hang up']);
  expect(script.calls()).toBe(2);
});

test('never returns while the reports say not ready', async () => {
  const script = scripted([notReady('user profile policy is ENABLED')]);
  let waits = 0;
  let over = false;
  let twentyWaits: () => void = () => undefined;
  const afterTwentyWaits = new Promise<string>((resolve) => (twentyWaits = () => resolve('still waiting')));
  const waiting = untilReady(script.check, {
    intervalMs: 1,
    notReady: () => undefined,
    // Counted, not timed (a loaded machine can stall a timer past any bound): after 20 waits the race
    // below ends; a rejection ends the loop once the test is over.
    wait: async () => {
      if (over) throw new Error('test over');
      waits += 1;
      if (waits === 20) twentyWaits();
      await new Promise((resolve) => setImmediate(resolve));
    },
  }).then(
    () => 'returned',
    () => 'ended by the test',
  );
  const outcome = await Promise.race([waiting, afterTwentyWaits]);
  over = true;
  expect(outcome).toBe('still waiting');
  expect(script.calls()).toBeGreaterThanOrEqual(20);
  expect(await waiting).toBe('ended by the test');
});
