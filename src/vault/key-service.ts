/**
 * Key management for one owner (a user, or a group for team keys): add, replace, relabel, enable,
 * delete, test; tier gate and limits (docs/storage.md#tiers-and-limits); preferences. Every write follows docs/storage.md#writes: take the
 * owner's lock, read the owner fresh, change only byok_* state, write back, release, then tell
 * `onWrite` (cache invalidation). Tier and limits are checked inside the lock, against the fresh read,
 * so concurrent writers can neither lose a key nor exceed a limit.
 */
import { newKeyId, type EnvelopeCodec } from '../crypto/envelope.js';
import { AppError } from '../errors.js';
import { checkKeyFormat } from '../providers/key-format.js';
import type { ProviderId, ProviderRegistry } from '../providers/registry.js';
import type { KeyTester } from '../providers/tester.js';
import type { BaseUrlCheck } from '../providers/url-policy.js';
import { keyStatus, toKeyView, type KeyRecord, type KeyView } from './key-record.js';
import { labelProblem, TEST_STATUSES, type HealthIssue, type TestStatus } from './rules.js';
import { createRecordOpener, type OpenedKey, type VaultLog } from './record-opener.js';
import type { DailyBatch, OwnerCounts, UsageBatch } from './usage-counts.js';
import { DEFAULT_USAGE_DAYS_KEPT, mergeDaily, oldestKept, sumDays, totalOf, type DailyByKey } from './daily-usage.js';
import { combineUsage, type Clock, type KeyUsage, type OwnerChange, type OwnerLocks, type OwnerRef, type OwnerStore, type Preferences, type SealedKey, type StoredOwner } from './ports.js';
import { tierAtLeast, type Tier } from './tiers.js';

export interface KeyLimits {
  /** Lowest tier that may add keys or replace secrets. */
  minTier: Tier;
  /** Keys per owner and provider, for every tier without an override. */
  maxKeysPerProvider: number;
  perTier: Partial<Record<Tier, number>>;
}

export interface KeyServiceDeps {
  store: OwnerStore;
  locks: OwnerLocks;
  codec: EnvelopeCodec;
  registry: Pick<ProviderRegistry, 'get' | 'list'>;
  tester: Pick<KeyTester, 'test'>;
  /** Checks a user-supplied base URL (https only, no private targets unless configured). */
  checkBaseUrl: (raw: string) => Promise<BaseUrlCheck>;
  limits: KeyLimits;
  /** Record dates (createdAt, updatedAt), expiry checks and key statuses. */
  clock: Clock;
  log: VaultLog;
  /** Told after every successful write (cache invalidation, audit). */
  onWrite?: (owner: OwnerRef) => void;
  /**
   * Usage counted and not yet in Keycloak (docs/resolution.md#caching-and-usage), added to what is
   * stored when showing keys and stats; `storedBatch` is the stored owner's last usage batch id.
   */
  unpersisted?: (owner: OwnerRef, storedBatch: string | undefined) => Promise<OwnerCounts | undefined>;
  /** Days of daily usage shown (USAGE_DAYS_KEPT; default 30). */
  usageDaysKept?: number;
}

export interface NewKeyInput {
  provider: ProviderId;
  apiKey: string;
  label?: string | undefined;
  baseUrl?: string | undefined;
  expiresAt?: string | null | undefined;
}

export interface KeyPatch {
  label?: string | undefined;
  enabled?: boolean | undefined;
  expiresAt?: string | null | undefined;
  apiKey?: string | undefined;
}

export interface OwnerKeys {
  tier: Tier | undefined;
  canAddKeys: boolean;
  /** Why adding is not possible (tier), for the UI. */
  addKeysBlockedBy: 'tier' | null;
  requiredTier: Tier;
  maxKeysPerProvider: number;
  providers: { provider: ProviderId; keys: KeyView[] }[];
}

export interface KeyTestOutcome {
  keyId: string;
  status: TestStatus;
  testedAt: string;
}

export type KeyService = ReturnType<typeof createKeyService>;

/**
 * Writes batches of usage (docs/resolution.md#caching-and-usage) into what is stored, under the owner's lock. Apart from the key
 * service so that the usage tracker (which the key service asks for pending usage) can be given it
 * first: the wiring has no forward reference.
 */
export function createUsageWriter(deps: { store: OwnerStore; locks: OwnerLocks; clock: Clock; daysKept: number }) {
  return {
    /**
     * Merges a batch into what is stored, in one write: usage of keys deleted meanwhile is dropped;
     * daily figures are added to the stored ones, and days older than the window are pruned (of every
     * provider the owner has figures for, so old days go even where nothing new was counted). With a
     * `batchId`, the write stores it, and a batch whose id is already stored (its earlier write went
     * through though its answer was lost) writes nothing: a retried batch is never added twice.
     */
    async recordUsage(owner: OwnerRef, batch: UsageBatch, daily: DailyBatch = new Map(), batchId?: string): Promise<'written' | 'already written' | 'owner gone'> {
      return deps.locks.withLock(owner, async () => {
        const stored = await deps.store.load(owner);
        if (!stored) return 'owner gone'; // and so is its usage
        if (batchId !== undefined && stored.usageBatch === batchId) return 'already written';
        const keyIds = (provider: ProviderId) => new Set((stored.sealed.get(provider) ?? []).map((sealed) => sealed.keyId));
        const usage = new Map<ProviderId, Map<string, KeyUsage>>();
        for (const [provider, byKey] of batch) {
          if (byKey.size === 0) continue;
          const exists = keyIds(provider);
          const merged = new Map(stored.usage.get(provider) ?? []);
          for (const [keyId, used] of byKey) if (exists.has(keyId)) merged.set(keyId, combineUsage(merged.get(keyId), used));
          for (const keyId of merged.keys()) if (!exists.has(keyId)) merged.delete(keyId);
          usage.set(provider, merged);
        }
        const oldest = oldestKept(deps.clock.now(), deps.daysKept);
        const days = new Map<ProviderId, DailyByKey>();
        for (const provider of new Set([...stored.daily.keys(), ...daily.keys()])) {
          days.set(provider, mergeDaily(stored.daily.get(provider), daily.get(provider), oldest, keyIds(provider)));
        }
        await deps.store.save(stored, { usage, daily: days, ...(batchId === undefined ? {} : { usageBatch: batchId }) });
        return 'written';
      });
    },
  };
}

export function createKeyService(deps: KeyServiceDeps) {
  const { store, locks, codec, registry, limits, log } = deps;
  const now = () => new Date(deps.clock.now());

  const opener = createRecordOpener(codec, log);
  const { openProvider, seal } = opener;
  const openOne = opener.open;

  function limitFor(tier: Tier | undefined): number {
    return (tier !== undefined ? limits.perTier[tier] : undefined) ?? limits.maxKeysPerProvider;
  }

  async function loadOrThrow(owner: OwnerRef): Promise<StoredOwner> {
    const stored = await store.load(owner);
    if (!stored) throw new AppError('OWNER_NOT_FOUND');
    return stored;
  }

  /** docs/storage.md#writes: lock, fresh read, change, full write, release, invalidate. */
  async function mutate<T>(owner: OwnerRef, change: (stored: StoredOwner) => Promise<{ change: OwnerChange; result: T }> | { change: OwnerChange; result: T }): Promise<T> {
    const outcome = await locks.withLock(owner, async () => {
      const stored = await loadOrThrow(owner);
      const planned = await change(stored);
      await store.save(stored, planned.change);
      return planned.result;
    });
    deps.onWrite?.(owner);
    return outcome;
  }

  function requireTier(stored: StoredOwner): void {
    if (stored.owner.kind !== 'user') return; // team keys are managed by byok-admin, not tier-gated
    const tier = stored.tier ?? 'free';
    if (!tierAtLeast(tier, limits.minTier)) {
      throw new AppError('TIER_REQUIRED', {
        message: `Adding or replacing API keys needs the ${limits.minTier} tier or higher; your tier is ${tier}.`,
        details: { tier, requiredTier: limits.minTier },
      });
    }
  }

  function checkFormat(provider: ProviderId, apiKey: string): void {
    const result = checkKeyFormat(provider, apiKey);
    if (!result.ok) throw new AppError('INVALID_KEY_FORMAT', { message: result.reason, details: { provider } });
  }

  /**
   * The label rule of rules.ts (trimmed: 1 to 64 characters of well-formed text without control
   * characters), for every caller: the HTTP schemas check the same rule first, and this guards the
   * others (CLI, scripts). Returns the trimmed label.
   */
  function checkLabel(label: string | undefined): string | undefined {
    if (label === undefined) return undefined;
    const trimmed = label.trim();
    const problem = labelProblem(trimmed);
    if (problem === undefined) return trimmed;
    throw new AppError('VALIDATION_FAILED', { message: `The label ${problem}.`, details: [{ path: 'label', message: problem }] });
  }

  async function checkedBaseUrl(provider: ProviderId, raw: string | undefined): Promise<string | null> {
    const descriptor = registry.get(provider);
    if (raw === undefined || raw === '') {
      if (descriptor.requiresBaseUrl) {
        throw new AppError('INVALID_BASE_URL', { message: `${descriptor.name} keys need a baseUrl (an OpenAI-compatible API).` });
      }
      return null;
    }
    if (!descriptor.requiresBaseUrl) {
      throw new AppError('INVALID_BASE_URL', {
        message: `${descriptor.name} keys use ${descriptor.name}'s own API; a baseUrl is only for custom providers.`,
      });
    }
    const check = await deps.checkBaseUrl(raw);
    if (!check.ok) throw new AppError('INVALID_BASE_URL', { message: `The base URL is not allowed: ${check.reason}.` });
    return check.url.toString().replace(/\/+$/, '');
  }

  function checkExpiry(expiresAt: string | null | undefined): string | null | undefined {
    if (expiresAt === undefined || expiresAt === null) return expiresAt;
    if (Date.parse(expiresAt) <= deps.clock.now()) {
      throw new AppError('VALIDATION_FAILED', { message: 'expiresAt must be in the future.', details: [{ path: 'expiresAt', message: 'must be in the future' }] });
    }
    return new Date(expiresAt).toISOString();
  }

  /** One key of the owner, decrypted (only that one); KEY_NOT_FOUND when absent or unreadable. */
  function findKey(stored: StoredOwner, provider: ProviderId, keyId: string): OpenedKey {
    const sealed = stored.sealed.get(provider)?.find((candidate) => candidate.keyId === keyId);
    const record = sealed && openOne(stored.owner, provider, sealed);
    if (!sealed || !record) throw new AppError('KEY_NOT_FOUND');
    return { record, sealed };
  }

  /** The provider's sealed list with one entry replaced (or removed when `replacement` is undefined). */
  function replaced(stored: StoredOwner, provider: ProviderId, keyId: string, replacement: SealedKey | undefined): Map<ProviderId, SealedKey[]> {
    const list = (stored.sealed.get(provider) ?? []).filter((sealed) => sealed.keyId !== keyId);
    return new Map([[provider, replacement ? [...list, replacement] : list]]);
  }

  /** Counted and not yet in Keycloak (none without a tracker). */
  const unpersistedOf = async (stored: StoredOwner): Promise<OwnerCounts | undefined> => deps.unpersisted?.(stored.owner, stored.usageBatch);

  /** Stored plus not yet written usage of one key. */
  function usageOf(stored: StoredOwner, pending: OwnerCounts | undefined, provider: ProviderId, keyId: string): KeyUsage | undefined {
    const flushed = stored.usage.get(provider)?.get(keyId);
    const counted = pending?.usage.get(provider)?.get(keyId);
    return counted === undefined ? flushed : combineUsage(flushed, counted);
  }

  const view = (record: KeyRecord, used?: KeyUsage) =>
    toKeyView(record, now(), used ? new Date(used.lastUsedAt).toISOString() : null);
  const storedView = (stored: StoredOwner, pending: OwnerCounts | undefined, record: KeyRecord) => view(record, usageOf(stored, pending, record.provider, record.id));
  const viewsOf = (stored: StoredOwner, pending: OwnerCounts | undefined, provider: ProviderId) => openProvider(stored, provider).map((opened) => storedView(stored, pending, opened.record));

  /** The provider's usage without one key (deleted keys leave no usage behind). */
  function usageWithout(stored: StoredOwner, provider: ProviderId, keyId: string): Map<ProviderId, Map<string, KeyUsage>> {
    const byKey = new Map(stored.usage.get(provider) ?? []);
    byKey.delete(keyId);
    return new Map([[provider, byKey]]);
  }

  /** The provider's daily figures without one key. */
  function dailyWithout(stored: StoredOwner, provider: ProviderId, keyId: string): Map<ProviderId, DailyByKey> {
    const byKey = new Map(stored.daily.get(provider) ?? []);
    byKey.delete(keyId);
    return new Map([[provider, byKey]]);
  }

  /**
   * One provider's daily usage (docs/api.md#user-api stats): stored plus not yet flushed, within the window;
   * per key its totals and days, and the days summed over the keys (ascending, only days with figures).
   */
  function dailyView(stored: StoredOwner, pending: OwnerCounts | undefined, provider: ProviderId, records: readonly KeyRecord[]) {
    const oldest = oldestKept(deps.clock.now(), deps.usageDaysKept ?? DEFAULT_USAGE_DAYS_KEPT);
    const merged = mergeDaily(stored.daily.get(provider), pending?.daily.get(provider), oldest);
    const keys = records.map((record) => {
      const days = sumDays([merged.get(record.id) ?? new Map()]);
      return { keyId: record.id, label: record.label, ...totalOf(days), days };
    });
    return { days: sumDays(records.map((record) => merged.get(record.id) ?? new Map())), keys };
  }

  return {
    /** docs/api.md#user-api `GET /byok/keys`: the owner's keys per provider (every provider, or the one asked for). */
    async list(owner: OwnerRef, onlyProvider?: ProviderId): Promise<OwnerKeys> {
      const stored = await loadOrThrow(owner);
      const pending = await unpersistedOf(stored);
      const providers = registry.list().filter((descriptor) => onlyProvider === undefined || descriptor.id === onlyProvider);
      const canAdd = owner.kind === 'group' || tierAtLeast(stored.tier ?? 'free', limits.minTier);
      return {
        tier: stored.tier,
        canAddKeys: canAdd,
        addKeysBlockedBy: canAdd ? null : 'tier',
        requiredTier: limits.minTier,
        maxKeysPerProvider: limitFor(stored.tier),
        providers: providers.map((descriptor) => ({
          provider: descriptor.id,
          keys: viewsOf(stored, pending, descriptor.id),
        })),
      };
    },

    async listKeys(owner: OwnerRef): Promise<KeyView[]> {
      const stored = await loadOrThrow(owner);
      const pending = await unpersistedOf(stored);
      return registry.list().flatMap((descriptor) => viewsOf(stored, pending, descriptor.id));
    },

    /** Adds a key (201). Tier and limit are checked inside the lock. */
    async add(owner: OwnerRef, input: NewKeyInput): Promise<KeyView> {
      const label = checkLabel(input.label);
      checkFormat(input.provider, input.apiKey);
      const baseUrl = await checkedBaseUrl(input.provider, input.baseUrl);
      const expiresAt = checkExpiry(input.expiresAt) ?? null;
      return mutate(owner, (stored) => {
        requireTier(stored);
        const existing = stored.sealed.get(input.provider) ?? [];
        const limit = limitFor(stored.tier);
        if (existing.length >= limit) {
          throw new AppError('KEY_LIMIT_REACHED', {
            message: `At most ${limit} ${registry.get(input.provider).name} keys per ${owner.kind}.`,
            details: { provider: input.provider, limit },
          });
        }
        const at = now().toISOString();
        const record: KeyRecord = {
          id: newKeyId(),
          provider: input.provider,
          label: label ?? `${registry.get(input.provider).name} key ${existing.length + 1}`,
          secret: input.apiKey,
          createdAt: at,
          updatedAt: at,
          enabled: true,
          expiresAt,
          baseUrl,
          lastTestedAt: null,
          testStatus: null,
          healthIssue: null,
        };
        return { change: { sealed: new Map([[input.provider, [...existing, seal(owner, record)]]]) }, result: view(record) };
      });
    },

    /** Replaces a key's secret and the fields given (`POST /byok/keys/add` with keyId). */
    async replace(owner: OwnerRef, keyId: string, input: NewKeyInput): Promise<KeyView> {
      const label = checkLabel(input.label);
      checkFormat(input.provider, input.apiKey);
      const baseUrl = await checkedBaseUrl(input.provider, input.baseUrl);
      const expiresAt = checkExpiry(input.expiresAt);
      return mutate(owner, async (stored) => {
        requireTier(stored);
        const { record } = findKey(stored, input.provider, keyId);
        const next: KeyRecord = {
          ...record,
          secret: input.apiKey,
          label: label ?? record.label,
          baseUrl,
          expiresAt: expiresAt === undefined ? record.expiresAt : expiresAt,
          updatedAt: now().toISOString(),
          // A new secret has not been tested; the old verdict and reported health do not carry over.
          lastTestedAt: null,
          testStatus: null,
          healthIssue: null,
        };
        return { change: { sealed: replaced(stored, input.provider, keyId, seal(owner, next)) }, result: storedView(stored, await unpersistedOf(stored), next) };
      });
    },

    /** `PATCH`: label, enabled, expiry, and (tier permitting) the secret. */
    async update(owner: OwnerRef, provider: ProviderId, keyId: string, patch: KeyPatch): Promise<KeyView> {
      const label = checkLabel(patch.label);
      if (patch.apiKey !== undefined) checkFormat(provider, patch.apiKey);
      const expiresAt = checkExpiry(patch.expiresAt);
      return mutate(owner, async (stored) => {
        if (patch.apiKey !== undefined) requireTier(stored);
        const { record } = findKey(stored, provider, keyId);
        const secretChanged = patch.apiKey !== undefined && patch.apiKey !== record.secret;
        const next: KeyRecord = {
          ...record,
          label: label ?? record.label,
          enabled: patch.enabled ?? record.enabled,
          expiresAt: expiresAt === undefined ? record.expiresAt : expiresAt,
          secret: patch.apiKey ?? record.secret,
          updatedAt: now().toISOString(),
          lastTestedAt: secretChanged ? null : record.lastTestedAt,
          testStatus: secretChanged ? null : record.testStatus,
          healthIssue: secretChanged ? null : record.healthIssue,
        };
        return { change: { sealed: replaced(stored, provider, keyId, seal(owner, next)) }, result: storedView(stored, await unpersistedOf(stored), next) };
      });
    },

    /** Deletes one key; works on a key that no longer decrypts too (the user must be able to clean up). */
    async remove(owner: OwnerRef, provider: ProviderId, keyId: string): Promise<void> {
      await mutate(owner, (stored) => {
        if (!(stored.sealed.get(provider) ?? []).some((sealed) => sealed.keyId === keyId)) throw new AppError('KEY_NOT_FOUND');
        return {
          change: { sealed: replaced(stored, provider, keyId, undefined), usage: usageWithout(stored, provider, keyId), daily: dailyWithout(stored, provider, keyId) },
          result: undefined,
        };
      });
    },

    /** Deletes all the owner's keys of a provider (idempotent). */
    async removeProvider(owner: OwnerRef, provider: ProviderId): Promise<void> {
      await mutate(owner, () => ({
        change: { sealed: new Map([[provider, []]]), usage: new Map([[provider, new Map()]]), daily: new Map([[provider, new Map()]]) },
        result: undefined,
      }));
    },

    /**
     * Tests the provider's keys (or one) against the provider, then stores each verdict. The network
     * calls happen outside the lock; the write re-reads and skips keys whose secret changed meanwhile.
     */
    async test(owner: OwnerRef, provider: ProviderId, keyId?: string): Promise<KeyTestOutcome[]> {
      const stored = await loadOrThrow(owner);
      const candidates = openProvider(stored, provider).filter((opened) => keyId === undefined || opened.record.id === keyId);
      if (keyId !== undefined && candidates.length === 0) throw new AppError('KEY_NOT_FOUND');
      const outcomes = await Promise.all(
        candidates.map(async ({ record }) => {
          const result = await deps.tester.test(provider, record.secret, record.baseUrl ?? undefined);
          return { record, outcome: { keyId: record.id, status: result.status, testedAt: result.testedAt } };
        }),
      );
      if (outcomes.length > 0) {
        await mutate(owner, (fresh) => {
          const list = [...(fresh.sealed.get(provider) ?? [])];
          for (const { record: tested, outcome } of outcomes) {
            const index = list.findIndex((sealed) => sealed.keyId === tested.id);
            const current = index >= 0 ? openOne(owner, provider, list[index] as SealedKey) : undefined;
            if (!current || current.secret !== tested.secret) continue;
            // A passing test puts a key that a service reported as unauthorized back into rotation.
            const healthIssue = outcome.status === 'valid' ? null : current.healthIssue;
            list[index] = seal(owner, { ...current, lastTestedAt: outcome.testedAt, testStatus: outcome.status, healthIssue });
          }
          return { change: { sealed: new Map([[provider, list]]) }, result: undefined };
        });
      }
      return outcomes.map(({ outcome }) => outcome);
    },

    /**
     * docs/resolution.md#health: an internal service found the key unauthorized or over quota. The key leaves rotation
     * (stored, so on every instance and after restarts) until its secret is replaced or a test passes.
     */
    async markUnhealthy(owner: OwnerRef, provider: ProviderId, keyId: string, issue: HealthIssue): Promise<void> {
      await mutate(owner, (stored) => {
        const { record } = findKey(stored, provider, keyId);
        const next: KeyRecord = { ...record, healthIssue: issue, updatedAt: now().toISOString() };
        return { change: { sealed: replaced(stored, provider, keyId, seal(owner, next)) }, result: undefined };
      });
    },

    async preferences(owner: OwnerRef): Promise<Preferences> {
      return (await loadOrThrow(owner)).preferences;
    },

    async setPreferences(owner: OwnerRef, preferences: Preferences): Promise<Preferences> {
      return mutate(owner, () => ({ change: { preferences }, result: preferences }));
    },

    /** `PUT /admin/users/{id}/tier`. */
    async setTier(userId: string, tier: Tier): Promise<Tier> {
      return mutate({ kind: 'user', id: userId }, () => ({ change: { tier }, result: tier }));
    },

    /** Per provider: how many keys, how many enabled and usable, and test verdicts (docs/api.md#user-api stats). */
    async stats(owner: OwnerRef) {
      const stored = await loadOrThrow(owner);
      const pending = await unpersistedOf(stored);
      const at = now();
      return {
        tier: stored.tier,
        providers: registry
          .list()
          .map((descriptor) => {
            const records = openProvider(stored, descriptor.id).map((opened) => opened.record);
            const sealedCount = stored.sealed.get(descriptor.id)?.length ?? 0;
            const used = records.reduce<KeyUsage | undefined>((sum, record) => {
              const usage = usageOf(stored, pending, descriptor.id, record.id);
              return usage === undefined ? sum : combineUsage(sum, usage);
            }, undefined);
            return {
              provider: descriptor.id,
              keys: records.length,
              unreadable: sealedCount - records.length,
              enabled: records.filter((record) => record.enabled).length,
              active: records.filter((record) => keyStatus(record, at) === 'active').length,
              expired: records.filter((record) => record.expiresAt !== null && Date.parse(record.expiresAt) <= at.getTime()).length,
              lastTestedAt: records.map((record) => record.lastTestedAt).filter((at): at is string => at !== null).sort().at(-1) ?? null,
              testStatus: Object.fromEntries(TEST_STATUSES.map((status) => [status, records.filter((record) => record.testStatus === status).length])),
              lastUsedAt: used ? new Date(used.lastUsedAt).toISOString() : null,
              uses: used?.uses ?? 0,
              usage: dailyView(stored, pending, descriptor.id, records),
            };
          })
          .filter((entry) => entry.keys + entry.unreadable > 0),
      };
    },
  };
}
