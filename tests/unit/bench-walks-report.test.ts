/**
 * tests/bench/walks-report.ts: the realm-walk benchmark (issue 15) judges its targets on the largest
 * size's holder walk, by the median round, and prints every size side by side.
 */
import { median, timing, walksReport, walkTargets, type WalkResults, type WalkSize } from '../bench/walks-report.js';

function size(imported: number, holderMs: { stats: number[]; admin: number[] }): WalkSize {
  return {
    imported,
    realmUsers: imported + 5,
    holders: 100,
    importMs: 1000,
    addKeysMs: 500,
    indexHoldersMs: 2000,
    timings: [
      timing('byok stats', 'every-owner', [5000, 5100, 4900], imported + 6),
      timing('GET /admin/stats', 'every-owner', [4000, 4100, 3900], imported + 6),
      timing('byok stats', 'holders', holderMs.stats, 101),
      timing('GET /admin/stats', 'holders', holderMs.admin, 101),
    ],
  };
}

const results = (sizes: WalkSize[]): WalkResults => ({
  startedAt: '2026-12-01T00:00:00.000Z',
  machine: { cpus: 2, node: 'v24.22.3', loadAverage: [1, 1, 1] },
  settings: { sizes: sizes.map((s) => s.imported), holders: 100, rounds: 3 },
  cliStartMs: [300, 320, 310],
  sizes,
});

describe('realm walk benchmark report', () => {
  test('the median round counts (the lower of an even count)', () => {
    expect(median([900, 1500, 700])).toBe(900);
    expect(median([4, 1, 3, 2])).toBe(2);
    expect(() => median([])).toThrow();
  });

  test('targets are judged on the largest size, over the holders; a slow smaller size or a slow full walk does not matter', () => {
    const small = size(1000, { stats: [2000, 2000, 2000], admin: [50, 60, 70] });
    const large = size(10000, { stats: [700, 1200, 800], admin: [90, 80, 2000] });
    expect(walkTargets(results([large, small])).map((t) => [t.pass, t.value])).toEqual([
      [true, '800 ms'],
      [true, '90 ms'],
    ]);
    const slow = size(10000, { stats: [1100, 1200, 1300], admin: [90, 80, 70] });
    expect(walkTargets(results([small, slow])).map((t) => t.pass)).toEqual([false, true]);
  });

  test('prints both sizes side by side, before and after, with the owners visited and the targets', () => {
    const all = results([size(10000, { stats: [700, 800, 900], admin: [90, 80, 70] }), size(1000, { stats: [600, 600, 600], admin: [40, 40, 40] })]);
    const text = walksReport(all);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/1,000: every owner +1,000: holders +10,000: every owner +10,000: holders$/);
    expect(lines.find((line) => line.startsWith('byok stats'))).toMatch(/5000 +600 +5000 +800$/);
    expect(lines.find((line) => line.startsWith('owners visited'))).toMatch(/1006 +101 +10006 +101$/);
    expect(text).toContain('PASS  byok stats at 10,000 users, 100 holders, cold: <= 1000 ms: 800 ms');
    expect(all.targets).toHaveLength(2);
  });
});
