/**
 * The fallback chain (docs/resolution.md#fallback-chain) as data: which owners' keys are tried, for which provider, in
 * which order. `requested` is the provider the request names (or its model implies), `fallback` the
 * configured FALLBACK_PROVIDER. Set with RESOLUTION_CHAIN, e.g. "user:requested,system:requested".
 */
import type { ResolveSource } from './usage-tracker.js';

export type ChainStep = { source: ResolveSource; provider: 'requested' | 'fallback' };

export const DEFAULT_CHAIN: readonly ChainStep[] = Object.freeze([
  { source: 'user', provider: 'requested' },
  { source: 'group', provider: 'requested' },
  { source: 'user', provider: 'fallback' },
  { source: 'group', provider: 'fallback' },
  { source: 'system', provider: 'requested' },
  { source: 'system', provider: 'fallback' },
]);

/** `user:requested,group:requested,...` → steps; throws with the offending entry named. */
export function parseChain(raw: string): ChainStep[] {
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const parts = entry.split(':');
      const [source, provider] = parts;
      if (parts.length !== 2 || (source !== 'user' && source !== 'group' && source !== 'system') || (provider !== 'requested' && provider !== 'fallback')) {
        throw new Error(`chain step "${entry}" must be <user|group|system>:<requested|fallback>`);
      }
      return { source, provider };
    });
}

