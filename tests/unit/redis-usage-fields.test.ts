/**
 * The Redis usage ledger's hash fields (src/scale/redis-usage.ts, pure part): counts go to fields and
 * come back the same, a staged hash gives back its batch id, and fields it does not know (or values
 * that are not whole non-negative numbers) are skipped rather than breaking the rest.
 */
import { fromFields, toFields } from '../../src/scale/redis-usage.js';
import type { OwnerCounts } from '../../src/vault/usage-counts.js';

const counts: OwnerCounts = {
  usage: new Map([
    ['openai', new Map([['k_1-a', { uses: 12, lastUsedAt: 1_767_225_600_123 }]])],
    ['anthropic', new Map([['k2', { uses: 1, lastUsedAt: 1_767_225_601_000 }]])],
  ]),
  daily: new Map([
    [
      'openai',
      new Map([
        [
          'k_1-a',
          new Map([
            ['2026-01-01', { requests: 10, inputTokens: 1_000, outputTokens: 0 }],
            ['2026-01-02', { requests: 2, inputTokens: 0, outputTokens: 7 }],
          ]),
        ],
      ]),
    ],
    ['anthropic', new Map([['k2', new Map([['2026-01-02', { requests: 1, inputTokens: 3, outputTokens: 4 }]])]])],
  ]),
};

describe('Redis usage fields', () => {
  test('counts survive the round trip through hash fields (zero figures are not sent)', () => {
    const fields = toFields(counts);
    expect(fields.map(([field]) => field)).not.toContain('d:openai:k_1-a:2026-01-01:o');
    expect(fromFields(Object.fromEntries(fields))).toEqual({ counts, batchId: undefined });
  });

  test('a staged hash gives back its batch id; unknown fields and bad values are skipped', () => {
    const hash = {
      ...Object.fromEntries(toFields(counts)),
      _batch: 'batch-1',
      'x:openai:k9:n': '5',
      'u:openai:k9:n': '-1',
      'u:openai:k8:n': 'many',
      'd:openai:k9:2026-01-01:z': '3',
    };
    expect(fromFields(hash)).toEqual({ counts, batchId: 'batch-1' });
  });
});
