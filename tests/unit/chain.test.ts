/**
 * RESOLUTION_CHAIN (docs/resolution.md#fallback-chain) parsed into steps: order kept, blanks ignored, and a wrong entry named
 * in the error so the operator sees which one.
 */
import { DEFAULT_CHAIN, parseChain } from '../../src/vault/chain.js';

describe('chain parser', () => {
  test('entries become steps in the order written, spaces and empty entries ignored', () => {
    expect(parseChain(' system:requested ,, user:fallback,group:requested ')).toEqual([
      { source: 'system', provider: 'requested' },
      { source: 'user', provider: 'fallback' },
      { source: 'group', provider: 'requested' },
    ]);
  });

  test('the default chain written out parses to the default chain', () => {
    const written = DEFAULT_CHAIN.map((step) => `${step.source}:${step.provider}`).join(',');
    expect(written).toBe('user:requested,group:requested,user:fallback,group:fallback,system:requested,system:fallback');
    expect(parseChain(written)).toEqual(DEFAULT_CHAIN);
  });

  test.each(['team:requested', 'user:other', 'user', 'user:requested:extra', ':requested', 'User:requested'])('"%s" is refused, and the error names it', (entry) => {
    expect(() => parseChain(`user:requested,${entry}`)).toThrow(`"${entry}"`);
  });

  test('an empty chain parses to no steps (the config schema decides whether that is allowed)', () => {
    expect(parseChain(' , ')).toEqual([]);
  });
});
