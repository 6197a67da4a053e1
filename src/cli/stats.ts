import { describeWalk } from '../vault/holders.js';
import { computeRealmStats } from '../vault/realm-stats.js';
import { EXIT_OK } from './args.js';
import type { CliContext } from './context.js';
import { createProgress } from './progress.js';

export const statsOptions = {
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

export const statsHelp = `byok stats [--json] [--quiet]

Counts across the realm: users and groups with keys, keys per provider, keys by status (active,
disabled, expired, invalid, unreadable), users per subscription tier (and how many of them have
keys), stored values per KEK version (a rotation is finished when only the active version is
left) and legacy keys still waiting for byok migrate-legacy. Writes nothing. Users, groups and
users per tier are Keycloak's counts; the rest comes from a walk over the key holders (over every
user and group until byok index-holders has built the holder index; the report says which).

  --json        one JSON object on stdout instead of the table
  --quiet, -q   no progress

Environment: the service's (KEYCLOAK_URL, KEYCLOAK_REALM, KEYCLOAK_CLIENT_ID,
KEYCLOAK_CLIENT_SECRET, ENCRYPTION_KEYS).`;

const list = (entries: Record<string, number>) =>
  Object.entries(entries)
    .filter(([, count]) => count > 0)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ') || 'none';

export async function stats(context: CliContext, flags: { json: boolean; quiet: boolean }, out: (line: string) => void): Promise<number> {
  const progress = createProgress({ label: 'stats', unit: 'owners', quiet: flags.quiet || flags.json });
  let figures;
  try {
    figures = await computeRealmStats(
      { owners: context.walks, counts: context.store, opener: context.opener, inspect: (envelope) => context.codec.inspect(envelope), now: () => new Date() },
      (visited, total) => progress.update(visited, total, 'counting'),
    );
  } finally {
    progress.stop();
  }
  if (flags.json) {
    out(JSON.stringify(figures, null, 2));
    return EXIT_OK;
  }
  const active = context.config.keyring.activeVersion;
  const versions = Object.entries(figures.valuesByKekVersion)
    .map(([version, count]) => `v${version}${Number(version) === active ? ' (active)' : ''} ${count}`)
    .join(', ') || 'none';
  out(`users with keys      ${figures.usersWithKeys} of ${figures.users}`);
  out(`groups with keys     ${figures.groupsWithKeys} of ${figures.groups}`);
  out(`keys                 ${figures.keys}`);
  out(`keys by provider     ${list(figures.keysByProvider)}`);
  out(`keys by status       ${list(figures.keysByStatus)}`);
  out(`users by tier        ${Object.entries(figures.usersByTier).map(([tier, t]) => `${tier} ${t.users} (${t.withKeys} with keys)`).join(', ')}`);
  out(`values by KEK        ${versions}`);
  out(`legacy keys          ${figures.legacy.keys} on ${figures.legacy.users} users${figures.legacy.keys > 0 ? ' (run byok migrate-legacy)' : ''}`);
  out(`walked               ${figures.walk.ownersVisited} owners: ${describeWalk({ scope: figures.walk.scope, indexedAt: figures.walk.indexedAt ?? undefined })}`);
  return EXIT_OK;
}
