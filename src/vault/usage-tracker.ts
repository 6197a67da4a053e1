/**
 * Usage of keys (docs/resolution.md#caching-and-usage): counted in memory on every resolve and written to the owners in batches
 * (under each owner's lock, by `flush`), never once per resolve. A batch that cannot be written (Keycloak
 * down) is merged back and retried on the next flush, so counts are not lost; the final flush runs on
 * shutdown.
 */
import type { ProviderId } from '../providers/registry.js';
import { combineUsage, ownerKey, type Clock, type KeyUsage, type OwnerRef } from './ports.js';
import type { VaultLog } from './record-opener.js';

export type ResolveSource = 'user' | 'group' | 'system';
export type UsageBatch = Map<ProviderId, Map<string, KeyUsage>>;

interface Pending {
  owner: OwnerRef;
  usage: UsageBatch;
}

export interface UsageTrackerDeps {
  /** Writes one owner's batch (merging with what is stored); throws when it cannot. */
  write: (owner: OwnerRef, usage: UsageBatch) => Promise<void>;
  /** The time of a serve (lastUsedAt). */
  clock: Clock;
  log: VaultLog;
}

export type UsageTracker = ReturnType<typeof createUsageTracker>;

export function createUsageTracker(deps: UsageTrackerDeps) {
  let pending = new Map<string, Pending>();
  const sources: Record<ResolveSource, number> = { user: 0, group: 0, system: 0 };
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<unknown> = Promise.resolve();

  function merge(into: Map<string, Pending>, owner: OwnerRef, provider: ProviderId, keyId: string, used: KeyUsage) {
    const key = ownerKey(owner);
    let entry = into.get(key);
    if (!entry) into.set(key, (entry = { owner, usage: new Map() }));
    let byKey = entry.usage.get(provider);
    if (!byKey) entry.usage.set(provider, (byKey = new Map()));
    byKey.set(keyId, combineUsage(byKey.get(keyId), used));
  }

  async function flushNow(): Promise<{ owners: number; failed: number }> {
    const batch = pending;
    pending = new Map();
    let failed = 0;
    for (const { owner, usage } of batch.values()) {
      try {
        await deps.write(owner, usage);
      } catch (error) {
        failed += 1;
        for (const [provider, byKey] of usage) for (const [keyId, used] of byKey) merge(pending, owner, provider, keyId, used);
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
    /** Counts one serve of a stored key (user or group). */
    record(owner: OwnerRef, provider: ProviderId, keyId: string): void {
      merge(pending, owner, provider, keyId, { lastUsedAt: deps.clock.now(), uses: 1 });
    },
    countSource(source: ResolveSource): void {
      sources[source] += 1;
    },
    sources: (): Readonly<Record<ResolveSource, number>> => ({ ...sources }),
    /** Not yet written usage of one owner (views add it to what is stored). */
    pending(owner: OwnerRef): UsageBatch | undefined {
      return pending.get(ownerKey(owner))?.usage;
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
