/**
 * The readiness cache of /readyz (routes/health.ts): one check in flight however many callers, its
 * report reused for the window counted from when it finished, a failed check not kept.
 */
import { cachedReadiness } from '../../src/http/routes/health.js';
import type { ReadinessReport } from '../../src/keycloak/readiness.js';

const report = (ready: boolean): ReadinessReport => ({ ready, reason: ready ? undefined : 'down', checks: [] });

function countingReadiness(answers: Array<ReadinessReport | Error>) {
  let calls = 0;
  const pending: Array<() => void> = [];
  return {
    get calls() {
      return calls;
    },
    /** Lets the oldest running check finish. */
    finish: () => pending.shift()?.(),
    check: () => {
      const answer = answers[Math.min(calls, answers.length - 1)] as ReadinessReport | Error;
      calls += 1;
      return new Promise<ReadinessReport>((resolve, reject) => pending.push(() => (answer instanceof Error ? reject(answer) : resolve(answer))));
    },
  };
}

describe('cachedReadiness', () => {
  test('callers during a check share it; the report is reused until the window has passed since it finished', async () => {
    let now = 1_000;
    const readiness = countingReadiness([report(true), report(false)]);
    const cached = cachedReadiness(readiness, 5_000, () => now);
    const waiting = Array.from({ length: 50 }, () => cached.check());
    expect(readiness.calls).toBe(1);
    now += 10_000; // a slow check: the window starts when it finishes
    readiness.finish();
    expect(new Set(await Promise.all(waiting)).size).toBe(1);
    now += 4_999;
    expect((await cached.check()).ready).toBe(true);
    expect(readiness.calls).toBe(1);
    now += 1;
    const next = cached.check();
    readiness.finish();
    expect((await next).ready).toBe(false);
    expect(readiness.calls).toBe(2);
  });

  test('a check that throws is not kept: the next caller checks again', async () => {
    const readiness = countingReadiness([new Error('boom'), report(true)]);
    const cached = cachedReadiness(readiness, 5_000, () => 0);
    const failing = cached.check();
    readiness.finish();
    await expect(failing).rejects.toThrow('boom');
    const next = cached.check();
    readiness.finish();
    expect((await next).ready).toBe(true);
    expect(readiness.calls).toBe(2);
  });
});
