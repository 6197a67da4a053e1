/**
 * Usage per key and UTC day (docs/storage.md#key-records, `byok_<provider>_daily`): the values round-trip,
 * stray values are ignored without costing the others, figures add up (stored plus pending), days
 * older than the window and keys that no longer exist are dropped by the write, which keeps the
 * `_usage` figures as they were.
 */
import { formatDailyValues, parseDailyValues } from '../../src/keycloak/daily-usage-values.js';
import { mergeDaily, oldestKept, sumDays, utcDate, type DailyByKey, type DayFigures } from '../../src/vault/daily-usage.js';
import { createInProcessLocks } from '../../src/vault/in-process-locks.js';
import { createUsageWriter } from '../../src/vault/key-service.js';
import type { OwnerRef } from '../../src/vault/ports.js';
import type { DailyBatch } from '../../src/vault/usage-tracker.js';
import { createFakeClock } from '../support/clock.js';
import { createInMemoryStore } from '../support/in-memory-store.js';

const day = (requests: number, inputTokens = 0, outputTokens = 0): DayFigures => ({ requests, inputTokens, outputTokens });
const daily = (entries: Record<string, Record<string, DayFigures>>): Map<string, Map<string, DayFigures>> =>
  new Map(Object.entries(entries).map(([keyId, days]) => [keyId, new Map(Object.entries(days))]));
const plain = (byKey: DailyByKey | undefined) => byKey && Object.fromEntries([...byKey].map(([keyId, days]) => [keyId, Object.fromEntries(days)]));

describe('daily usage values', () => {
  test('round trip: what is formatted parses back to the same figures', () => {
    const figures = daily({ k_1: { '2026-01-30': day(3, 120, 45), '2026-01-31': day(1) }, 'k-2_x': { '2026-01-31': day(0, 7, 0) } });
    const values = formatDailyValues(figures);
    expect(values.sort()).toEqual(['k-2_x:2026-01-31:0:7:0', 'k_1:2026-01-30:3:120:45', 'k_1:2026-01-31:1:0:0']);
    expect(plain(parseDailyValues(values))).toEqual(plain(figures));
    // The longest value fits a group's 255-character values.
    expect(formatDailyValues(daily({ ['k'.repeat(64)]: { '2026-01-01': day(999_999_999_999, 999_999_999_999_999, 999_999_999_999_999) } }))[0]?.length).toBeLessThanOrEqual(120);
  });

  test('lenient: values of another shape or a day that does not exist are ignored, the others kept; one key and day twice adds up', () => {
    const parsed = parseDailyValues([
      'k1:2026-01-02:2:10:20',
      'k1:2026-01-02:1:1:1',
      'k1:2026-02-30:1:1:1', // no such day
      'k1:2026-1-2:1:1:1',
      'k1:2026-01-03:1:1', // a field missing
      'k1:2026-01-03:-1:1:1',
      'k1:2026-01-03:1:1:1:1',
      'k 1:2026-01-03:1:1:1',
      'k1:1767312000000:4', // a `_usage` value
      '',
      'k2:2026-01-04:0:0:3',
    ]);
    expect(plain(parsed)).toEqual({ k1: { '2026-01-02': day(3, 11, 21) }, k2: { '2026-01-04': day(0, 0, 3) } });
  });
});

describe('daily usage figures', () => {
  test('the window is today and the days before it, in UTC', () => {
    const at = Date.parse('2026-03-01T23:59:59.999Z');
    expect(utcDate(at)).toBe('2026-03-01');
    expect(utcDate(at + 1)).toBe('2026-03-02');
    expect(oldestKept(at, 1)).toBe('2026-03-01');
    expect(oldestKept(at, 30)).toBe('2026-01-31');
  });

  test('merge: stored plus pending add up per key and day; older days, empty days and keys not kept are left out', () => {
    const stored = daily({ k1: { '2026-01-01': day(5, 50, 5), '2026-01-02': day(1) }, gone: { '2026-01-02': day(9) } });
    const pending = daily({ k1: { '2026-01-02': day(2, 10, 20), '2026-01-03': day(0) }, k2: { '2026-01-03': day(0, 4, 4) } });
    const merged = mergeDaily(stored, pending, '2026-01-02', new Set(['k1', 'k2']));
    expect(plain(merged)).toEqual({ k1: { '2026-01-02': day(3, 10, 20) }, k2: { '2026-01-03': day(0, 4, 4) } });
    expect(sumDays(merged.values())).toEqual([
      { date: '2026-01-02', ...day(3, 10, 20) },
      { date: '2026-01-03', ...day(0, 4, 4) },
    ]);
  });
});

describe('usage writer', () => {
  const alice: OwnerRef = { kind: 'user', id: 'alice' };

  function setUp() {
    const memory = createInMemoryStore();
    memory.addOwner(alice, 'starter');
    memory.putSealed(alice, 'openai', [
      { keyId: 'k1', envelope: 'b1.k1' },
      { keyId: 'k2', envelope: 'b1.k2' },
    ]);
    const clock = createFakeClock(Date.parse('2026-02-10T12:00:00Z'));
    const writer = createUsageWriter({ store: memory.store, locks: createInProcessLocks(), clock, daysKept: 7 });
    return { memory, clock, writer };
  }

  test('one write merges the batch into what is stored, prunes days older than the window and drops keys that no longer exist', async () => {
    const { memory, writer } = setUp();
    memory.putDaily(alice, 'openai', daily({ k1: { '2026-02-03': day(1), '2026-02-04': day(2, 3, 4), '2026-02-10': day(1, 1, 1) }, deleted: { '2026-02-10': day(7) } }));
    memory.putDaily(alice, 'anthropic', daily({ old: { '2026-01-01': day(1) } }));
    const batch: DailyBatch = new Map([['openai', daily({ k1: { '2026-02-10': day(2, 10, 20) }, k2: { '2026-02-10': day(0, 5, 6) }, deleted: { '2026-02-10': day(1) } })]]);
    const saves = memory.stats.saves;
    await writer.recordUsage(alice, new Map([['openai', new Map([['k1', { lastUsedAt: 1, uses: 2 }]])]]), batch);
    expect(memory.stats.saves).toBe(saves + 1);
    const stored = await memory.store.load(alice);
    expect(plain(stored?.daily.get('openai'))).toEqual({ k1: { '2026-02-04': day(2, 3, 4), '2026-02-10': day(3, 11, 21) }, k2: { '2026-02-10': day(0, 5, 6) } });
    expect(stored?.daily.has('anthropic')).toBe(false); // only days out of the window: the attribute goes
    expect(stored?.usage.get('openai')?.get('k1')).toEqual({ lastUsedAt: 1, uses: 2 });
  });

  test('a batch of tokens only (no serve) leaves the last-use figures as they were', async () => {
    const { memory, writer } = setUp();
    await writer.recordUsage(alice, new Map([['openai', new Map([['k1', { lastUsedAt: 5, uses: 1 }]])]]));
    await writer.recordUsage(alice, new Map(), new Map([['openai', daily({ k1: { '2026-02-10': day(0, 1, 2) } })]]));
    const stored = await memory.store.load(alice);
    expect(stored?.usage.get('openai')?.get('k1')).toEqual({ lastUsedAt: 5, uses: 1 });
    expect(plain(stored?.daily.get('openai'))).toEqual({ k1: { '2026-02-10': day(0, 1, 2) } });
  });
});
