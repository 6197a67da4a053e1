import { AppError } from '../errors.js';
import { TIERS, type Tier } from '../vault/tiers.js';
import { EXIT_FAILED, EXIT_OK } from './args.js';
import type { CliContext } from './context.js';

export const setTierOptions = {} as const;

export const setTierHelp = `byok set-tier <username|user id> <tier>

Sets a user's subscription_tier (docs/storage.md#tiers-and-limits), through the same locked write as the admin API
(lock, fresh read, write of the attributes: everything else is kept). The user is looked up by id, then
by exact username. Tiers: ${TIERS.join(', ')}.

Exit code 0 when set, 1 when there is no such user or Keycloak fails, 2 for usage errors (an
unknown tier, missing arguments).

Environment: the service's (KEYCLOAK_URL, KEYCLOAK_REALM, KEYCLOAK_CLIENT_ID,
KEYCLOAK_CLIENT_SECRET, ENCRYPTION_KEYS).`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function setTier(context: CliContext, who: string, tier: Tier, out: (line: string) => void): Promise<number> {
  let user = UUID.test(who) ? await context.admin.getUser(who) : undefined;
  if (!user) {
    const found = await context.admin.call('users.find', (kc) => kc.users.find({ username: who, exact: true, briefRepresentation: true }));
    // Keycloak stores usernames in lower case; the brief listing carries no attributes.
    const match = found.find((candidate) => candidate.username === who.toLowerCase());
    user = match?.id ? await context.admin.getUser(match.id) : undefined;
  }
  if (!user?.id) {
    out(`FAIL  no user with id or username "${who}" in realm ${context.config.keycloak.realm}`);
    return EXIT_FAILED;
  }
  const before = ((user.attributes as Record<string, string[]> | undefined)?.subscription_tier ?? [])[0] ?? '(none: free)';
  try {
    await context.keys.setTier(user.id, tier);
  } catch (error) {
    if (error instanceof AppError && error.code === 'OWNER_NOT_FOUND') {
      out(`FAIL  user ${user.id} was deleted meanwhile`);
      return EXIT_FAILED;
    }
    throw error;
  }
  out(`subscription_tier of ${user.username} (${user.id}): ${before} -> ${tier}`);
  return EXIT_OK;
}
