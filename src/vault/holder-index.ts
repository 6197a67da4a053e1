/**
 * `byok index-holders` (docs/operations.md): makes the holder index complete (holders.ts,
 * docs/storage.md#holder-index), for realms whose owners got keys before every write kept the
 * holder mark, or after a change outside the service (a restore of single users, an import, the old
 * ops center writing legacy keys).
 *
 * Invariants:
 * - It walks every group and user (never the holder search: what the index misses is what it is
 *   looking for), and checks each owner's mark against `holdsByokData`.
 * - An owner whose mark is wrong is written the service's way: the owner's lock, a fresh read, and a
 *   save with an empty change, which writes the owner back as read with only the mark brought in
 *   line (docs/storage.md#writes: fields the service does not own are not sent). A fresh read that is
 *   right already is not written.
 * - The index is marked complete only after a walk that reached its end (not interrupted, no write
 *   failed, not a dry run). Every later write of the service keeps the mark, so it stays complete.
 * - Idempotent: a second run finds every mark right, writes no owner and marks the index again.
 */
import { forEachConcurrent } from './concurrent.js';
import { holdsByokData } from './holders.js';
import type { HolderIndexState, OwnerLocks, OwnerRef, OwnerScanner, OwnerStore, StoredOwner } from './ports.js';

export interface HolderIndexDeps {
  scanner: Pick<OwnerScanner, 'scanUsers' | 'scanGroups' | 'countUsers'>;
  store: OwnerStore;
  locks: OwnerLocks;
  index: HolderIndexState;
  now: () => Date;
}

export interface HolderIndexOptions {
  /** Count what would change; write nothing, and do not mark the index complete. */
  dryRun: boolean;
  /** Owners worked on at once. */
  concurrency: number;
  /** Stops taking new owners (those in progress finish); the index is then not marked complete. */
  signal?: AbortSignal;
  onProgress?: (progress: { ownersScanned: number; ownersTotal: number; marked: number; unmarked: number }) => void;
  /** Told of every owner whose mark was (or would be) set (`holds`) or removed. */
  onOwnerChanged?: (owner: OwnerRef, holds: boolean) => void;
}

export interface HolderIndexReport {
  dryRun: boolean;
  ownersScanned: number;
  /** Owners holding byok data, as this walk found them. */
  holders: { users: number; groups: number };
  /** Owners whose mark was set (or would be). */
  marked: number;
  /** Owners whose stale mark was removed (or would be). */
  unmarked: number;
  /** When this run marked the index complete; undefined when it did not (dry run, interrupted). */
  completedAt: string | undefined;
  interrupted: boolean;
}

export function createHolderIndexBuilder(deps: HolderIndexDeps) {
  const wrong = (stored: StoredOwner) => holdsByokData(stored) !== (stored.holderMark ?? false);

  return {
    async run(options: HolderIndexOptions): Promise<HolderIndexReport> {
      const report: HolderIndexReport = { dryRun: options.dryRun, ownersScanned: 0, holders: { users: 0, groups: 0 }, marked: 0, unmarked: 0, completedAt: undefined, interrupted: false };
      // Groups are few: read them first, so that the total (groups + users) is known for progress.
      const groups: StoredOwner[] = [];
      for await (const group of deps.scanner.scanGroups()) groups.push(group);
      const ownersTotal = groups.length + (await deps.scanner.countUsers());
      async function* everyOwner(): AsyncIterable<StoredOwner> {
        yield* groups;
        yield* deps.scanner.scanUsers();
      }
      const progress = () => options.onProgress?.({ ownersScanned: report.ownersScanned, ownersTotal, marked: report.marked, unmarked: report.unmarked });

      await forEachConcurrent(
        everyOwner(),
        options.concurrency,
        async (scanned) => {
          // The scan's copy decides whether a write may be needed; the write decides on a fresh read.
          let final: StoredOwner | undefined = scanned;
          let changed = false;
          if (wrong(scanned)) {
            if (options.dryRun) changed = true;
            else {
              ({ final, changed } = await deps.locks.withLock(scanned.owner, async () => {
                const fresh = await deps.store.load(scanned.owner);
                if (!fresh || !wrong(fresh)) return { final: fresh, changed: false };
                await deps.store.save(fresh, {});
                return { final: fresh, changed: true };
              }));
            }
          }
          const holds = final !== undefined && holdsByokData(final);
          if (holds) report.holders[scanned.owner.kind === 'user' ? 'users' : 'groups'] += 1;
          if (changed) {
            if (holds) report.marked += 1;
            else report.unmarked += 1;
            options.onOwnerChanged?.(scanned.owner, holds);
          }
          report.ownersScanned += 1;
          progress();
        },
        options.signal,
      );
      report.interrupted = options.signal?.aborted ?? false;
      if (!options.dryRun && !report.interrupted) {
        const at = deps.now();
        await deps.index.markComplete(at);
        report.completedAt = at.toISOString();
      }
      progress();
      return report;
    },
  };
}
