import { describeWalk } from '../vault/holders.js';
import { createRewrap, type RewrapReport } from '../vault/rewrap.js';
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK } from './args.js';
import type { CliContext } from './context.js';
import { createProgress } from './progress.js';

export const rewrapOptions = {
  'dry-run': { type: 'boolean' },
  concurrency: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

export const rewrapHelp = `byok rewrap [--dry-run] [--concurrency N] [--verbose] [--quiet]

Re-encrypts every stored key value, on users and on groups, that is not under the active KEK
(ENCRYPTION_KEYS, highest version unless ENCRYPTION_ACTIVE_KEY_VERSION says otherwise), so that
an older KEK version can then be removed. Each value is opened with the version its envelope
names; the record inside (id, label, dates, status) is kept exactly, usage is not touched.

It visits the key holders only once byok index-holders has built the holder index (every user
and group before; the report says which).

Resumable: only values not yet under the active KEK are rewritten, so after an interruption
(Ctrl-C, a crash, Keycloak gone) run it again and it continues. After a pass that changed
something it checks again (a service instance may have written an owner back meanwhile) until
nothing is left, at most 3 passes.

  --dry-run          report what would be rewrapped; write nothing
  --concurrency N    owners worked on at once (default 4, 1-32)
  --verbose, -v      print every owner that was (or would be) changed
  --quiet, -q        no progress; only problems and the summary

Prints: owners scanned, values rewrapped, already current, values per KEK version, failures
(owner, provider, key id, reason; never key material) and what is left under an old KEK.
Exit code 0 when nothing is left under an old KEK (for --dry-run: nothing failed), 1 when
something failed or is left (e.g. a value under a KEK version ENCRYPTION_KEYS does not hold),
2 for usage errors, 130 when interrupted.

Environment: the service's (KEYCLOAK_URL, KEYCLOAK_REALM, KEYCLOAK_CLIENT_ID,
KEYCLOAK_CLIENT_SECRET, ENCRYPTION_KEYS with the old and the new version,
ENCRYPTION_ACTIVE_KEY_VERSION).`;

export async function rewrap(
  context: CliContext,
  flags: { dryRun: boolean; concurrency: number; verbose: boolean; quiet: boolean },
  out: (line: string) => void,
  signal?: AbortSignal,
): Promise<number> {
  const activeVersion = context.config.keyring.activeVersion;
  const progress = createProgress({ label: flags.dryRun ? 'rewrap (dry run)' : 'rewrap', unit: 'owners', quiet: flags.quiet });
  const runner = createRewrap({ owners: context.walks, store: context.store, locks: context.locks, codec: context.codec, activeVersion });
  let report: RewrapReport;
  try {
    report = await runner.run({
      dryRun: flags.dryRun,
      concurrency: flags.concurrency,
      ...(signal ? { signal } : {}),
      onProgress: (p) => progress.update(p.ownersScanned, p.ownersTotal, `pass ${p.pass}, ${p.valuesRewrapped} rewrapped, ${p.failed} failed`),
      onOwnerChanged: (owner, values) => {
        if (flags.verbose) out(`${flags.dryRun ? 'would rewrap' : 'rewrapped'}  ${owner.kind} ${owner.id}: ${values} value${values === 1 ? '' : 's'}`);
      },
    });
  } finally {
    progress.stop();
  }
  for (const failure of report.failures) {
    out(`FAIL  ${failure.owner.kind} ${failure.owner.id} ${failure.provider} ${failure.keyId ?? '(no key id)'}: ${failure.reason}`);
  }
  const versions = Object.entries(report.valuesByKekVersion).map(([version, count]) => `v${version}: ${count}`).join(', ') || 'none';
  out(`rewrap${report.dryRun ? ' (dry run, nothing written)' : ''}: active KEK version ${report.activeVersion}`);
  out(`  owners scanned      ${report.ownersScanned} (${describeWalk(report.walk)})`);
  out(`  ${report.dryRun ? 'would rewrap      ' : 'values rewrapped  '}  ${report.valuesRewrapped} (in ${report.ownersChanged} owners${report.passes > 1 ? `, ${report.passes} passes` : ''})`);
  out(`  already current     ${report.alreadyCurrent}`);
  out(`  failed              ${report.failures.length}`);
  out(`  values by KEK       ${versions} (before this run)`);
  if (report.interrupted) {
    out('interrupted: run byok rewrap again to continue');
    return EXIT_INTERRUPTED;
  }
  if (report.dryRun) return report.failures.length > 0 ? EXIT_FAILED : EXIT_OK;
  if (report.remaining > 0) {
    out(`not done: ${report.remaining} value${report.remaining === 1 ? '' : 's'} not under KEK version ${report.activeVersion}; keep the old KEK version until this is 0`);
    return EXIT_FAILED;
  }
  out(`done: every readable value is under KEK version ${report.activeVersion}`);
  return EXIT_OK;
}
