import { loadBootstrapConfig } from '../config/bootstrap-config.js';
import { INDEX_INCOMPLETE } from '../vault/holders.js';
import { masterAdminClient } from '../keycloak/master-admin.js';
import { createServiceAccountHolderIndex } from '../keycloak/holder-index-store.js';
import { applyRealmPlan, realmPlan } from '../keycloak/realm-bootstrap.js';

export const bootstrapRealmHelp = `byok bootstrap-realm [--dev] [--quiet]

Creates the realm (default "byok") with the roles and clients byok-vault needs; idempotent: what
exists is left as it is. Logs in as a master-realm administrator.

  --dev     also create the development data: fixed client secrets, the
            byok-internal-demo client, group team-alpha, users alice/bob/carol/dave/ops
            (password = username), and direct access grants on ops-center
  --quiet   print only warnings and generated secrets

Environment: KEYCLOAK_URL (required), KEYCLOAK_REALM (byok), KEYCLOAK_ADMIN_USERNAME,
KEYCLOAK_ADMIN_PASSWORD, KEYCLOAK_ADMIN_REALM (master), KEYCLOAK_CLIENT_ID (byok-service),
KEYCLOAK_CLIENT_SECRET (optional: the secret byok-service is created with; else Keycloak generates
one and it is printed once; an existing client keeps its secret, and a different one given here is
a warning naming where to read the real one: Clients → byok-service → Credentials), PUBLIC_URL (http://127.0.0.1:8787), UI_EXTRA_ORIGINS, INTERNAL_CLIENT_IDS
(existing clients of internal services, comma-separated).

A realm it creates holds no keys yet, so its holder index is marked complete at once (realm walks
visit key holders only from the start); an existing realm is left to byok index-holders.

Upgrading an existing realm: it adds the audience mapper (aud = KEYCLOAK_CLIENT_ID, which the service
requires in every token) to ops-center and the internal clients, and the missing redirect URIs and web
origins to ops-center; other differences are reported as warnings and left unchanged.`;

export async function bootstrapRealm(
  flags: { dev: boolean; quiet: boolean },
  env: Record<string, string | undefined>,
  out: (line: string) => void,
): Promise<number> {
  const config = loadBootstrapConfig(env);
  const kc = await masterAdminClient(config);
  const report = await applyRealmPlan(
    kc,
    realmPlan({
      realm: config.realm,
      dev: flags.dev,
      serviceClientId: config.serviceClientId,
      serviceClientSecret: config.serviceClientSecret,
      uiOrigins: [...config.uiOrigins],
      internalClientIds: [...config.internalClientIds],
    }),
  );
  // A realm made in this run holds no byok data: its holder index is complete as it stands
  // (docs/storage.md#holder-index). An existing realm is told whether it still needs building. The
  // admin client is already pointed at the realm.
  const holderIndex = createServiceAccountHolderIndex({ call: (_operation, run) => run(kc) }, config.serviceClientId);
  let holderAdvice: string | undefined;
  if (report.created.includes(`realm ${config.realm}`)) {
    await holderIndex.markComplete(new Date());
    report.created.push('holder index (a new realm: nothing to index)');
  } else {
    const completedAt = await holderIndex.completedAt().catch(() => undefined);
    if (completedAt !== undefined) report.existing.push(`holder index (complete since ${completedAt})`);
    else holderAdvice = `holder index not complete: ${INDEX_INCOMPLETE} (once every instance runs this release)`;
  }
  if (!flags.quiet) {
    for (const line of report.created) out(`created   ${line}`);
    for (const line of report.existing) out(`exists    ${line}`);
  }
  for (const line of report.warnings) out(`WARNING   ${line}`);
  if (holderAdvice !== undefined) out(`NOTE      ${holderAdvice}`);
  for (const line of report.secretNotes) out(`secret    ${line}`);
  for (const [clientId, secret] of Object.entries(report.generatedSecrets)) {
    out(`secret    ${clientId}: ${secret}   (shown once; set KEYCLOAK_CLIENT_SECRET to it)`);
  }
  out(`realm ${config.realm}: ${report.created.length} created, ${report.existing.length} already there, ${report.warnings.length} warnings`);
  return 0;
}
