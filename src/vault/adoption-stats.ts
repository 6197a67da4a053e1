/**
 * `GET /admin/stats` (docs/api.md#admin-api): adoption across the realm. Walking every user and opening their
 * records is work proportional to the realm, so the figures are computed at most once per
 * `maxAgeMs` (one computation in flight however many admins ask) and say when they were taken.
 */
import { PROVIDER_IDS, type ProviderId } from '../providers/registry.js';
import type { CacheStats } from './loading-cache.js';
import type { UserScanner } from './ports.js';
import type { RecordOpener } from './record-opener.js';
import type { ResolveSource } from './usage-tracker.js';

export interface AdoptionStatsDeps {
  users: UserScanner;
  opener: Pick<RecordOpener, 'openProvider'>;
  resolvesBySource: () => Readonly<Record<ResolveSource, number>>;
  cacheStats: () => CacheStats;
  maxAgeMs: number;
  now: () => number;
}

interface Adoption {
  computedAt: string;
  users: number;
  usersWithKeys: number;
  keysByProvider: Partial<Record<ProviderId, number>>;
  tests: { tested: number; valid: number; successRate: number | null };
}

export function createAdoptionStats(deps: AdoptionStatsDeps) {
  let last: { at: number; value: Adoption } | undefined;
  let inflight: Promise<Adoption> | undefined;

  async function compute(): Promise<Adoption> {
    let users = 0;
    let usersWithKeys = 0;
    let tested = 0;
    let valid = 0;
    const keysByProvider: Partial<Record<ProviderId, number>> = {};
    for await (const stored of deps.users.scanUsers()) {
      users += 1;
      let hasKeys = false;
      for (const provider of PROVIDER_IDS) {
        const count = stored.sealed.get(provider)?.length ?? 0;
        if (count === 0) continue;
        hasKeys = true;
        keysByProvider[provider] = (keysByProvider[provider] ?? 0) + count;
        for (const { record } of deps.opener.openProvider(stored, provider)) {
          if (record.testStatus === null) continue;
          tested += 1;
          if (record.testStatus === 'valid') valid += 1;
        }
      }
      if (hasKeys) usersWithKeys += 1;
    }
    return {
      computedAt: new Date(deps.now()).toISOString(),
      users,
      usersWithKeys,
      keysByProvider,
      tests: { tested, valid, successRate: tested === 0 ? null : valid / tested },
    };
  }

  return {
    async get() {
      if (!last || deps.now() - last.at > deps.maxAgeMs) {
        inflight ??= compute().finally(() => {
          inflight = undefined;
        });
        last = { at: deps.now(), value: await inflight };
      }
      const cache = deps.cacheStats();
      const lookups = cache.hits + cache.misses;
      return {
        adoption: last.value,
        // Since this instance started.
        resolvesBySource: deps.resolvesBySource(),
        cache: { ...cache, hitRatio: lookups === 0 ? null : cache.hits / lookups },
      };
    },
  };
}
