/**
 * The user API (docs/api.md#user-api) as the UI uses it. Every call first asks for a fresh access token
 * (keycloak-js refreshes it when it is about to expire), and every error becomes an ApiError with the
 * service's stable code and message, so views can show it next to what caused it.
 */
export type Tier = 'free' | 'trial' | 'starter' | 'professional' | 'enterprise';
export type KeyStatus = 'active' | 'disabled' | 'expired' | 'invalid';
export type TestStatus = 'valid' | 'invalid' | 'rate_limited' | 'unreachable';

export interface Provider {
  id: string;
  name: string;
  keyHint: string;
  requiresBaseUrl: boolean;
  defaultBaseUrl: string | null;
  testable: boolean;
}

export interface KeyView {
  id: string;
  provider: string;
  label: string;
  maskedKey: string;
  enabled: boolean;
  status: KeyStatus;
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  lastTestedAt: string | null;
  testStatus: TestStatus | null;
  baseUrl: string | null;
}

export interface OwnerKeys {
  tier: Tier | null;
  canAddKeys: boolean;
  addKeysBlockedBy: 'tier' | null;
  requiredTier: Tier;
  maxKeysPerProvider: number;
  providers: { provider: string; keys: KeyView[] }[];
}

export interface TestResult {
  keyId: string;
  status: TestStatus;
  testedAt: string;
}

export interface NewKey {
  provider: string;
  apiKey: string;
  label?: string;
  baseUrl?: string;
}

export interface KeyPatch {
  label?: string;
  enabled?: boolean;
  apiKey?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A message for people: the service's message, plus which field was wrong for validation errors. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (Array.isArray(error.details) && error.details.length > 0) {
      const fields = error.details
        .map((detail: { path?: unknown; message?: unknown }) => `${String(detail.path || 'body')}: ${String(detail.message ?? '')}`)
        .join('; ');
      return `${error.message} (${fields})`;
    }
    return error.message;
  }
  return 'The service could not be reached. Check your connection and try again.';
}

export function createApi(getToken: () => Promise<string>) {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = await getToken();
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (response.status === 204) return undefined as T;
    const payload = (await response.json().catch(() => undefined)) as { error?: { code?: string; message?: string; details?: unknown } } | undefined;
    if (!response.ok) {
      const error = payload?.error;
      throw new ApiError(response.status, error?.code ?? 'HTTP_' + response.status, error?.message ?? `The service answered ${response.status}.`, error?.details);
    }
    return payload as T;
  }
  const segment = encodeURIComponent;

  return {
    providers: () => call<{ providers: Provider[] }>('GET', '/byok/providers').then((body) => body.providers),
    keys: () => call<OwnerKeys>('GET', '/byok/keys'),
    providerKeys: (provider: string) => call<OwnerKeys>('GET', `/byok/keys?provider=${segment(provider)}`),
    add: (key: NewKey) => call<KeyView>('POST', '/byok/keys/add', key),
    replaceSecret: (provider: string, keyId: string, apiKey: string) => call<KeyView>('POST', '/byok/keys/add', { provider, keyId, apiKey }),
    update: (provider: string, keyId: string, patch: KeyPatch) => call<KeyView>('PATCH', `/byok/keys/${segment(provider)}/${segment(keyId)}`, patch),
    remove: (provider: string, keyId: string) => call<void>('DELETE', `/byok/keys/${segment(provider)}/${segment(keyId)}`),
    test: (provider: string, keyId: string) =>
      call<{ provider: string; results: TestResult[] }>('POST', `/byok/keys/test/${segment(provider)}?keyId=${segment(keyId)}`).then((body) => body.results),
  };
}

export type Api = ReturnType<typeof createApi>;
