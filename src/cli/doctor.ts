import { ConfigError, loadConfig } from '../config/config.js';
import { createKeycloakAccess } from '../keycloak/keycloak-access.js';
import { createLogger } from '../observability/logger.js';

export const doctorHelp = `byok doctor

Checks what the service needs before it can serve, one line per check, and exits non-zero when one
fails: the configuration (every variable, ENCRYPTION_KEYS well formed), Keycloak reachable under the
pinned issuer, the service token obtainable, the service account able to read users, the realm's
user profile policy (unmanaged attributes admin-only), and that ENCRYPTION_KEYS opens what is stored
(each KEK version's key-check value, or a sample of stored keys where none is recorded yet; a wrong
version is named). Reads the same environment as the service; writes nothing.`;

export async function doctor(env: Record<string, string | undefined>, out: (line: string) => void): Promise<number> {
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) out(`FAIL  config         ${problem}`);
    return 1;
  }
  out(`ok    config         KEYCLOAK_URL=${config.keycloak.url} realm=${config.keycloak.realm} KEK versions=${config.keyring.versions.join(',')} (active ${config.keyring.activeVersion})`);
  // Read-only: the key-check values are verified (or, where none is recorded yet, a sample of stored
  // keys), never written; the service records them.
  const keycloak = createKeycloakAccess(config, createLogger({ level: 'silent' }), undefined, undefined, { recordKekCheck: false });
  const report = await keycloak.readiness.check();
  for (const check of report.checks) out(`${check.ok ? 'ok  ' : 'FAIL'}  ${check.name.padEnd(13)}  ${check.detail}`);
  let failed = !report.ready;
  if (report.checks.find((check) => check.name === 'service_token')?.ok) {
    try {
      await keycloak.admin.call('users.find', (kc) => kc.users.find({ max: 1, briefRepresentation: true }));
      out('ok    read_users     the service account can read users');
    } catch (error) {
      failed = true;
      out(`FAIL  read_users     the service account cannot read users (${(error as Error).message}); grant it realm-management view-users and manage-users`);
    }
  }
  return failed ? 1 : 0;
}
