/**
 * `GET /admin/stats` (docs/api.md#admin-api): adoption and daily usage across the realm. The walk
 * visits key holders only once the holder index is complete (holders.ts; every user and group
 * before), and the number of users is the store's count, so the work grows with the holders, not
 * with the realm. Still, the figures are computed at most once per `maxAgeMs` (one computation in
 * flight however many admins ask) and say when they were taken. The usage of owners' keys is stored
 * plus not yet written counts (read once, before the walk: this instance's and, with Redis, every
 * instance's handed over). A batch already set apart then and written during the walk is counted
 * once (its id tells whether the owner read holds it); counts set apart and written during the walk
 * (an owner's at most once per persist interval) may show twice in that one computation, never in
 * what is stored. Platform keys' usage is this instance's, live.
 */
import { PROVIDER_IDS, type ProviderId } from '../providers/registry.js';
import { addDay, mergeDaily, oldestKept, sumDays, type DailyUsage, type DayFigures, type UtcDate } from './daily-usage.js';
import type { CacheStats } from './loading-cache.js';
import type { OwnerWalks } from './holders.js';
import type { OwnerRef, OwnerScanner, StoredOwner } from './ports.js';
import type { RecordOpener } from './record-opener.js';
import type { OwnerCounts } from './usage-counts.js';
import type { ResolveSource } from './usage-tracker.js';

export interface ProviderDay extends DayFigures {
  date: UtcDate;
  provider: ProviderId;
}

export interface AdoptionStatsDeps {
  /** Key holders once the holder index is complete, every owner before (holders.ts). */
  owners: Pick<OwnerWalks, 'open'>;
  /** Users in the realm: the store's count, not a walk. */
  counts: Pick<OwnerScanner, 'countUsers'>;
  opener: Pick<RecordOpener, 'openProvider'>;
  resolvesBySource: () => Readonly<Record<ResolveSource, number>>;
  /**
   * Owners' counts not yet in Keycloak (read once per walk: every instance's with Redis), and the
   * platform keys' daily figures (this instance's memory only).
   */
  usage: { unpersistedAll: () => Promise<(owner: OwnerRef, storedBatch?: string) => OwnerCounts | undefined>; systemDaily: () => DailyUsage };
  /** Days of daily usage shown (USAGE_DAYS_KEPT). */
  daysKept: number;
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

/** What one walk of the realm found. */
interface Walked {
  adoption: Adoption;
  /** Owners' keys, per day and provider. */
  days: ProviderDay[];
}

/** Per day and provider, ascending by date then provider, only days with figures. */
function providerDays(byProvider: ReadonlyMap<ProviderId, Map<UtcDate, DayFigures>>): ProviderDay[] {
  return [...byProvider]
    .flatMap(([provider, days]) => sumDays([days]).map((day) => ({ ...day, provider })))
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : PROVIDER_IDS.indexOf(a.provider) - PROVIDER_IDS.indexOf(b.provider)))
    .map(({ date, provider, requests, inputTokens, outputTokens }) => ({ date, provider, requests, inputTokens, outputTokens }));
}

/** Adds every key's days of one provider into `into`. */
function addProvider(into: Map<ProviderId, Map<UtcDate, DayFigures>>, provider: ProviderId, byKey: Iterable<[string, ReadonlyMap<UtcDate, DayFigures>]>) {
  let days = into.get(provider);
  for (const [, keyDays] of byKey) {
    for (const [date, figures] of keyDays) {
      if (!days) into.set(provider, (days = new Map()));
      days.set(date, addDay(days.get(date), figures));
    }
  }
}

export function createAdoptionStats(deps: AdoptionStatsDeps) {
  let last: { at: number; value: Walked } | undefined;
  let inflight: Promise<Walked> | undefined;

  type Unpersisted = Awaited<ReturnType<AdoptionStatsDeps['usage']['unpersistedAll']>>;

  /** One owner's daily figures (stored plus not yet written, within the window, of keys that still exist) into `into`. */
  function countUsage(into: Map<ProviderId, Map<UtcDate, DayFigures>>, stored: StoredOwner, since: UtcDate, unpersisted: Unpersisted) {
    const pending = unpersisted(stored.owner, stored.usageBatch)?.daily;
    for (const provider of new Set([...stored.daily.keys(), ...(pending?.keys() ?? [])])) {
      const exists = new Set((stored.sealed.get(provider) ?? []).map((sealed) => sealed.keyId));
      addProvider(into, provider, mergeDaily(stored.daily.get(provider), pending?.get(provider), since, exists));
    }
  }

  async function compute(): Promise<Walked> {
    const since = oldestKept(deps.now(), deps.daysKept);
    const usage = new Map<ProviderId, Map<UtcDate, DayFigures>>();
    let usersWithKeys = 0;
    let tested = 0;
    let valid = 0;
    const keysByProvider: Partial<Record<ProviderId, number>> = {};
    const [walk, users, unpersisted] = await Promise.all([deps.owners.open(), deps.counts.countUsers(), deps.usage.unpersistedAll()]);
    for (const group of walk.groups) countUsage(usage, group, since, unpersisted);
    for await (const stored of walk.users()) {
      countUsage(usage, stored, since, unpersisted);
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
      adoption: {
        computedAt: new Date(deps.now()).toISOString(),
        users,
        usersWithKeys,
        keysByProvider,
        tests: { tested, valid, successRate: tested === 0 ? null : valid / tested },
      },
      days: providerDays(usage),
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
      const system = new Map<ProviderId, Map<UtcDate, DayFigures>>();
      for (const [provider, byKey] of deps.usage.systemDaily()) addProvider(system, provider, byKey);
      return {
        adoption: last.value.adoption,
        // Since this instance started.
        resolvesBySource: deps.resolvesBySource(),
        cache: { ...cache, hitRatio: lookups === 0 ? null : cache.hits / lookups },
        usage: { days: last.value.days, system: providerDays(system) },
      };
    },
  };
}
