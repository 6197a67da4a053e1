import { createHolderIndexBuilder, type HolderIndexReport } from '../vault/holder-index.js';
import { EXIT_INTERRUPTED, EXIT_OK } from './args.js';
import type { CliContext } from './context.js';
import { createProgress } from './progress.js';

export const indexHoldersOptions = {
  'dry-run': { type: 'boolean' },
  concurrency: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

export const indexHoldersHelp = `byok index-holders [--dry-run] [--concurrency N] [--verbose] [--quiet]

Builds the holder index (docs/storage.md#holder-index): walks every user and group once and puts
the attribute byok_holder=1 on every owner that holds keys (readable or not) or legacy keys of the
old ops center, and removes it where it is stale. At the end it marks the index complete, and from
then on byok stats, rewrap, migrate-legacy, the KEK check and GET /admin/stats visit the key holders
only (found with Keycloak's attribute search) instead of every user of the realm. Every write of
the service keeps the mark, so this is needed once: on a realm that had keys before this release
(after every instance runs it), and again after byok data was written outside the service (users
restored or imported from elsewhere, the old ops center still writing legacy keys).

Idempotent: a second run writes no owner. A mark is changed the way the service writes (the owner's
lock, a fresh read, only byok_* attributes written back). Interrupted (Ctrl-C), the marks set so far
stay and the index is not marked complete: run it again.

  --dry-run          count the marks that would be set and removed; write nothing
  --concurrency N    owners worked on at once (default 4, 1-32)
  --verbose, -v      print every owner whose mark was (or would be) changed
  --quiet, -q        no progress; only the summary

Environment: the service's (KEYCLOAK_URL, KEYCLOAK_REALM, KEYCLOAK_CLIENT_ID,
KEYCLOAK_CLIENT_SECRET, ENCRYPTION_KEYS).`;

export async function indexHolders(
  context: CliContext,
  flags: { dryRun: boolean; concurrency: number; verbose: boolean; quiet: boolean },
  out: (line: string) => void,
  signal?: AbortSignal,
): Promise<number> {
  const progress = createProgress({ label: flags.dryRun ? 'index-holders (dry run)' : 'index-holders', unit: 'owners', quiet: flags.quiet });
  const builder = createHolderIndexBuilder({ scanner: context.store, store: context.store, locks: context.locks, index: context.holderIndex, now: () => new Date() });
  let report: HolderIndexReport;
  try {
    report = await builder.run({
      dryRun: flags.dryRun,
      concurrency: flags.concurrency,
      ...(signal ? { signal } : {}),
      onProgress: (p) => progress.update(p.ownersScanned, p.ownersTotal, `${p.marked} marked, ${p.unmarked} unmarked`),
      onOwnerChanged: (owner, holds) => {
        if (flags.verbose) out(`${flags.dryRun ? 'would ' : ''}${holds ? 'mark  ' : 'unmark'}  ${owner.kind} ${owner.id}`);
      },
    });
  } finally {
    progress.stop();
  }
  out(`index-holders${report.dryRun ? ' (dry run, nothing written)' : ''}:`);
  out(`  owners scanned      ${report.ownersScanned}`);
  out(`  key holders         ${report.holders.users} users, ${report.holders.groups} groups`);
  out(`  ${report.dryRun ? 'would mark        ' : 'marked            '}  ${report.marked}`);
  out(`  ${report.dryRun ? 'would unmark      ' : 'unmarked          '}  ${report.unmarked}`);
  if (report.interrupted) {
    out('interrupted: the index is not complete; run byok index-holders again');
    return EXIT_INTERRUPTED;
  }
  if (report.completedAt !== undefined) out(`done: the holder index is complete (${report.completedAt}); realm walks visit key holders only`);
  return EXIT_OK;
}
