/**
 * Everything the service and the CLI need to talk to Keycloak, built from Config in one place:
 * the service token cache, the admin adapter fed by it, the incoming-token verifier and readiness.
 */
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { createEnvelopeCodec } from '../crypto/envelope.js';
import { createOwnerWalks, INDEX_INCOMPLETE } from '../vault/holders.js';
import { createKekCheck } from '../vault/kek-check.js';
import { createKeycloakAdmin } from './admin-client.js';
import { createServiceAccountHolderIndex } from './holder-index-store.js';
import { createServiceAccountKekCheckStore } from './kek-check-store.js';
import { createKeycloakOwnerStore } from './owner-store.js';
import { createReadiness, type ReadinessCheck } from './readiness.js';
import { createAudienceWatch } from './audience-watch.js';
import { createServiceTokenCache } from './service-token.js';
import { createTokenIntrospection } from './token-introspection.js';
import { createTokenVerifier } from './token-verifier.js';

export type KeycloakAccess = ReturnType<typeof createKeycloakAccess>;

export interface KeycloakAccessOptions {
  /** Record a missing key-check value once verified (the service); `byok doctor` only reads. Default true. */
  recordKekCheck?: boolean;
}

export function createKeycloakAccess(config: Config, logger: Logger, metrics?: Metrics, advisory?: () => ReadinessCheck[], options: KeycloakAccessOptions = {}) {
  const tokens = createServiceTokenCache({
    tokenUrl: `${config.keycloak.issuer}/protocol/openid-connect/token`,
    clientId: config.keycloak.clientId,
    clientSecret: config.keycloak.clientSecret,
    timeoutMs: config.keycloak.timeoutMs,
    refreshSkewSeconds: config.keycloak.tokenRefreshSkewSeconds,
    onBackgroundError: (error) => logger.warn({ reason: (error as Error).message }, 'service token refresh failed'),
    onRequest: (outcome) => metrics?.tokenRequests.inc({ outcome }),
  });
  const admin = createKeycloakAdmin({
    url: config.keycloak.url,
    realm: config.keycloak.realm,
    timeoutMs: config.keycloak.timeoutMs,
    tokens,
    onCall: (operation, outcome, durationMs) => metrics?.keycloakCalls.observe({ operation, outcome }, durationMs / 1000),
  });
  // Readiness notices when the UI client's tokens lack the audience (its mapper is missing).
  const audienceWatch = createAudienceWatch({ clientId: config.ui.clientId, audience: config.keycloak.tokenAudience, now: Date.now });
  const verifier = createTokenVerifier({
    url: config.keycloak.url,
    realm: config.keycloak.realm,
    timeoutMs: config.keycloak.timeoutMs,
    audience: config.keycloak.tokenAudience,
    onMissingAudience: audienceWatch.missing,
    onAccepted: audienceWatch.accepted,
  });
  const introspection = createTokenIntrospection({
    introspectionUrl: `${config.keycloak.issuer}/protocol/openid-connect/token/introspect`,
    clientId: config.keycloak.clientId,
    clientSecret: config.keycloak.clientSecret,
    realm: config.keycloak.realm,
    timeoutMs: config.keycloak.timeoutMs,
    onRequest: (outcome, durationMs) =>
      metrics?.keycloakCalls.observe({ operation: 'token.introspect', outcome: outcome === 'active' ? 'ok' : outcome }, durationMs / 1000),
  });
  // Realm-wide walks (statistics, rewrap, migration, the KEK check) visit key holders only once the
  // holder index is complete; until then every owner, said once per process.
  const holderIndex = createServiceAccountHolderIndex(admin, config.keycloak.clientId);
  let toldEveryOwner = false;
  const walks = createOwnerWalks({
    scanner: createKeycloakOwnerStore(admin),
    index: holderIndex,
    onEveryOwner: () => {
      if (toldEveryOwner) return;
      toldEveryOwner = true;
      logger.warn(`holder index not complete: ${INDEX_INCOMPLETE}`);
    },
  });
  // Does ENCRYPTION_KEYS open what is stored? Part of readiness and of `byok doctor`.
  const kekCheck = createKekCheck({
    keyring: config.keyring,
    store: createServiceAccountKekCheckStore(admin, config.keycloak.clientId),
    owners: walks,
    codec: createEnvelopeCodec(config.keyring),
    record: options.recordKekCheck ?? true,
    now: Date.now,
  });
  const readiness = createReadiness({
    issuer: config.keycloak.issuer,
    timeoutMs: config.keycloak.timeoutMs,
    tokens,
    admin,
    tokenAudience: audienceWatch,
    kekCheck: () => kekCheck.check(),
    ...(advisory ? { advisory } : {}),
  });
  return { tokens, admin, verifier, introspection, readiness, kekCheck, holderIndex, walks };
}
