/**
 * Usage of keys (docs/resolution.md#caching-and-usage) on its way from the hot path to Keycloak, so
 * that Keycloak's write load grows with the owners in use, not with the serves nor the instances:
 *
 * 1. Every serve is counted in this instance's memory: no I/O on the hot path.
 * 2. With REDIS_URL (a `SharedUsage` ledger), every `flushIntervalMs` (USAGE_FLUSH_INTERVAL_SECONDS)
 *    the instance hands its counts over to Redis in one round trip, where every instance's counts of
 *    an owner add up. While Redis is unreachable they stay here and go over when it is back.
 * 3. An owner's counts are written to Keycloak at most once per `persistIntervalMs`
 *    (USAGE_PERSIST_INTERVAL_SECONDS), counted from its first count not yet written, under the owner
 *    lock, by one instance: the one that claims the owner's batch. Without Redis, this memory is the
 *    ledger, with the same interval.
 *
 * Nothing is lost or counted twice: a batch is set apart (staged) with an id before its write, the
 * write stores the id with the counts (the owner's `byok_usage_batch`), a failed write leaves the
 * staged batch for a retry one flush interval later, and a retry that finds its id stored (the write
 * went through but its answer was lost) writes nothing. Hand-overs to Redis carry an id as well and
 * are retried with it. Shutdown (`stop`) writes everything held in memory without Redis; with Redis
 * it hands this instance's counts over and leaves the writing to whichever instance is due.
 *
 * Platform (system) keys have no owner to write to: their daily figures stay in this instance's
 * memory, from its start, within the retention window.
 */
import { randomBytes } from 'node:crypto';
import type { ProviderId } from '../providers/registry.js';
import { DAY_MS, mergeDaily, oldestKept, utcDate, type DailyUsage, type DayFigures, type TokenCounts, type UtcDate } from './daily-usage.js';
import { ownerKey, type Clock, type OwnerRef } from './ports.js';
import type { VaultLog } from './record-opener.js';
import { addDayOf, addUse, countsEmpty, emptyCounts, servesIn, sumCounts, type DailyBatch, type OwnerCounts, type StagedBatch, type UsageBatch } from './usage-counts.js';

export type { DailyBatch, OwnerCounts, UsageBatch } from './usage-counts.js';

export type ResolveSource = 'user' | 'group' | 'system';
/** Whose key was served: an owner's, or a platform key (`'system'`). */
export type KeyHolder = OwnerRef | 'system';

/** An owner's counts not yet written, as a ledger holds them: still counting, and set apart for a write. */
export interface LedgerParts {
  live?: OwnerCounts | undefined;
  staged?: StagedBatch | undefined;
}

/** Where counts wait for their write to Keycloak; the persisting loop is the same over either ledger. */
export interface PersistLedger {
  /** Owners whose counts are due at `now` (all that have counts when `all`), at most `limit`. */
  due(now: number, all: boolean, limit: number): Promise<OwnerRef[]>;
  /**
   * Claims the owner's next write: its staged batch, else its counts set apart as a batch with the id
   * given. Undefined when there is nothing to write or another writer has the claim. The owner is due
   * again at `retryAt` (a retry, should this write not settle).
   */
  claim(owner: OwnerRef, batchId: string, retryAt: number): Promise<StagedBatch | undefined>;
  /** The batch is in Keycloak: it is dropped; counts that came meanwhile are due at `nextDueAt`. */
  settle(owner: OwnerRef, batchId: string, nextDueAt: number): Promise<void>;
  /** The write failed: the claim ends, the staged batch waits for its retry. */
  release(owner: OwnerRef, batchId: string): Promise<void>;
}

/** The ledger all instances share (Redis, src/scale/redis-usage.ts). Every method throws when Redis fails. */
export interface SharedUsage extends PersistLedger {
  available(): boolean;
  /**
   * Adds these owners' counts to the shared ones, all or none, once per `handoverId` (a retried
   * hand-over whose first attempt did arrive adds nothing). An owner new to the ledger is due at `dueAt`.
   */
  add(handoverId: string, owners: ReadonlyArray<{ owner: OwnerRef; counts: OwnerCounts }>, dueAt: number): Promise<void>;
  /** One owner's counts in the ledger. */
  read(owner: OwnerRef): Promise<LedgerParts>;
  /** Every owner's counts in the ledger, by owner key. */
  readAll(): Promise<Map<string, LedgerParts>>;
}

export interface UsageTrackerDeps {
  /**
   * Writes one owner's batch into what is stored (merging), carrying `batchId`; writes nothing when the
   * stored batch id is already `batchId`. Throws when it cannot.
   */
  write: (owner: OwnerRef, usage: UsageBatch, daily: DailyBatch, batchId: string) => Promise<unknown>;
  /** The time of a serve (lastUsedAt) and its UTC day; when counts are due. */
  clock: Clock;
  log: VaultLog;
  /** Days of platform-key figures kept in memory (USAGE_DAYS_KEPT); owners' are pruned by the writer. */
  daysKept: number;
  /** An owner's counts reach Keycloak at most once per this (USAGE_PERSIST_INTERVAL_SECONDS); default 1 h. */
  persistIntervalMs?: number;
  /** Hand-overs to Redis, due writes and retries happen this often (USAGE_FLUSH_INTERVAL_SECONDS); default 60 s. */
  flushIntervalMs?: number;
  /** With REDIS_URL: the ledger the instances share. */
  shared?: SharedUsage;
}

/** Owners due at one tick, at most (the rest wait for the next tick). */
const MAX_DUE_PER_TICK = 1_000;
/** Owners per hand-over to Redis (one script call each, so Redis is never held long). */
const OWNERS_PER_HANDOVER = 500;

/** One serve's day figures: shared, never changed (day figures are added into new values). */
const ONE_REQUEST: DayFigures = Object.freeze({ requests: 1, inputTokens: 0, outputTokens: 0 });
/** A token count as the gateway hands it: a whole, non-negative number (anything else counts as 0). */
const tokenCount = (value: number) => (Number.isFinite(value) && value > 0 ? Math.round(value) : 0);
const newId = () => randomBytes(12).toString('base64url');

/** This instance's memory of one owner. */
interface Local {
  owner: OwnerRef;
  /** Counted here and not yet handed over or set apart. */
  counts: OwnerCounts;
  /** Without Redis: when these counts are due in Keycloak. */
  dueAt: number;
  /** Without Redis: the batch set apart for a write (until it settles). */
  staged?: StagedBatch | undefined;
  claimed: boolean;
}

/** Counts on their way to Redis, kept with their id until Redis has acknowledged them. */
interface Handover {
  id: string;
  owners: Map<string, { owner: OwnerRef; counts: OwnerCounts }>;
}

export type UsageTracker = ReturnType<typeof createUsageTracker>;

export function createUsageTracker(deps: UsageTrackerDeps) {
  const persistMs = deps.persistIntervalMs ?? 3_600_000;
  const flushMs = deps.flushIntervalMs ?? 60_000;
  const { shared } = deps;
  const now = () => deps.clock.now();
  let live = new Map<string, Local>();
  let handovers: Handover[] = [];
  let system: DailyBatch = new Map();
  let systemPrunedFor: UtcDate | undefined;
  const sources: Record<ResolveSource, number> = { user: 0, group: 0, system: 0 };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  function localOf(owner: OwnerRef): Local {
    const key = ownerKey(owner);
    let entry = live.get(key);
    if (!entry) live.set(key, (entry = { owner, counts: emptyCounts(), dueAt: now() + persistMs, claimed: false }));
    return entry;
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

  /** Adds a day's figures to the holder's key: an owner's counts, or the platform keys' memory. */
  /** `at` and `local` when the caller has them already (a serve: one clock read, one entry lookup). */
  function countDay(holder: KeyHolder, provider: ProviderId, keyId: string, figures: DayFigures, at = now(), local = holder === 'system' ? undefined : localOf(holder)) {
    const today = todayAt(at);
    if (local !== undefined) return addDayOf(local.counts.daily, provider, keyId, today, figures);
    if (systemPrunedFor !== today) {
      // Once a day: drop what fell out of the window, so the memory stays bounded.
      const oldest = oldestKept(at, deps.daysKept);
      system = new Map([...system].map(([id, byKey]) => [id, mergeDaily(byKey, undefined, oldest)]));
      systemPrunedFor = today;
    }
    addDayOf(system, provider, keyId, today, figures);
  }

  /** Without Redis, this instance's memory is the ledger. */
  const localLedger: PersistLedger = {
    async due(at, all, limit) {
      const due: OwnerRef[] = [];
      for (const entry of live.values()) {
        if (due.length >= limit) break;
        if ((all || entry.dueAt <= at) && (entry.staged || !countsEmpty(entry.counts))) due.push(entry.owner);
      }
      return due;
    },
    async claim(owner, batchId, retryAt) {
      const entry = live.get(ownerKey(owner));
      if (!entry || entry.claimed) return undefined;
      if (!entry.staged) {
        if (countsEmpty(entry.counts)) return undefined;
        entry.staged = { id: batchId, counts: entry.counts };
        entry.counts = emptyCounts();
      }
      entry.claimed = true;
      entry.dueAt = retryAt;
      return entry.staged;
    },
    async settle(owner, batchId, nextDueAt) {
      const entry = live.get(ownerKey(owner));
      if (!entry) return;
      if (entry.staged?.id === batchId) entry.staged = undefined;
      entry.claimed = false;
      entry.dueAt = nextDueAt;
      if (!entry.staged && countsEmpty(entry.counts)) live.delete(ownerKey(owner));
    },
    async release(owner) {
      const entry = live.get(ownerKey(owner));
      if (entry) entry.claimed = false;
    },
  };

  /** Writes the owners due in `ledger` (every owner with counts when `all`, each drained). */
  async function persist(ledger: PersistLedger, all: boolean): Promise<{ owners: number; failed: number }> {
    let owners = 0;
    let failed = 0;
    for (const owner of await ledger.due(now(), all, MAX_DUE_PER_TICK)) {
      // Normally one batch per owner; drained (a staged batch, then what came after it) when `all`.
      for (let round = 0; round < (all ? 2 : 1); round += 1) {
        const batch = await ledger.claim(owner, newId(), now() + flushMs);
        if (!batch) break;
        owners += 1;
        try {
          await deps.write(owner, batch.counts.usage, batch.counts.daily, batch.id);
        } catch (error) {
          failed += 1;
          await ledger.release(owner, batch.id).catch(() => undefined);
          deps.log.warn({ ownerKind: owner.kind, ownerId: owner.id, reason: (error as Error).message }, 'usage not written; kept for a retry');
          break;
        }
        await ledger.settle(owner, batch.id, now() + persistMs);
      }
    }
    return { owners, failed };
  }

  /** Hands this instance's counts over to Redis: earlier hand-overs not acknowledged first, with their ids. */
  async function handOver(ledger: SharedUsage): Promise<void> {
    if (live.size > 0) {
      const taken = live;
      live = new Map();
      let handover: Handover | undefined;
      for (const [key, entry] of taken) {
        if (!handover || handover.owners.size >= OWNERS_PER_HANDOVER) handovers.push((handover = { id: newId(), owners: new Map() }));
        handover.owners.set(key, { owner: entry.owner, counts: entry.counts });
      }
    }
    while (handovers.length > 0) {
      const next = handovers[0] as Handover;
      // An owner is due one interval after its first count reaches the ledger.
      await ledger.add(next.id, [...next.owners.values()], now() + persistMs);
      handovers.shift();
    }
  }

  /** One tick: hand over, then write what is due (everything, when `all`). */
  async function tickNow(all: boolean): Promise<{ owners: number; failed: number }> {
    if (!shared) return persist(localLedger, all);
    if (!shared.available()) return { owners: 0, failed: 0 }; // counts wait here for Redis
    try {
      await handOver(shared);
    } catch (error) {
      deps.log.warn({ reason: (error as Error).message }, 'usage not handed over to Redis; kept for the next flush');
      return { owners: 0, failed: 0 };
    }
    try {
      return await persist(shared, all);
    } catch (error) {
      // A staged batch stays in Redis and is retried (by any instance) once its claim ends.
      deps.log.warn({ reason: (error as Error).message }, 'usage writes interrupted (Redis); staged batches are retried');
      return { owners: 0, failed: 1 };
    }
  }

  /** This instance's counts that are in no ledger yet (memory, hand-overs not acknowledged). */
  function heldHere(): { serves: number; owners: number } {
    const parts = [...live.values()].map((entry) => entry.counts).concat(handovers.flatMap((handover) => [...handover.owners.values()].map((held) => held.counts)));
    const owners = new Set([...live.keys(), ...handovers.flatMap((handover) => [...handover.owners.keys()])]);
    const sum = sumCounts(parts);
    return { serves: sum ? servesIn(sum) : 0, owners: sum ? owners.size : 0 };
  }

  /** Runs `step` after the steps queued before it: ticks never overlap. */
  function queued<T>(step: () => Promise<T>): Promise<T> {
    const next = running.then(step, step);
    running = next.catch(() => undefined);
    return next;
  }

  /** This instance's own not yet written counts of an owner (memory and hand-overs in flight). */
  function localParts(key: string, storedBatch: string | undefined): Array<OwnerCounts | undefined> {
    const entry = live.get(key);
    return [
      entry?.counts,
      entry?.staged && entry.staged.id !== storedBatch ? entry.staged.counts : undefined,
      ...handovers.map((handover) => handover.owners.get(key)?.counts),
    ];
  }

  const ledgerParts = (parts: LedgerParts | undefined, storedBatch: string | undefined) =>
    parts ? [parts.live, parts.staged && parts.staged.id !== storedBatch ? parts.staged.counts : undefined] : [];

  return {
    /**
     * Counts one serve of a key: a stored one (user or group: last use, uses, and a request of the
     * day), or a platform key (a request of the day, in memory).
     */
    record(holder: KeyHolder, provider: ProviderId, keyId: string): void {
      const at = now();
      const local = holder === 'system' ? undefined : localOf(holder);
      if (local !== undefined) addUse(local.counts.usage, provider, keyId, { lastUsedAt: at, uses: 1 });
      countDay(holder, provider, keyId, ONE_REQUEST, at, local);
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
    /**
     * An owner's counts not yet in Keycloak, for the views (stored plus these): this instance's and,
     * with Redis, every instance's handed over (one round trip). A staged batch whose id the stored
     * owner already carries (`storedBatch`) is in what is stored and not counted again. With Redis
     * unreachable, this instance's only.
     */
    async unpersisted(owner: OwnerRef, storedBatch?: string): Promise<OwnerCounts | undefined> {
      const key = ownerKey(owner);
      let remote: LedgerParts | undefined;
      if (shared?.available()) remote = await shared.read(owner).catch(() => undefined);
      return sumCounts([...localParts(key, storedBatch), ...ledgerParts(remote, storedBatch)]);
    },
    /** Every owner's counts not yet in Keycloak at this moment (one read of the ledger), for realm-wide views. */
    async unpersistedAll(): Promise<(owner: OwnerRef, storedBatch?: string) => OwnerCounts | undefined> {
      let remote = new Map<string, LedgerParts>();
      if (shared?.available()) remote = await shared.readAll().catch(() => remote);
      return (owner, storedBatch) => {
        const key = ownerKey(owner);
        return sumCounts([...localParts(key, storedBatch), ...ledgerParts(remote.get(key), storedBatch)]);
      };
    },
    /** The platform keys' daily figures counted by this instance since it started, within the window. */
    systemDaily(): DailyUsage {
      const oldest = oldestKept(now(), deps.daysKept);
      return new Map([...system].map(([provider, byKey]) => [provider, mergeDaily(byKey, undefined, oldest)]));
    },
    /** What the timer runs: hand over to Redis, write the owners that are due, retry failed writes. */
    tick: () => queued(() => tickNow(false)),
    /**
     * Writes every owner's counts now, whatever the interval (with Redis: after handing this
     * instance's over, every owner in the ledger). For operators and tests; shutdown uses `stop`.
     */
    flush: () => queued(() => tickNow(true)),
    start(intervalMs: number = flushMs): void {
      timer = setInterval(() => void queued(() => tickNow(false)), intervalMs);
      timer.unref();
    },
    /**
     * Stops the timer and keeps what this instance holds: without Redis, writes all of it; with
     * Redis, hands it over (the writes are left to the interval, on whichever instance is due). Counts
     * that cannot be handed over (Redis unreachable at shutdown) are lost, and logged with their number.
     */
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      if (!shared) {
        await queued(() => tickNow(true));
        return;
      }
      await queued(async () => {
        if (shared.available()) await handOver(shared).catch(() => undefined);
        const lost = heldHere();
        if (lost.owners > 0) deps.log.warn(lost, 'usage lost at shutdown: Redis unreachable, counts not handed over');
      });
    },
  };
}
