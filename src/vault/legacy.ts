/**
 * `byok migrate-legacy` (docs/operations.md): moves keys stored by the previous Python ops center (docs/storage.md#legacy-format,
 * one Fernet token per user and provider) into docs/storage.md#key-records records.
 *
 * Invariants:
 * - Nothing is lost: legacy attributes are removed only after the new record has been written,
 *   read back fresh from the store and decrypted to the very secret the legacy token held, and only
 *   while the legacy token is still the one that was migrated. A key that cannot be migrated (token
 *   does not decrypt, unknown provider, a custom endpoint the URL policy refuses, ...) is reported
 *   with the reason and left exactly as it was.
 * - Idempotent: a migrated key's legacy attributes are gone, so a second run has nothing to do. The
 *   new record's id is derived from the user, the provider and the legacy token, so a run that died
 *   between writing the record and removing the legacy attributes finds its record on the next run
 *   and does not add it twice.
 * - Every write is the service's own: the owner's lock, a fresh read, a full write (docs/storage.md#writes).
 * - It visits the key holders only once the holder index is complete (holders.ts: legacy keys count
 *   as holding, and `byok index-holders` marks them), every user before. A migrated user still holds
 *   keys, so its own writes never move the index.
 * - Reports name users by id and providers, never a token or a secret.
 */
import { createHash } from 'node:crypto';
import { checkKeyFormat } from '../providers/key-format.js';
import type { ProviderId, ProviderRegistry } from '../providers/registry.js';
import type { BaseUrlCheck } from '../providers/url-policy.js';
import { forEachConcurrent } from './concurrent.js';
import type { KeyRecord } from './key-record.js';
import { LABEL_MAX_LENGTH, labelProblem, TEST_STATUSES, type TestStatus } from './rules.js';
import type { OwnerWalk, OwnerWalks } from './holders.js';
import type { LegacyKey, OwnerLocks, OwnerRef, OwnerStore, SealedKey, StoredOwner } from './ports.js';
import type { RecordOpener } from './record-opener.js';

export interface LegacyMigrationDeps {
  /** Users holding keys once the holder index is complete, every user before (holders.ts). */
  owners: Pick<OwnerWalks, 'open'>;
  store: OwnerStore;
  locks: OwnerLocks;
  opener: Pick<RecordOpener, 'open' | 'seal'>;
  /** Decrypts a legacy token with the old ENCRYPTION_KEY; throws when it cannot. */
  decrypt: (token: string) => Buffer;
  registry: Pick<ProviderRegistry, 'get' | 'isProviderId'>;
  /** The policy users' base URLs are held to (custom endpoints must pass it, as when added). */
  checkBaseUrl: (raw: string) => Promise<BaseUrlCheck>;
  now: () => Date;
  onWrite?: (owner: OwnerRef) => void;
}

export interface LegacyMigrationOptions {
  dryRun: boolean;
  concurrency: number;
  signal?: AbortSignal;
  onProgress?: (progress: { usersScanned: number; usersTotal: number; migrated: number; problems: number }) => void;
  onOutcome?: (outcome: LegacyOutcome) => void;
}

export type LegacyOutcomeStatus = 'migrated' | 'would_migrate' | 'failed' | 'skipped';

export interface LegacyOutcome {
  userId: string;
  /** As named in the legacy attributes. */
  provider: string;
  status: LegacyOutcomeStatus;
  /** The new record's id (migrated, would_migrate). */
  keyId?: string;
  /** Why it failed or was skipped. */
  reason?: string;
  /** What was carried over differently (a dropped endpoint, a replaced label). */
  notes: string[];
}

export interface LegacyReport {
  dryRun: boolean;
  /** Which users were visited (holders.ts). */
  walk: Pick<OwnerWalk, 'scope' | 'indexedAt'>;
  usersScanned: number;
  usersWithLegacyKeys: number;
  migrated: number;
  wouldMigrate: number;
  failed: number;
  skipped: number;
  outcomes: LegacyOutcome[];
  interrupted: boolean;
}


/** The id of the record migrated from this legacy token: stable across runs, unrelated to the secret. */
export function legacyKeyId(userId: string, provider: string, token: string): string {
  const digest = createHash('sha256').update(['byok-vault/legacy-migration', userId, provider, token].join('\0')).digest();
  return `k_${digest.subarray(0, 12).toString('base64url')}`;
}

/** Python's `datetime.isoformat()` has no zone when the datetime is naive; the ops center wrote UTC. */
export function parseLegacyDate(raw: string | undefined): string | undefined {
  const text = raw?.trim();
  if (!text) return undefined;
  const zoned = /([zZ]|[+-]\d{2}:?\d{2})$/.test(text) ? text : `${text}Z`;
  // JavaScript dates hold milliseconds; Python writes microseconds.
  const ms = Date.parse(zoned.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

const LEGACY_TEST_STATUS: Record<string, TestStatus> = { error: 'unreachable', failed: 'invalid', rate_limit: 'rate_limited' };

function parseTestStatus(raw: string | undefined): TestStatus | null {
  const text = raw?.trim().toLowerCase();
  if (!text) return null;
  if ((TEST_STATUSES as readonly string[]).includes(text)) return text as TestStatus;
  return LEGACY_TEST_STATUS[text] ?? null;
}

type Ready = { legacy: LegacyKey; provider: ProviderId; record: KeyRecord; notes: string[] };
type Classified = { ready: Ready } | { outcome: LegacyOutcome };

export function createLegacyMigration(deps: LegacyMigrationDeps) {
  const { registry, opener } = deps;

  /** Decides what one legacy key becomes: a record ready to write, or a reported problem. */
  async function classify(userId: string, legacy: LegacyKey): Promise<Classified> {
    const problem = (status: 'failed' | 'skipped', reason: string): Classified => ({ outcome: { userId, provider: legacy.provider, status, reason, notes: [] } });
    if (!registry.isProviderId(legacy.provider)) return problem('skipped', 'unknown provider: no such provider in this service');
    const provider = legacy.provider;
    const descriptor = registry.get(provider);
    if (legacy.ambiguous) return problem('skipped', 'a legacy attribute holds more than one value; which is meant is unknown');
    if (legacy.token === undefined || legacy.token.trim() === '') return problem('skipped', `byok_${provider}_key is missing or empty (only other legacy attributes are there)`);

    let secret: string;
    try {
      secret = deps.decrypt(legacy.token.trim()).toString('utf8');
    } catch (error) {
      return problem('failed', `the legacy token does not decrypt with LEGACY_ENCRYPTION_KEY (${(error as Error).message})`);
    }
    const format = checkKeyFormat(provider, secret);
    if (!format.ok) return problem('skipped', `the decrypted key is not accepted for ${descriptor.name}: ${format.reason}`);

    const notes: string[] = [];
    let baseUrl: string | null = null;
    const endpoint = legacy.endpoint?.trim() || undefined;
    if (descriptor.requiresBaseUrl) {
      if (endpoint === undefined) return problem('skipped', `${descriptor.name} keys need a base URL and byok_${provider}_endpoint is empty`);
      const check = await deps.checkBaseUrl(endpoint);
      if (!check.ok) return problem('skipped', `the endpoint is refused by the base URL policy (${check.reason}); see ALLOW_PRIVATE_BASE_URLS / ALLOW_INSECURE_BASE_URLS`);
      baseUrl = check.url.toString().replace(/\/+$/, '');
    } else if (endpoint !== undefined && endpoint.replace(/\/+$/, '') !== descriptor.defaultBaseUrl?.replace(/\/+$/, '')) {
      // The ops center stored an endpoint for every provider; only custom providers keep one here.
      notes.push(`its endpoint was not carried over: ${descriptor.name} keys always use ${descriptor.name}'s API (or the operator's ${provider.toUpperCase()}_BASE_URL)`);
    }

    let label = legacy.label?.trim() ?? '';
    if (labelProblem(label) !== undefined) {
      if (label !== '') notes.push(`its label was not usable (empty, over ${LABEL_MAX_LENGTH} characters or control characters) and was replaced`);
      label = `${descriptor.name} key (migrated)`;
    }
    const now = deps.now().toISOString();
    const createdAt = parseLegacyDate(legacy.addedDate);
    if (createdAt === undefined) notes.push('no readable added_date; createdAt is the migration time');
    const testStatus = parseTestStatus(legacy.testStatus);
    const lastTestedAt = testStatus === null ? null : (parseLegacyDate(legacy.lastTested) ?? null);
    const record: KeyRecord = {
      id: legacyKeyId(userId, provider, legacy.token.trim()),
      provider,
      label,
      secret,
      createdAt: createdAt ?? now,
      updatedAt: now,
      enabled: true,
      expiresAt: null,
      baseUrl,
      lastTestedAt,
      testStatus,
      healthIssue: null,
    };
    return { ready: { legacy, provider, record, notes } };
  }

  const outcomeOf = (userId: string, ready: Ready, status: LegacyOutcomeStatus, reason?: string): LegacyOutcome => ({
    userId,
    provider: ready.provider,
    status,
    keyId: ready.record.id,
    ...(reason === undefined ? {} : { reason }),
    notes: ready.notes,
  });

  /** Lock, fresh read, write the new records, read back and check, remove the legacy attributes. */
  async function migrateUser(owner: OwnerRef): Promise<LegacyOutcome[]> {
    const outcomes: LegacyOutcome[] = [];
    await deps.locks.withLock(owner, async () => {
      const fresh = await deps.store.load(owner);
      if (!fresh) return;
      const ready: Ready[] = [];
      for (const legacy of fresh.legacy ?? []) {
        const classified = await classify(owner.id, legacy);
        if ('ready' in classified) ready.push(classified.ready);
        else outcomes.push(classified.outcome);
      }
      if (ready.length === 0) return;

      // Records a previous, interrupted run already wrote are found by their id and not added again.
      const additions = new Map<ProviderId, SealedKey[]>();
      for (const item of ready) {
        const existing = fresh.sealed.get(item.provider) ?? [];
        if (existing.some((sealed) => sealed.keyId === item.record.id)) continue;
        additions.set(item.provider, [...(additions.get(item.provider) ?? existing), opener.seal(owner, item.record)]);
      }
      if (additions.size > 0) {
        await deps.store.save(fresh, { sealed: additions });
        deps.onWrite?.(owner);
      }

      const back = await deps.store.load(owner);
      const verified: Ready[] = [];
      for (const item of ready) {
        const sealed = back?.sealed.get(item.provider)?.find((candidate) => candidate.keyId === item.record.id);
        const read = sealed && opener.open(owner, item.provider, sealed);
        const legacyNow = back?.legacy?.find((entry) => entry.provider === item.provider);
        if (!read || read.secret !== item.record.secret) {
          outcomes.push(outcomeOf(owner.id, item, 'failed', 'the new record did not read back with the same secret; legacy attributes kept'));
        } else if (legacyNow?.token?.trim() !== item.legacy.token?.trim()) {
          outcomes.push(outcomeOf(owner.id, item, 'failed', 'the legacy token changed during the migration; legacy attributes kept, run again'));
        } else {
          verified.push(item);
        }
      }
      if (back && verified.length > 0) {
        await deps.store.save(back, { removeLegacy: verified.map((item) => item.legacy.provider) });
        deps.onWrite?.(owner);
        for (const item of verified) outcomes.push(outcomeOf(owner.id, item, 'migrated'));
      }
    });
    return outcomes;
  }

  async function dryRunUser(stored: StoredOwner): Promise<LegacyOutcome[]> {
    const outcomes: LegacyOutcome[] = [];
    for (const legacy of stored.legacy ?? []) {
      const classified = await classify(stored.owner.id, legacy);
      outcomes.push('ready' in classified ? outcomeOf(stored.owner.id, classified.ready, 'would_migrate') : classified.outcome);
    }
    return outcomes;
  }

  return {
    async run(options: LegacyMigrationOptions): Promise<LegacyReport> {
      const walk = await deps.owners.open({ groups: false });
      const report: LegacyReport = {
        dryRun: options.dryRun,
        walk: { scope: walk.scope, indexedAt: walk.indexedAt },
        usersScanned: 0,
        usersWithLegacyKeys: 0,
        migrated: 0,
        wouldMigrate: 0,
        failed: 0,
        skipped: 0,
        outcomes: [],
        interrupted: false,
      };
      const usersTotal = walk.usersTotal;
      const progress = () =>
        options.onProgress?.({ usersScanned: report.usersScanned, usersTotal, migrated: report.migrated + report.wouldMigrate, problems: report.failed + report.skipped });
      await forEachConcurrent(
        walk.users(),
        options.concurrency,
        async (scanned) => {
          if ((scanned.legacy ?? []).length > 0) {
            report.usersWithLegacyKeys += 1;
            const outcomes = options.dryRun ? await dryRunUser(scanned) : await migrateUser(scanned.owner);
            for (const outcome of outcomes) {
              report.outcomes.push(outcome);
              if (outcome.status === 'migrated') report.migrated += 1;
              else if (outcome.status === 'would_migrate') report.wouldMigrate += 1;
              else if (outcome.status === 'failed') report.failed += 1;
              else report.skipped += 1;
              options.onOutcome?.(outcome);
            }
          }
          report.usersScanned += 1;
          progress();
        },
        options.signal,
      );
      report.interrupted = options.signal?.aborted ?? false;
      progress();
      return report;
    },
  };
}
