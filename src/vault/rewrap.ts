/**
 * `byok rewrap` (docs/operations.md): re-encrypts every stored value, on users and groups, that is not under the
 * active KEK, so that an old KEK version can be removed from ENCRYPTION_KEYS.
 *
 * Invariants:
 * - A value is opened with the KEK version its envelope names and sealed again under the active one
 *   with the same associated data. The plaintext (the whole record: id, label, dates, status) is
 *   carried over byte for byte; usage lives beside the record and is not touched.
 * - Only values not under the active KEK are rewritten, so the command is idempotent per value: a
 *   run that was interrupted (killed, Ctrl-C, Keycloak gone) is resumed by running it again.
 * - Every write is the service's own: the owner's lock, a fresh read, a full write of the
 *   representation read (docs/storage.md#writes). A value that cannot be opened stays exactly as it was and is
 *   reported; so does every value of a provider that holds unreadable (broken) values, because
 *   rewriting that provider's list would drop them.
 * - It visits the key holders only once the holder index is complete, every owner before
 *   (holders.ts); a rewrap changes no owner's holding, so its own writes never move the index.
 * - Without a shared lock (REDIS_URL), a running service instance can write an owner back as it read
 *   it just before, undoing a rewrap of that owner. So after a pass that changed something, another
 *   pass runs (reads are cheap, and it only writes what is still old) until a pass finds nothing more
 *   to do, at most `maxPasses` times; the report says what is left.
 */
import { DecryptError, type EnvelopeCodec } from '../crypto/envelope.js';
import { PROVIDER_IDS, type ProviderId } from '../providers/registry.js';
import { forEachConcurrent } from './concurrent.js';
import type { OwnerWalk, OwnerWalks } from './holders.js';
import type { OwnerLocks, OwnerRef, OwnerStore, SealedKey, StoredOwner } from './ports.js';

export interface RewrapDeps {
  owners: Pick<OwnerWalks, 'open'>;
  store: OwnerStore;
  locks: OwnerLocks;
  codec: Pick<EnvelopeCodec, 'open' | 'seal' | 'inspect'>;
  activeVersion: number;
  onWrite?: (owner: OwnerRef) => void;
}

export interface RewrapOptions {
  dryRun: boolean;
  /** Owners worked on at once. */
  concurrency: number;
  maxPasses?: number;
  /** Stops taking new owners (those in progress finish); the report says `interrupted`. */
  signal?: AbortSignal;
  onProgress?: (progress: RewrapProgress) => void;
  /** Told of every owner whose values were rewritten (or would be, in a dry run). */
  onOwnerChanged?: (owner: OwnerRef, values: number) => void;
}

export interface RewrapProgress {
  pass: number;
  ownersScanned: number;
  /** Groups plus users the pass visits, counted when it starts (writes meanwhile may add a few). */
  ownersTotal: number;
  valuesRewrapped: number;
  failed: number;
}

export interface RewrapFailure {
  owner: OwnerRef;
  provider: ProviderId;
  keyId: string | undefined;
  /** Why; never key material. */
  reason: string;
}

export interface RewrapReport {
  dryRun: boolean;
  activeVersion: number;
  /** Which owners the first pass visited (holders.ts). */
  walk: Pick<OwnerWalk, 'scope' | 'indexedAt'>;
  passes: number;
  /** In the first pass. */
  ownersScanned: number;
  /** Owners written (or that would be, in a dry run), over all passes. */
  ownersChanged: number;
  /** Values re-encrypted (or that would be), over all passes. */
  valuesRewrapped: number;
  /** Values found under the active KEK already, in the first pass. */
  alreadyCurrent: number;
  /** Values stored under each KEK version as the first pass found them. */
  valuesByKekVersion: Record<number, number>;
  /** Values that could not be rewrapped, as the last pass found them. */
  failures: RewrapFailure[];
  /** Values not under the active KEK after the run (failures included); 0 when the old KEK can go. */
  remaining: number;
  interrupted: boolean;
}

interface PassResult {
  walk: Pick<OwnerWalk, 'scope' | 'indexedAt'>;
  ownersScanned: number;
  ownersChanged: number;
  valuesRewrapped: number;
  alreadyCurrent: number;
  valuesByKekVersion: Record<number, number>;
  failures: RewrapFailure[];
  remaining: number;
}

export function createRewrap(deps: RewrapDeps) {
  const { codec, activeVersion } = deps;

  const ad = (owner: OwnerRef, provider: ProviderId, keyId: string) => ({ ownerKind: owner.kind, ownerId: owner.id, provider, keyId });

  /**
   * One owner's values: which are current, which were (or would be) rewrapped, which failed.
   * Pure apart from the codec; the new lists hold only providers with a change.
   */
  function plan(stored: StoredOwner) {
    const changed = new Map<ProviderId, SealedKey[]>();
    const failures: RewrapFailure[] = [];
    const byVersion: Record<number, number> = {};
    let current = 0;
    let rewrapped = 0;
    for (const provider of PROVIDER_IDS) {
      const list = stored.sealed.get(provider) ?? [];
      const broken = stored.unreadable.filter((entry) => entry.provider === provider);
      for (const entry of broken) failures.push({ owner: stored.owner, provider, keyId: entry.keyId, reason: `unreadable value: ${entry.problem}` });
      let touched = false;
      const next = list.map((sealed) => {
        const header = codec.inspect(sealed.envelope);
        if (header !== undefined) byVersion[header.kekVersion] = (byVersion[header.kekVersion] ?? 0) + 1;
        if (header?.kekVersion === activeVersion) {
          current += 1;
          return sealed;
        }
        if (broken.length > 0) {
          failures.push({ owner: stored.owner, provider, keyId: sealed.keyId, reason: 'not rewritten: this provider also holds unreadable values, which a rewrite would drop' });
          return sealed;
        }
        try {
          const plaintext = codec.open(sealed.envelope, ad(stored.owner, provider, sealed.keyId));
          touched = true;
          rewrapped += 1;
          return { keyId: sealed.keyId, envelope: codec.seal(plaintext, ad(stored.owner, provider, sealed.keyId)) };
        } catch (error) {
          const reason = error instanceof DecryptError ? `${error.reason}: ${error.message}` : 'cannot decrypt';
          failures.push({ owner: stored.owner, provider, keyId: sealed.keyId, reason });
          return sealed;
        }
      });
      if (touched) changed.set(provider, next);
    }
    return { changed, failures, byVersion, current, rewrapped };
  }

  async function pass(number: number, options: RewrapOptions): Promise<PassResult> {
    // The walk reads the groups first (they are few), so that the total is known for progress.
    const walk = await deps.owners.open();
    const ownersTotal = walk.groups.length + walk.usersTotal;
    async function* everyOwner(): AsyncIterable<StoredOwner> {
      yield* walk.groups;
      yield* walk.users();
    }
    const result: PassResult = { walk: { scope: walk.scope, indexedAt: walk.indexedAt }, ownersScanned: 0, ownersChanged: 0, valuesRewrapped: 0, alreadyCurrent: 0, valuesByKekVersion: {}, failures: [], remaining: 0 };
    const progress = () =>
      options.onProgress?.({ pass: number, ownersScanned: result.ownersScanned, ownersTotal, valuesRewrapped: result.valuesRewrapped, failed: result.failures.length });

    await forEachConcurrent(
      everyOwner(),
      options.concurrency,
      async (scanned) => {
        // The scan's copy decides whether the owner needs a write at all; the write itself plans
        // again on a fresh read under the lock.
        let outcome = plan(scanned);
        if (outcome.rewrapped > 0 && !options.dryRun) {
          outcome = await deps.locks.withLock(scanned.owner, async () => {
            const fresh = await deps.store.load(scanned.owner);
            if (!fresh) return plan({ ...scanned, sealed: new Map(), unreadable: [] }); // deleted meanwhile
            const planned = plan(fresh);
            if (planned.changed.size > 0) await deps.store.save(fresh, { sealed: planned.changed });
            return planned;
          });
          if (outcome.changed.size > 0) deps.onWrite?.(scanned.owner);
        }
        result.ownersScanned += 1;
        result.alreadyCurrent += outcome.current;
        result.valuesRewrapped += outcome.rewrapped;
        result.failures.push(...outcome.failures);
        result.remaining += outcome.failures.length;
        for (const [version, count] of Object.entries(outcome.byVersion)) {
          result.valuesByKekVersion[Number(version)] = (result.valuesByKekVersion[Number(version)] ?? 0) + count;
        }
        if (outcome.rewrapped > 0) {
          result.ownersChanged += 1;
          options.onOwnerChanged?.(scanned.owner, outcome.rewrapped);
        }
        progress();
      },
      options.signal,
    );
    // In a dry run nothing was written: what would be rewrapped is still left.
    if (options.dryRun) result.remaining += result.valuesRewrapped;
    progress();
    return result;
  }

  return {
    async run(options: RewrapOptions): Promise<RewrapReport> {
      const maxPasses = options.dryRun ? 1 : Math.max(1, options.maxPasses ?? 3);
      const first = await pass(1, options);
      const report: RewrapReport = {
        dryRun: options.dryRun,
        activeVersion,
        walk: first.walk,
        passes: 1,
        ownersScanned: first.ownersScanned,
        ownersChanged: first.ownersChanged,
        valuesRewrapped: first.valuesRewrapped,
        alreadyCurrent: first.alreadyCurrent,
        valuesByKekVersion: first.valuesByKekVersion,
        failures: first.failures,
        remaining: first.remaining,
        interrupted: options.signal?.aborted ?? false,
      };
      let last = first;
      // Another pass finds what a concurrent writer put back (see the header); it writes only that.
      while (!report.interrupted && last.valuesRewrapped > 0 && report.passes < maxPasses) {
        last = await pass(report.passes + 1, options);
        report.passes += 1;
        report.ownersChanged += last.ownersChanged;
        report.valuesRewrapped += last.valuesRewrapped;
        report.failures = last.failures;
        report.remaining = last.remaining;
        report.interrupted = options.signal?.aborted ?? false;
      }
      // A last pass that still rewrapped something may have been undone again: say it is not done.
      if (!options.dryRun && last.valuesRewrapped > 0 && report.passes > 1) report.remaining += last.valuesRewrapped;
      return report;
    },
  };
}
