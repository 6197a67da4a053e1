/**
 * Configuration of `byok bootstrap-realm`: the master-realm administrator it logs in as, and the
 * realm it creates. Separate from the service's Config because the service never holds master
 * admin credentials.
 */
import { z } from 'zod';
import { ConfigError, withoutEmptyVariables } from './config.js';
import { urlVariable } from './url-variable.js';

const url = (name: string, fallback?: string) => {
  const base = urlVariable(name, { protocols: ['http:', 'https:'], kind: 'an http(s) URL', example: 'http://127.0.0.1:8080' });
  return fallback === undefined ? base : base.default(fallback);
};

const schema = z.object({
  KEYCLOAK_URL: url('KEYCLOAK_URL'),
  KEYCLOAK_REALM: z.string().trim().regex(/^[A-Za-z0-9._-]+$/).default('byok'),
  KEYCLOAK_ADMIN_REALM: z.string().trim().min(1).default('master'),
  KEYCLOAK_ADMIN_USERNAME: z.string({ error: 'KEYCLOAK_ADMIN_USERNAME is required (a master-realm administrator)' }).min(1),
  KEYCLOAK_ADMIN_PASSWORD: z.string({ error: 'KEYCLOAK_ADMIN_PASSWORD is required' }).min(1),
  KEYCLOAK_CLIENT_ID: z.string().trim().min(1).default('byok-service'),
  KEYCLOAK_CLIENT_SECRET: z.string().min(1).optional(),
  /** Where users reach the service (and so the UI); becomes the ops-center client's redirect URI. */
  PUBLIC_URL: url('PUBLIC_URL', 'http://127.0.0.1:8787'),
  /** Further UI origins, comma-separated (e.g. a second host name). */
  UI_EXTRA_ORIGINS: z.string().optional(),
  /** Client ids of existing internal services (comma-separated): each gets the audience mapper. */
  INTERNAL_CLIENT_IDS: z.string().optional(),
});

/** Every variable `byok bootstrap-realm` reads. */
export const BOOTSTRAP_VARIABLES: readonly string[] = Object.freeze(Object.keys(schema.shape));

export interface BootstrapConfig {
  readonly keycloakUrl: string;
  readonly realm: string;
  readonly adminRealm: string;
  readonly adminUsername: string;
  readonly adminPassword: string;
  readonly serviceClientId: string;
  readonly serviceClientSecret: string | undefined;
  readonly uiOrigins: readonly string[];
  readonly internalClientIds: readonly string[];
}

export function loadBootstrapConfig(env: Record<string, string | undefined>): BootstrapConfig {
  const parsed = schema.safeParse(withoutEmptyVariables(env));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => {
      const variable = issue.path.join('.');
      return issue.message.includes(variable) ? issue.message : `${variable}: ${issue.message}`;
    }));
  }
  const e = parsed.data;
  const extra = (e.UI_EXTRA_ORIGINS ?? '').split(',').map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean);
  return Object.freeze({
    keycloakUrl: e.KEYCLOAK_URL,
    realm: e.KEYCLOAK_REALM,
    adminRealm: e.KEYCLOAK_ADMIN_REALM,
    adminUsername: e.KEYCLOAK_ADMIN_USERNAME,
    adminPassword: e.KEYCLOAK_ADMIN_PASSWORD,
    serviceClientId: e.KEYCLOAK_CLIENT_ID,
    serviceClientSecret: e.KEYCLOAK_CLIENT_SECRET,
    uiOrigins: Object.freeze([...new Set([e.PUBLIC_URL, ...extra])]),
    internalClientIds: Object.freeze([...new Set((e.INTERNAL_CLIENT_IDS ?? '').split(',').map((id) => id.trim()).filter(Boolean))]),
  });
}
