import { ConfigError } from '../config/config.js';
import { fernetDecrypt, parseFernetKey } from '../crypto/fernet.js';
import { describeWalk } from '../vault/holders.js';
import { createLegacyMigration, type LegacyOutcome } from '../vault/legacy.js';
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK } from './args.js';
import type { CliContext } from './context.js';
import { createProgress } from './progress.js';

export const migrateLegacyOptions = {
  'dry-run': { type: 'boolean' },
  concurrency: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

export const migrateLegacyHelp = `byok migrate-legacy [--dry-run] [--concurrency N] [--verbose] [--quiet]

Moves the keys the previous Python ops center stored on users (docs/storage.md#legacy-format: byok_<provider>_key,
a Fernet token made with its ENCRYPTION_KEY, with _label, _added_date, _last_tested,
_test_status, _endpoint) into byok-vault records (byok_<provider>_keys, encrypted under the
active KEK). label, added_date (createdAt), last_tested and test_status are carried over;
endpoint becomes the base URL of custom-provider keys (it must pass the base URL policy, as
when a user adds one); other providers always use their own API, so their endpoint is dropped
and said so.

It visits the key holders only once byok index-holders has built the holder index (every user
before): legacy keys written into Keycloak after the index was built (the old ops center still
running, users imported later) are found only after another byok index-holders.

Legacy attributes are removed only after the new record has been written, read back from
Keycloak and decrypted to the same secret. Idempotent: a second run finds nothing to do, and a
run that was interrupted is finished by running it again (the new record's id is derived from
the legacy token, so it is never added twice). A key that cannot be migrated (its token does not
decrypt with LEGACY_ENCRYPTION_KEY, an unknown provider, a refused endpoint, a malformed key) is
reported by user id and provider, never with the token or the key, and left exactly as it was.

  --dry-run          decrypt and check everything, report what would happen; write nothing
  --concurrency N    users worked on at once (default 4, 1-32)
  --verbose, -v      print every key migrated (user id, provider, new key id)
  --quiet, -q        no progress; only problems and the summary

Exit code 0 when every legacy key was migrated (or would be) or there were none, 1 when some key
failed or was skipped ("completed with problems"; run again after fixing), 2 for usage errors,
130 when interrupted.

Environment: LEGACY_ENCRYPTION_KEY (required: the old ops center's ENCRYPTION_KEY, a Fernet key,
url-safe base64 of 32 bytes), and the service's: KEYCLOAK_URL, KEYCLOAK_REALM,
KEYCLOAK_CLIENT_ID, KEYCLOAK_CLIENT_SECRET, ENCRYPTION_KEYS, ALLOW_PRIVATE_BASE_URLS,
ALLOW_INSECURE_BASE_URLS.`;

function describe(outcome: LegacyOutcome): string {
  const where = `user ${outcome.userId} ${outcome.provider}`;
  switch (outcome.status) {
    case 'migrated':
      return `migrated       ${where} -> ${outcome.keyId}`;
    case 'would_migrate':
      return `would migrate  ${where} -> ${outcome.keyId}`;
    case 'failed':
      return `FAIL           ${where}: ${outcome.reason}`;
    case 'skipped':
      return `SKIP           ${where}: ${outcome.reason}`;
  }
}

export async function migrateLegacy(
  context: CliContext,
  env: Record<string, string | undefined>,
  flags: { dryRun: boolean; concurrency: number; verbose: boolean; quiet: boolean },
  out: (line: string) => void,
  signal?: AbortSignal,
): Promise<number> {
  const parsed = parseFernetKey(env.LEGACY_ENCRYPTION_KEY);
  if (!parsed.ok) throw new ConfigError([parsed.problem]);
  const legacyKey = parsed.key;
  const progress = createProgress({ label: flags.dryRun ? 'migrate-legacy (dry run)' : 'migrate-legacy', unit: 'users', quiet: flags.quiet });
  const migration = createLegacyMigration({
    owners: context.walks,
    store: context.store,
    locks: context.locks,
    opener: context.opener,
    decrypt: (token) => fernetDecrypt(legacyKey, token),
    registry: context.registry,
    checkBaseUrl: context.checkBaseUrl,
    now: () => new Date(),
  });
  let report;
  try {
    report = await migration.run({
      dryRun: flags.dryRun,
      concurrency: flags.concurrency,
      ...(signal ? { signal } : {}),
      onProgress: (p) => progress.update(p.usersScanned, p.usersTotal, `${p.migrated} ${flags.dryRun ? 'to migrate' : 'migrated'}, ${p.problems} problems`),
    });
  } finally {
    progress.stop();
  }
  const ordered = [...report.outcomes].sort((a, b) => a.userId.localeCompare(b.userId) || a.provider.localeCompare(b.provider));
  for (const outcome of ordered) {
    const problem = outcome.status === 'failed' || outcome.status === 'skipped';
    if (problem || flags.verbose || flags.dryRun) out(describe(outcome));
    if (problem || flags.verbose) for (const note of outcome.notes) out(`  note: ${note}`);
    else for (const note of outcome.notes) out(`note           user ${outcome.userId} ${outcome.provider}: ${note}`);
  }
  out(`migrate-legacy${report.dryRun ? ' (dry run, nothing written)' : ''}:`);
  out(`  users scanned            ${report.usersScanned} (${describeWalk(report.walk)})`);
  out(`  users with legacy keys   ${report.usersWithLegacyKeys}`);
  out(`  ${report.dryRun ? 'would migrate          ' : 'migrated               '}  ${report.dryRun ? report.wouldMigrate : report.migrated}`);
  out(`  failed                   ${report.failed}`);
  out(`  skipped                  ${report.skipped}`);
  if (report.interrupted) {
    out('interrupted: run byok migrate-legacy again to continue');
    return EXIT_INTERRUPTED;
  }
  if (report.failed + report.skipped > 0) {
    out('completed with problems: the keys listed above were left as they were');
    return EXIT_FAILED;
  }
  out(report.usersWithLegacyKeys === 0 ? 'nothing to do: no legacy keys found' : 'done');
  return EXIT_OK;
}
