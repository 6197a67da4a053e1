import type KcAdminClient from '@keycloak/keycloak-admin-client';
import { INDEX_INCOMPLETE } from '../vault/holders.js';
import { loadBootstrapConfig } from '../config/bootstrap-config.js';
import { masterAdminClient } from '../keycloak/master-admin.js';
import { ConfigError, loadConfig, type Config } from '../config/config.js';
import { keycloakStatusOf } from '../keycloak/admin-client.js';
import { checkAdminEvents } from '../keycloak/admin-events.js';
import { createKeycloakAccess } from '../keycloak/keycloak-access.js';
import { AUDIENCE_FIX, hasAudienceMapper } from '../keycloak/realm-bootstrap.js';
import { createLogger } from '../observability/logger.js';
import type { HolderIndexState } from '../vault/ports.js';

export const doctorHelp = `byok doctor

Checks what the service needs before it can serve, one line per check, and exits non-zero when one
fails: the configuration (every variable, ENCRYPTION_KEYS well formed), Keycloak reachable under the
pinned issuer, the service token obtainable, the service account able to read users, the realm's
user profile policy (unmanaged attributes admin-only), admin events on and readable by the service
account (how disables and membership changes reach its caches), and that ENCRYPTION_KEYS opens what
is stored (each KEK version's key-check value, or a sample of stored keys where none is recorded yet;
a wrong version is named). It also says whether the holder index is complete (a warning, not a
failure: until byok index-holders builds it, realm walks visit every user). Reads the same
environment as the service; writes nothing.
With KEYCLOAK_ADMIN_USERNAME and KEYCLOAK_ADMIN_PASSWORD set, it also checks that ops-center (UI_CLIENT_ID)
and the clients of INTERNAL_CLIENT_IDS put the service's audience into their tokens (the service
account may not read client settings, so this check needs an administrator).`;

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
  // The token audience as readiness judges it needs tokens to have been seen; doctor asks an admin instead.
  for (const check of report.checks.filter((c) => c.name !== 'token_audience')) out(`${check.ok ? 'ok  ' : 'FAIL'}  ${check.name.padEnd(13)}  ${check.detail}`);
  let failed = !report.ready;
  if (report.checks.find((check) => check.name === 'service_token')?.ok) {
    try {
      await keycloak.admin.call('users.find', (kc) => kc.users.find({ max: 1, briefRepresentation: true }));
      out('ok    read_users     the service account can read users');
    } catch (error) {
      failed = true;
      out(`FAIL  read_users     the service account cannot read users (${(error as Error).message}); grant it realm-management view-users and manage-users`);
    }
    // Disables and membership changes reach the resolution caches through the realm's admin events.
    const events = await checkAdminEvents(keycloak.admin, config.keycloak.realm);
    if (!events.ok) failed = true;
    out(`${events.ok ? 'ok  ' : 'FAIL'}  admin_events   ${events.detail}`);
    // Advice, not a failure: without the holder index the walks work, over every user.
    out(await holderIndexLine(keycloak.holderIndex));
  }
  if (report.checks.find((check) => check.name === 'keycloak')?.ok) {
    if (!(await checkAudienceMappers(config, env, out))) failed = true;
  }
  return failed ? 1 : 0;
}

/** Whether realm walks visit key holders only (docs/storage.md#holder-index); never fails the doctor. */
async function holderIndexLine(index: HolderIndexState): Promise<string> {
  try {
    const at = await index.completedAt();
    if (at !== undefined) return `ok    holder_index   complete since ${at}: stats, rewrap, migrate-legacy and the KEK check visit key holders only`;
    return `warn  holder_index   not complete: ${INDEX_INCOMPLETE}`;
  } catch (error) {
    return `warn  holder_index   could not be read (${(error as Error).message.split('\n')[0]})`;
  }
}

/** The audience mapper on the UI client and the named internal clients; false when one lacks it. */
async function checkAudienceMappers(config: Config, env: Record<string, string | undefined>, out: (line: string) => void): Promise<boolean> {
  const audience = config.keycloak.tokenAudience;
  if (!env.KEYCLOAK_ADMIN_USERNAME || !env.KEYCLOAK_ADMIN_PASSWORD) {
    out(`skip  token_audience tokens must carry aud ${audience}; not checked (set KEYCLOAK_ADMIN_USERNAME and KEYCLOAK_ADMIN_PASSWORD to check the clients' audience mappers)`);
    return true;
  }
  const admin = loadBootstrapConfig(env);
  let kc: KcAdminClient;
  try {
    kc = await masterAdminClient({ ...admin, keycloakUrl: config.keycloak.url }, config.keycloak.timeoutMs);
  } catch {
    out('FAIL  token_audience the administrator (KEYCLOAK_ADMIN_USERNAME) could not log in to check the audience mappers');
    return false;
  }
  kc.setConfig({ realmName: config.keycloak.realm });
  let ok = true;
  for (const clientId of [config.ui.clientId, ...admin.internalClientIds]) {
    try {
      const client = (await kc.clients.find({ clientId })).find((found) => found.clientId === clientId);
      if (!client?.id) {
        ok = false;
        out(`FAIL  token_audience client ${clientId} does not exist in realm ${config.keycloak.realm}`);
      } else if (!hasAudienceMapper(await kc.clients.listProtocolMappers({ id: client.id }), audience)) {
        ok = false;
        out(`FAIL  token_audience client ${clientId} has no audience mapper for ${audience}, so the service refuses its tokens: ${AUDIENCE_FIX}`);
      } else {
        out(`ok    token_audience client ${clientId} puts ${audience} into its tokens`);
      }
    } catch (error) {
      ok = false;
      const status = keycloakStatusOf(error);
      out(`FAIL  token_audience client ${clientId} could not be read by the administrator (${status === undefined ? 'no answer' : `HTTP ${status}`})`);
    }
  }
  return ok;
}
