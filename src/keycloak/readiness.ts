/**
 * Readiness (docs/api.md#operations-endpoints): the service is ready when Keycloak answers for our realm under the issuer we
 * pin, the service account can get a token, and the realm's user profile keeps unmanaged attributes
 * admin-only (`unmanagedAttributePolicy` = ADMIN_EDIT). Without that policy Keycloak either drops our
 * `byok_*` attributes silently (policy unset) or shows them to users (ENABLED/ADMIN_VIEW). And the UI
 * client's tokens must carry the service's audience (audience-watch.ts: judged from the tokens seen).
 */
import { isAppError } from '../errors.js';
import { keycloakStatusOf, type KeycloakAdmin } from './admin-client.js';
import type { AudienceWatch } from './audience-watch.js';
import type { ServiceTokenCache } from './service-token.js';

export const REQUIRED_UNMANAGED_ATTRIBUTE_POLICY = 'ADMIN_EDIT';

export interface ReadinessCheck {
  name: 'keycloak' | 'service_token' | 'user_profile' | 'redis' | 'admin_events' | 'token_audience' | 'kek_check';
  ok: boolean;
  detail: string;
}

export interface ReadinessReport {
  ready: boolean;
  /** The first failing check's detail, for a one-line answer. */
  reason: string | undefined;
  checks: ReadinessCheck[];
}

export interface ReadinessOptions {
  issuer: string;
  timeoutMs: number;
  tokens: ServiceTokenCache;
  admin: KeycloakAdmin;
  fetch?: typeof fetch;
  /** Whether the UI client's tokens carry the audience (decides readiness). */
  tokenAudience?: Pick<AudienceWatch, 'check'>;
  /** ENCRYPTION_KEYS opens what is stored (src/vault/kek-check.ts; cached there). Run once the service token works. */
  kekCheck?: () => Promise<{ ok: boolean; detail: string }>;
  /** Reported in the detail without deciding readiness (Redis: the service serves without it, docs/scale-out.md). */
  advisory?: () => ReadinessCheck[];
}

export type Readiness = ReturnType<typeof createReadiness>;

export function createReadiness(options: ReadinessOptions) {
  const doFetch = options.fetch ?? fetch;

  async function checkKeycloak(): Promise<ReadinessCheck> {
    const url = `${options.issuer}/.well-known/openid-configuration`;
    try {
      const response = await doFetch(url, { signal: AbortSignal.timeout(options.timeoutMs) });
      if (response.status === 404) {
        await response.body?.cancel();
        return { name: 'keycloak', ok: false, detail: `realm not found at ${options.issuer}` };
      }
      if (!response.ok) {
        await response.body?.cancel();
        return { name: 'keycloak', ok: false, detail: `Keycloak answered HTTP ${response.status} at ${url}` };
      }
      const discovery = (await response.json()) as { issuer?: unknown };
      if (discovery.issuer !== options.issuer) {
        return {
          name: 'keycloak',
          ok: false,
          detail:
            `Keycloak issues tokens as ${String(discovery.issuer)} but the service expects ${options.issuer}; ` +
            'set Keycloak --hostname and KEYCLOAK_URL to the same URL',
        };
      }
      return { name: 'keycloak', ok: true, detail: `reachable at ${options.issuer}` };
    } catch {
      return { name: 'keycloak', ok: false, detail: `Keycloak unreachable at ${url}` };
    }
  }

  async function checkServiceToken(): Promise<ReadinessCheck> {
    try {
      await options.tokens.get();
      return { name: 'service_token', ok: true, detail: 'service account token obtained' };
    } catch (error) {
      return {
        name: 'service_token',
        ok: false,
        detail: isAppError(error) ? error.message : 'service account token could not be obtained',
      };
    }
  }

  async function checkUserProfile(): Promise<ReadinessCheck> {
    try {
      const profile = await options.admin.getUserProfileConfig();
      const policy = profile.unmanagedAttributePolicy ?? 'unset';
      if (policy !== REQUIRED_UNMANAGED_ATTRIBUTE_POLICY) {
        return {
          name: 'user_profile',
          ok: false,
          detail:
            `realm user profile unmanagedAttributePolicy is ${policy}, must be ${REQUIRED_UNMANAGED_ATTRIBUTE_POLICY} ` +
            '(run `byok bootstrap-realm` or set it under Realm settings > General > Unmanaged attributes: Only administrators can write)',
        };
      }
      return { name: 'user_profile', ok: true, detail: `unmanagedAttributePolicy is ${policy}` };
    } catch (error) {
      const status = keycloakStatusOf(error);
      const detail =
        status === 403
          ? 'the service account may not read the realm user profile'
          : isAppError(error)
            ? error.message
            : 'the realm user profile could not be read';
      return { name: 'user_profile', ok: false, detail };
    }
  }

  async function checkKek(kekCheck: NonNullable<ReadinessOptions['kekCheck']>): Promise<ReadinessCheck> {
    try {
      const { ok, detail } = await kekCheck();
      return { name: 'kek_check', ok, detail };
    } catch (error) {
      const reason = isAppError(error) ? error.message : keycloakStatusOf(error) === 403 ? 'the service account may not read or write users' : (error as Error).message;
      return { name: 'kek_check', ok: false, detail: `the key-check values could not be read: ${reason}` };
    }
  }

  return {
    async check(): Promise<ReadinessReport> {
      const keycloak = await checkKeycloak();
      const checks: ReadinessCheck[] = [keycloak];
      if (keycloak.ok) {
        const token = await checkServiceToken();
        checks.push(token);
        if (token.ok) checks.push(await checkUserProfile());
        if (options.tokenAudience) checks.push(options.tokenAudience.check());
        if (token.ok && options.kekCheck) checks.push(await checkKek(options.kekCheck));
      }
      const failed = checks.find((check) => !check.ok);
      return { ready: failed === undefined, reason: failed?.detail, checks: [...checks, ...(options.advisory?.() ?? [])] };
    },
  };
}
