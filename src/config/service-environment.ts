/**
 * The environment the service process is given. An env file holds the operator's secrets too (the
 * Keycloak master-admin credentials for `byok bootstrap-realm`, the legacy Fernet key for `byok
 * migrate-legacy`); the service must never hold them, or a leak of its memory or environment
 * (/proc/<pid>/environ, a crash dump, a child process) would give away the whole Keycloak.
 * So the scripts that start it (deploy.sh, dev.sh) drop every variable that is not one of:
 * - the service's configuration: CONFIG_VARIABLES (provider keys and base URLs included);
 * - what Node.js and the C library read: RUNTIME_VARIABLES and the LC_* locale family.
 */
import { CONFIG_VARIABLES } from './config.js';

export const RUNTIME_VARIABLES: readonly string[] = Object.freeze([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'TMPDIR',
  'TZ',
  'LANG',
  'LANGUAGE',
  'NODE_ENV',
  'NODE_OPTIONS',
  // A private CA for Keycloak's TLS, and an outbound proxy (Node 24: NODE_USE_ENV_PROXY).
  'NODE_EXTRA_CA_CERTS',
  'NODE_USE_ENV_PROXY',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
]);

const allowed = new Set([...CONFIG_VARIABLES, ...RUNTIME_VARIABLES]);

/** Whether the service process may be given variable `name`. */
export function isServiceVariable(name: string): boolean {
  return allowed.has(name) || /^LC_[A-Z]+$/.test(name);
}

/** The names in `names` the service process must not be given (for the scripts to unset). */
export function foreignVariables(names: Iterable<string>): string[] {
  return [...names].filter((name) => !isServiceVariable(name)).sort();
}
