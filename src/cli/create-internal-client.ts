import { loadBootstrapConfig } from '../config/bootstrap-config.js';
import { masterAdminClient } from '../keycloak/master-admin.js';
import { credentialsPlace, ensureInternalClient } from '../keycloak/realm-bootstrap.js';
import { INTERNAL_ROLE } from '../keycloak/roles.js';
import { UsageError } from './args.js';

export const createInternalClientHelp = `byok create-internal-client <clientId> [--quiet]

Creates a Keycloak client for an internal service that resolves keys (POST /api/v1/internal/resolve
and /report): confidential, client-credentials grant only, its service account holding the realm
role ${INTERNAL_ROLE}, and the audience mapper that puts KEYCLOAK_CLIENT_ID (byok-service) into its
tokens' aud. Prints the client secret once, when it creates the client. Idempotent: an existing
client keeps its secret (read it in the admin console: Clients → <clientId> → Credentials) and
only gets the role or the mapper it lacks. Logs in as a master-realm administrator, like
bootstrap-realm; the realm must have been bootstrapped.

  --quiet   print only the secret (or where to read it)

Environment: KEYCLOAK_URL (required), KEYCLOAK_REALM (byok), KEYCLOAK_ADMIN_USERNAME,
KEYCLOAK_ADMIN_PASSWORD, KEYCLOAK_ADMIN_REALM (master), KEYCLOAK_CLIENT_ID (byok-service: the
audience).`;

/** Keycloak's own rule for client ids is loose; these keep ids safe in URLs, logs and shells. */
const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

export async function createInternalClient(
  clientId: string,
  flags: { quiet: boolean },
  env: Record<string, string | undefined>,
  out: (line: string) => void,
): Promise<number> {
  if (!CLIENT_ID.test(clientId)) {
    throw new UsageError('the client id must be 1-100 letters, digits, . _ : - (starting with a letter or digit)', 'create-internal-client');
  }
  const config = loadBootstrapConfig(env);
  if (clientId === config.serviceClientId) {
    throw new UsageError(`${clientId} is the service's own client (KEYCLOAK_CLIENT_ID); choose another id`, 'create-internal-client');
  }
  const kc = await masterAdminClient(config);
  const report = await ensureInternalClient(kc, { realm: config.realm, clientId, tokenAudience: config.serviceClientId });
  if (!flags.quiet) for (const line of report.lines) out(line);
  if (report.secret) {
    out(`secret    ${clientId}: ${report.secret}   (shown once; store it in the internal service's secret store)`);
  } else {
    out(`secret    ${clientId}: exists; its secret is unchanged and not shown (${credentialsPlace(clientId)})`);
  }
  if (!flags.quiet) {
    out(`token     POST ${config.keycloakUrl}/realms/${config.realm}/protocol/openid-connect/token  grant_type=client_credentials client_id=${clientId} client_secret=<secret>`);
  }
  return 0;
}
