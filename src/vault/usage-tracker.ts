/**
 * Usage of keys (docs/resolution.md#caching-and-usage): counted in memory on every resolve and written to the owners in batches
 * (under each owner's lock, by `flush`), never once per resolve. A batch that cannot be written (Keycloak
 * down) is merged back and retried on the next flush, so counts are not lost; the final flush runs on
 * shutdown.
 *
 * Two kinds of figures per owner: last use and uses per key (`_usage`), and per key and UTC day the
 * requests (serves) and the tokens the gateway reports (`_daily`, daily-usage.ts). Platform (system)
 * keys have no owner to write to: their daily figures stay in this instance's memory, from its start,
 * within the retention window.
 */
import type { ProviderId } from '../providers/registry.js';
import { addTo, DAY_MS, mergeDaily, oldestKept, utcDate, type DailyUsage, type DayFigures, type TokenCounts, type UtcDate } from './daily-usage.js';
import { combineUsage, ownerKey, type Clock, type KeyUsage, type OwnerRef } from './ports.js';
import type { VaultLog } from './record-opener.js';

export type ResolveSource = 'user' | 'group' | 'system';
export type UsageBatch = Map<ProviderId, Map<string, KeyUsage>>;
/** Per provider, key id and UTC day: figures counted since the last flush. */
export type DailyBatch = Map<ProviderId, Map<string, Map<UtcDate, DayFigures>>>;
/** Whose key was served: an owner's, or a platform key (`'system'`). */
export type KeyHolder = OwnerRef | 'system';

interface Pending {
  owner: OwnerRef;
  usage: UsageBatch;
  daily: DailyBatch;
}

export interface UsageTrackerDeps {
  /** Writes one owner's batch (merging with what is stored); throws when it cannot. */
  write: (owner: OwnerRef, usage: UsageBatch, daily: DailyBatch) => Promise<void>;
  /** The time of a serve (lastUsedAt) and its UTC day. */
  clock: Clock;
  log: VaultLog;
  /** Days of platform-key figures kept in memory (USAGE_DAYS_KEPT); owners' are pruned by the writer. */
  daysKept: number;
}

/** A token count as the gateway hands it: a whole, non-negative number (anything else counts as 0). */
const tokenCount = (value: number) => (Number.isFinite(value) && value > 0 ? Math.round(value) : 0);

function addDaily(into: DailyBatch, provider: ProviderId, keyId: string, date: UtcDate, figures: DayFigures): void {
  let byKey = into.get(provider);
  if (!byKey) into.set(provider, (byKey = new Map()));
  addTo(byKey, keyId, date, figures);
}

export type UsageTracker = ReturnType<typeof createUsageTracker>;

export function createUsageTracker(deps: UsageTrackerDeps) {
  let pending = new Map<string, Pending>();
  let system: DailyBatch = new Map();
  let systemPrunedFor: UtcDate | undefined;
  const sources: Record<ResolveSource, number> = { user: 0, group: 0, system: 0 };
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<unknown> = Promise.resolve();

  function entryOf(into: Map<string, Pending>, owner: OwnerRef): Pending {
    const key = ownerKey(owner);
    let entry = into.get(key);
    if (!entry) into.set(key, (entry = { owner, usage: new Map(), daily: new Map() }));
    return entry;
  }

  function merge(into: Map<string, Pending>, owner: OwnerRef, provider: ProviderId, keyId: string, used: KeyUsage) {
    const entry = entryOf(into, owner);
    let byKey = entry.usage.get(provider);
    if (!byKey) entry.usage.set(provider, (byKey = new Map()));
    byKey.set(keyId, combineUsage(byKey.get(keyId), used));
  }

  // Today's date, formatted once per day rather than once per serve (it is on the hot path).
  let day = { date: '' as UtcDate, from: 0, until: -1 };
  function todayAt(ms: number): UtcDate {
    if (ms < day.from || ms >= day.until) {
      const from = ms - (ms % DAY_MS);
      day = { date: utcDate(ms), from, until: from + DAY_MS };
    }
    return day.date;
  }

  /** Adds a day's figures to the holder's key: an owner's pending batch, or the platform keys' memory. */
  function countDay(holder: KeyHolder, provider: ProviderId, keyId: string, figures: DayFigures) {
    const today = todayAt(deps.clock.now());
    if (holder !== 'system') return addDaily(entryOf(pending, holder).daily, provider, keyId, today, figures);
    if (systemPrunedFor !== today) {
      // Once a day: drop what fell out of the window, so the memory stays bounded.
      const oldest = oldestKept(deps.clock.now(), deps.daysKept);
      system = new Map([...system].map(([id, byKey]) => [id, mergeDaily(byKey, undefined, oldest)]));
      systemPrunedFor = today;
    }
    addDaily(system, provider, keyId, today, figures);
  }

  async function flushNow(): Promise<{ owners: number; failed: number }> {
    const batch = pending;
    pending = new Map();
    let failed = 0;
    for (const { owner, usage, daily } of batch.values()) {
      try {
        await deps.write(owner, usage, daily);
      } catch (error) {
        failed += 1;
        for (const [provider, byKey] of usage) for (const [keyId, used] of byKey) merge(pending, owner, provider, keyId, used);
        for (const [provider, byKey] of daily) {
          for (const [keyId, days] of byKey) for (const [date, figures] of days) addDaily(entryOf(pending, owner).daily, provider, keyId, date, figures);
        }
        deps.log.warn({ ownerKind: owner.kind, ownerId: owner.id, reason: (error as Error).message }, 'usage not written; kept for the next flush');
      }
    }
    return { owners: batch.size, failed };
  }

  function flush(): Promise<{ owners: number; failed: number }> {
    const next = flushing.then(flushNow, flushNow);
    flushing = next.catch(() => undefined);
    return next;
  }

  return {
    /**
     * Counts one serve of a key: a stored one (user or group: last use, uses, and a request of the
     * day), or a platform key (a request of the day, in memory).
     */
    record(holder: KeyHolder, provider: ProviderId, keyId: string): void {
      if (holder !== 'system') merge(pending, holder, provider, keyId, { lastUsedAt: deps.clock.now(), uses: 1 });
      countDay(holder, provider, keyId, { requests: 1, inputTokens: 0, outputTokens: 0 });
    },
    /** Counts the tokens of one answer (the gateway reads them from the provider's answer) on today's figures of the key. */
    recordTokens(holder: KeyHolder, provider: ProviderId, keyId: string, tokens: TokenCounts): void {
      const figures = { requests: 0, inputTokens: tokenCount(tokens.inputTokens), outputTokens: tokenCount(tokens.outputTokens) };
      if (figures.inputTokens + figures.outputTokens > 0) countDay(holder, provider, keyId, figures);
    },
    countSource(source: ResolveSource): void {
      sources[source] += 1;
    },
    sources: (): Readonly<Record<ResolveSource, number>> => ({ ...sources }),
    /** Not yet written usage of one owner (views add it to what is stored). */
    pending(owner: OwnerRef): UsageBatch | undefined {
      return pending.get(ownerKey(owner))?.usage;
    },
    /** Not yet written daily figures of one owner. */
    pendingDaily(owner: OwnerRef): DailyBatch | undefined {
      return pending.get(ownerKey(owner))?.daily;
    },
    /** The platform keys' daily figures counted by this instance since it started, within the window. */
    systemDaily(): DailyUsage {
      const oldest = oldestKept(deps.clock.now(), deps.daysKept);
      return new Map([...system].map(([provider, byKey]) => [provider, mergeDaily(byKey, undefined, oldest)]));
    },
    /** Writes everything pending; concurrent calls queue behind each other. */
    flush,
    start(intervalMs: number): void {
      timer = setInterval(() => void flush(), intervalMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      await flush();
    },
  };
}
