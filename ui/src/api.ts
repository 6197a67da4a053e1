/**
 * The user API (docs/api.md#user-api) and the admin API (docs/api.md#admin-api) as the UI uses them, typed with the server's own types (api-types.ts is
 * generated from the endpoint table's OpenAPI document). Every call first asks for a fresh access token
 * (keycloak-js refreshes it when it is about to expire), and every error becomes an ApiError with the
 * service's stable code and message, so views can show it next to what caused it.
 */
import type { components, paths } from './api-types';

// The service's own types (generated from its OpenAPI document: npm run api:types).
type Schemas = components['schemas'];
type Json<Path extends keyof paths, Method extends keyof paths[Path], Status extends number> = paths[Path][Method] extends {
  responses: { [S in Status]: { content: { 'application/json': infer Body } } };
}
  ? Body
  : never;
type RequestBody<Path extends keyof paths, Method extends keyof paths[Path]> = paths[Path][Method] extends {
  requestBody: { content: { 'application/json': infer Body } };
}
  ? Body
  : never;

export type KeyView = Schemas['KeyView'];
export type OwnerKeys = Schemas['OwnerKeys'];
export type Tier = OwnerKeys['requiredTier'];
export type KeyStatus = KeyView['status'];
export type TestStatus = NonNullable<KeyView['testStatus']>;
export type Provider = Schemas['Providers']['providers'][number];
export type TestResult = Schemas['TestResults']['results'][number];
export type NewKey = Omit<RequestBody<'/api/v1/byok/keys/add', 'post'>, 'keyId'>;
export type KeyPatch = RequestBody<'/api/v1/byok/keys/{provider}/{keyId}', 'patch'>;
export type Me = Json<'/api/v1/me', 'get', 200>;
export type Preferences = Schemas['Preferences'];
export type KeyStats = Schemas['KeyStats'];
export type TeamKeys = Schemas['TeamKeys'];
export type Team = TeamKeys['teams'][number];
export type UserSummary = Schemas['UserSummary'];
export type GroupSummary = Schemas['GroupSummary'];
export type GroupList = Schemas['GroupList'];
export type AdoptionStats = Schemas['AdoptionStats'];

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

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type ApiPath = Extract<keyof paths, `/api/v1/${string}`>;
/** The JSON of an operation's success answer (200, else 201), or void (204). */
type Success<Operation> = Operation extends { responses: infer Responses }
  ? Responses extends { 200: { content: { 'application/json': infer Body } } }
    ? Body
    : Responses extends { 201: { content: { 'application/json': infer Body } } }
      ? Body
      : void
  : never;
type BodyOf<Operation> = Operation extends { requestBody: { content: { 'application/json': infer Body } } } ? Body : undefined;

export function createApi(getToken: () => Promise<string>) {
  /** One operation of the document: its path (as the document spells it), parameters and body are checked by the compiler. */
  async function call<P extends ApiPath, M extends Method & keyof paths[P]>(
    method: M,
    path: P,
    options: { params?: Record<string, string>; query?: Record<string, string>; body?: BodyOf<paths[P][M]> } = {},
  ): Promise<Success<paths[P][M]>> {
    const token = await getToken();
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
    const { body } = options;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(options.params?.[name] ?? ''));
    const query = options.query === undefined ? '' : `?${new URLSearchParams(options.query).toString()}`;
    const response = await fetch(`${filled}${query}`, { method: method.toUpperCase(), headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (response.status === 204) return undefined as Success<paths[P][M]>;
    const payload = (await response.json().catch(() => undefined)) as { error?: { code?: string; message?: string; details?: unknown } } | undefined;
    if (!response.ok) {
      const error = payload?.error;
      throw new ApiError(response.status, error?.code ?? 'HTTP_' + response.status, error?.message ?? `The service answered ${response.status}.`, error?.details);
    }
    return payload as Success<paths[P][M]>;
  }

  return {
    providers: () => call('get', '/api/v1/byok/providers').then((body) => body.providers),
    keys: () => call('get', '/api/v1/byok/keys'),
    providerKeys: (provider: string) => call('get', '/api/v1/byok/keys', { query: { provider } }),
    add: (key: NewKey) => call('post', '/api/v1/byok/keys/add', { body: key }),
    replaceSecret: (provider: Provider['id'], keyId: string, apiKey: string) => call('post', '/api/v1/byok/keys/add', { body: { provider, keyId, apiKey } }),
    update: (provider: string, keyId: string, patch: KeyPatch) => call('patch', '/api/v1/byok/keys/{provider}/{keyId}', { params: { provider, keyId }, body: patch }),
    remove: (provider: string, keyId: string) => call('delete', '/api/v1/byok/keys/{provider}/{keyId}', { params: { provider, keyId } }),
    test: (provider: string, keyId: string) => call('post', '/api/v1/byok/keys/test/{provider}', { params: { provider }, query: { keyId } }).then((body) => body.results),
    stats: () => call('get', '/api/v1/byok/stats'),
    preferences: () => call('get', '/api/v1/byok/preferences'),
    setPreferences: (strict: boolean) => call('put', '/api/v1/byok/preferences', { body: { strict } }),
    /** The team keys of the caller's groups (masked, read-only) and whether strict mode keeps them from being used. */
    teamKeys: (): Promise<TeamKeys> => call('get', '/api/v1/byok/team-keys'),

    // The admin console (realm role byok-admin; the service answers 403 to anyone else).
    searchUsers: (search: string): Promise<UserSummary[]> => call('get', '/api/v1/admin/users', { query: { search } }).then((body) => body.users),
    adminUser: (userId: string): Promise<UserSummary> => call('get', '/api/v1/admin/users/{userId}', { params: { userId } }),
    adminUserKeys: (userId: string): Promise<KeyView[]> => call('get', '/api/v1/admin/users/{userId}/keys', { params: { userId } }).then((body) => body.keys),
    setTier: (userId: string, tier: Tier): Promise<Tier> => call('put', '/api/v1/admin/users/{userId}/tier', { params: { userId }, body: { tier } }).then((body) => body.tier),
    adminStats: (): Promise<AdoptionStats> => call('get', '/api/v1/admin/stats'),
    groups: (search?: string): Promise<GroupList> => call('get', '/api/v1/admin/groups', search === undefined ? {} : { query: { search } }),
    /** A team's keys and how many per provider it may hold. */
    groupKeys: (groupId: string): Promise<{ keys: KeyView[]; maxKeysPerProvider: number }> => call('get', '/api/v1/admin/groups/{groupId}/keys', { params: { groupId } }),
    testGroupKey: (groupId: string, provider: string, keyId: string): Promise<TestResult[]> =>
      call('post', '/api/v1/admin/groups/{groupId}/keys/test/{provider}', { params: { groupId, provider }, query: { keyId } }).then((body) => body.results),
    // A team's keys change through the same owner-key operations as a user's own (admin/team-keys.ts).
    addGroupKey: (groupId: string, key: NewKey): Promise<KeyView> => call('post', '/api/v1/admin/groups/{groupId}/keys', { params: { groupId }, body: key }),
    replaceGroupSecret: (groupId: string, provider: Provider['id'], keyId: string, apiKey: string): Promise<KeyView> =>
      call('post', '/api/v1/admin/groups/{groupId}/keys', { params: { groupId }, body: { provider, keyId, apiKey } }),
    updateGroupKey: (groupId: string, provider: string, keyId: string, patch: KeyPatch): Promise<KeyView> =>
      call('patch', '/api/v1/admin/groups/{groupId}/keys/{provider}/{keyId}', { params: { groupId, provider, keyId }, body: patch }),
    removeGroupKey: (groupId: string, provider: string, keyId: string): Promise<void> =>
      call('delete', '/api/v1/admin/groups/{groupId}/keys/{provider}/{keyId}', { params: { groupId, provider, keyId } }),
  };
}

export type Api = ReturnType<typeof createApi>;
