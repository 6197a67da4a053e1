/**
 * Resolution (docs/resolution.md): "which key does this internal service use for user U and model M?"
 *
 * - The provider comes from the request, or from the model name (`openai/gpt-4o`, `claude-…`), or is
 *   the configured fallback provider for a model nobody claims.
 * - The fallback chain is data (`ChainStep[]`, from RESOLUTION_CHAIN): user keys, team keys, the
 *   fallback provider's, then platform (system) keys. Strict users get only their own keys;
 *   `allowSystemFallback: false` drops the system steps.
 * - Within a step the servable keys (rules.ts `isServable`: enabled, not expired, not reported
 *   unauthorized/over quota, not tested invalid; decryptable, as only those are cached) that are not
 *   cooling down are served round-robin in docs/storage.md#key-records order, with one cursor per owner and provider.
 * - Nothing to serve is 404 NO_KEY_AVAILABLE with `details.reason`: `no_key` (ask the user for a key),
 *   `cooling_down` (wait: Retry-After says when the first key comes back), `user_disabled`.
 * - Owners come from the cache (one Keycloak read per owner however many resolves miss at once);
 *   only the served key's secret is decrypted, on use.
 * - A disabled user is served nothing at all (404 NO_KEY_AVAILABLE, `details.reason` user_disabled);
 *   the cache learns of disables and membership changes from Keycloak's admin events.
 */
import { AppError } from '../errors.js';
import type { AssociatedData, EnvelopeCodec } from '../crypto/envelope.js';
import type { ProviderId, ProviderRegistry } from '../providers/registry.js';
import { isServable, type HealthIssue, type KeyState, type NoKeyReason, type ReportOutcome, type TestStatus } from './rules.js';
import { NOT_CACHED, type LoadingCache } from './loading-cache.js';
import type { Clock, Cooldowns, Cursors, OwnerRef, Preferences, StoredOwner } from './ports.js';
import { ownerKey } from './ports.js';
import type { RecordOpener, VaultLog } from './record-opener.js';
import type { ChainStep } from './chain.js';
import type { ResolveSource, UsageTracker } from './usage-tracker.js';

/** What the cache holds per owner: everything resolution needs, without any decrypted secret. */
export interface ResolvableKey extends KeyState {
  keyId: string;
  label: string;
  createdAt: string;
  enabled: boolean;
  expiresAtMs: number | null;
  testStatus: TestStatus | null;
  healthIssue: HealthIssue | null;
  baseUrl: string | null;
  /** The secret, decrypted on use (see secretDecryption). */
  secret: () => string;
}

export interface ResolvableOwner {
  owner: OwnerRef;
  /** Users: false once an admin disabled the account (then resolution serves the user nothing). */
  enabled: boolean;
  preferences: Preferences;
  keys: ReadonlyMap<ProviderId, readonly ResolvableKey[]>;
}

/**
 * Builds the cache entry of an owner: opens every record once to learn its state, and keeps for each
 * key only a prepared decryption of its envelope (the secret stays encrypted in memory until served).
 */
export function toResolvable(stored: StoredOwner, opener: RecordOpener, codec: EnvelopeCodec): ResolvableOwner {
  const keys = new Map<ProviderId, ResolvableKey[]>();
  for (const provider of stored.sealed.keys()) {
    keys.set(
      provider,
      opener.openProvider(stored, provider).map(({ record, sealed }) => ({
        keyId: record.id,
        label: record.label,
        createdAt: record.createdAt,
        enabled: record.enabled,
        expiresAtMs: record.expiresAt === null ? null : Date.parse(record.expiresAt),
        testStatus: record.testStatus,
        healthIssue: record.healthIssue,
        baseUrl: record.baseUrl,
        secret: secretDecryption(codec, sealed.envelope, { ownerKind: stored.owner.kind, ownerId: stored.owner.id, provider, keyId: record.id }, record.secret),
      })),
    );
  }
  return { owner: stored.owner, enabled: stored.enabled, preferences: stored.preferences, keys };
}

/**
 * A key's secret, decrypted on each use from the envelope the cache keeps. The envelope holds the
 * whole record as JSON; when the secret is stored unescaped in it (any key of printable ASCII
 * without quotes or backslashes), only its bytes are decrypted, with nothing to parse per use;
 * otherwise the whole record, parsed. The bytes are found by searching the authenticated plaintext
 * for `"secret":"<the secret>"`: whatever matches decodes to exactly the secret.
 */
function secretDecryption(codec: EnvelopeCodec, envelope: string, ad: AssociatedData, secret: string): () => string {
  const quoted = JSON.stringify(secret);
  const field = quoted === `"${secret}"` ? Buffer.from(`"secret":${quoted}`, 'utf8') : undefined;
  const length = Buffer.byteLength(secret, 'utf8');
  // One preparation (one authenticated decryption): the secret's bytes when found, else the whole record.
  let alone = false;
  const bytes = codec.prepareRange(envelope, ad, (plaintext) => {
    const at = field === undefined ? -1 : plaintext.indexOf(field);
    if (at < 0) return { start: 0, end: plaintext.length };
    alone = true;
    const start = at + (field as Buffer).length - 1 - length;
    return { start, end: start + length };
  }) as () => Buffer;
  return alone ? () => bytes().toString('utf8') : () => (JSON.parse(bytes().toString('utf8')) as { secret: string }).secret;
}

export interface ResolveRequest {
  userId: string;
  provider?: ProviderId | undefined;
  model?: string | undefined;
  groupId?: string | undefined;
  allowSystemFallback?: boolean | undefined;
  /** Keys not to serve this time (the gateway's failover: the keys this request already tried). */
  exclude?: ReadonlySet<string> | undefined;
}

export interface Resolution {
  provider: ProviderId;
  model?: string;
  baseUrl: string | null;
  apiKey: string;
  source: ResolveSource;
  keyId?: string;
  label?: string;
  /** Who holds the served key (absent for platform keys); not part of the /internal/resolve answer. */
  holder?: OwnerRef;
}

export type { ReportOutcome };

export interface ResolverDeps {
  owners: LoadingCache<ResolvableOwner>;
  memberships: LoadingCache<readonly { id: string; path: string }[]>;
  registry: Pick<ProviderRegistry, 'get' | 'detectModel'>;
  cursors: Cursors;
  cooldowns: Cooldowns;
  /** Platform keys per provider (`<PROVIDER>_API_KEY`, comma-separated). */
  systemKeys: ReadonlyMap<ProviderId, readonly string[]>;
  chain: readonly ChainStep[];
  fallbackProvider: ProviderId | undefined;
  defaultCooldownSeconds: number;
  usage: UsageTracker;
  /** Stores a reported health issue on the key (an owner write). */
  markUnhealthy: (owner: OwnerRef, provider: ProviderId, keyId: string, issue: HealthIssue) => Promise<void>;
  clock: Clock;
  log: VaultLog;
  /**
   * Re-checks a key's own base URL (custom providers) against the URL policy before it is handed out;
   * a key whose URL fails is skipped (logged by id, with the policy's reason) as if unusable.
   */
  checkBaseUrl?: (raw: string) => Promise<{ ok: true } | { ok: false; reason: string }>;
  /** Told of every resolve: the source that served it (or none) and the chain step index. */
  onResolved?: (source: ResolveSource | 'none', stepIndex: number) => void;
  /** Told when a report takes a key out of rotation: a cooldown, or a stored health issue. */
  onKeyBenched?: (provider: ProviderId, reason: 'rate_limited' | 'unauthorized' | 'quota_exceeded', holder: 'owner' | 'system') => void;
}

const systemKeyId = (provider: ProviderId, index: number) => `system-${provider}-${index + 1}`;

/**
 * Where a failover resumes: the index in `usable` of the first key after the last one tried (the
 * last of `exclude`) in `order`, wrapping; undefined when that key is not among `order` (a first
 * resolve, or the failed key was another owner's).
 */
function afterLastTried<K extends { keyId: string }>(order: readonly K[], usable: readonly K[], exclude: ReadonlySet<string> | undefined): number | undefined {
  if (exclude === undefined || exclude.size === 0) return undefined;
  const last = [...exclude].at(-1);
  const position = order.findIndex((key) => key.keyId === last);
  if (position < 0) return undefined;
  for (let step = 1; step <= order.length; step += 1) {
    const index = usable.indexOf(order[(position + step) % order.length] as K);
    if (index >= 0) return index;
  }
  return undefined;
}

export type Resolver = ReturnType<typeof createResolver>;

/** The provider (and model) a request names or implies. */
type Picked = { provider: ProviderId; model?: string };
/** The user as the owner cache answered at once: the owner, "no such user", or NOT_CACHED (load it). */
type Peeked = ResolvableOwner | undefined | typeof NOT_CACHED;

export function createResolver(deps: ResolverDeps) {
  const { registry } = deps;
  // Platform keys with their ids, built once (they come from the environment and never change).
  const systemKeys = new Map(
    [...deps.systemKeys].map(([provider, keys]) => [provider, keys.map((apiKey, index) => ({ apiKey, keyId: systemKeyId(provider, index) }))]),
  );

  function pickProvider(request: ResolveRequest): { provider: ProviderId; model?: string } {
    if (request.provider !== undefined) return { provider: request.provider, ...(request.model !== undefined ? { model: request.model } : {}) };
    if (request.model === undefined) {
      throw new AppError('VALIDATION_FAILED', { message: 'Name a provider or a model.', details: [{ path: 'provider', message: 'provider or model is required' }] });
    }
    const detected = registry.detectModel(request.model);
    if (detected) return detected;
    if (deps.fallbackProvider !== undefined) return { provider: deps.fallbackProvider, model: request.model };
    throw new AppError('UNKNOWN_MODEL', { message: 'No provider is known for this model and no fallback provider is configured.' });
  }

  async function loadOwner(owner: OwnerRef): Promise<ResolvableOwner | undefined> {
    return deps.owners.get(ownerKey(owner));
  }

  /**
   * docs/resolution.md#round-robin: the next of `keys` not cooling down, in turn for this cursor, and
   * `allowed` (when given) from there on; when every one is cooling down, `backAt` says when the first
   * comes back (epoch ms). One cooldown read and one cursor step per resolve, however many are skipped.
   * A failover (`exclude` holds the keys this request tried) takes the usable key that follows the
   * last one tried, in order, without stepping the cursor: A fails, B is next, whatever the turn.
   */
  async function nextInTurn<K extends { keyId: string }>(
    keys: readonly K[],
    cursor: string,
    allowed: ((key: K) => Promise<boolean>) | undefined,
    exclude: ReadonlySet<string> | undefined,
  ): Promise<{ key?: K; backAt?: number }> {
    const remaining = exclude === undefined || exclude.size === 0 ? keys : keys.filter((key) => !exclude.has(key.keyId));
    if (remaining.length === 0) return {};
    // In-process state answers synchronously: awaiting only a real promise saves a microtask hop per
    // resolve (the profile of the hot path showed them).
    const coolingAnswer = deps.cooldowns.cooling(remaining.map((key) => key.keyId));
    const cooling = coolingAnswer instanceof Promise ? await coolingAnswer : coolingAnswer;
    const usable = cooling.size === 0 ? remaining : remaining.filter((key) => !cooling.has(key.keyId));
    const backAt = cooling.size === 0 ? {} : { backAt: Math.min(...cooling.values()) };
    if (usable.length === 0) return backAt;
    let start = afterLastTried(keys, usable, exclude);
    if (start === undefined) {
      const turn = deps.cursors.next(cursor);
      start = (turn instanceof Promise ? await turn : turn) % usable.length;
    }
    for (let step = 0; step < usable.length; step += 1) {
      const key = usable[(start + step) % usable.length] as K;
      if (!allowed || (await allowed(key))) return { key };
    }
    return backAt;
  }

  /** A key whose own base URL no longer passes the URL policy is skipped (and logged by id). */
  function baseUrlAllowed(owner: OwnerRef, provider: ProviderId): ((key: ResolvableKey) => Promise<boolean>) | undefined {
    const check = deps.checkBaseUrl;
    if (!check) return undefined;
    return async (key) => {
      if (key.baseUrl === null) return true;
      const result = await check(key.baseUrl);
      if (!result.ok) deps.log.warn({ owner: ownerKey(owner), provider, keyId: key.keyId, reason: result.reason }, 'key skipped: its base URL no longer passes the URL policy');
      return result.ok;
    };
  }

  /** The next servable key of an owner for a provider, decrypted; or when its first key comes back from a cooldown. */
  async function serveFrom(
    owner: ResolvableOwner,
    provider: ProviderId,
    exclude: ReadonlySet<string> | undefined,
  ): Promise<{ served?: { key: ResolvableKey; secret: string }; backAt?: number }> {
    const at = deps.clock.now();
    const servable = (owner.keys.get(provider) ?? []).filter((key) => isServable(key, at));
    const { key, backAt } = await nextInTurn(servable, `${ownerKey(owner.owner)}:${provider}`, baseUrlAllowed(owner.owner, provider), exclude);
    if (!key) return backAt === undefined ? {} : { backAt };
    return { served: { key, secret: key.secret() } };
  }

  /** Counts a serve of an owner's key and builds the answer (both resolve paths). */
  function servedFrom(owner: ResolvableOwner, key: ResolvableKey, secret: string, step: ChainStep, stepIndex: number, stepProvider: ProviderId, model: string | undefined): Resolution {
    deps.usage.record(owner.owner, stepProvider, key.keyId);
    deps.usage.countSource(step.source);
    deps.onResolved?.(step.source, stepIndex);
    const resolution: Resolution = {
      provider: stepProvider,
      baseUrl: key.baseUrl ?? registry.get(stepProvider).baseUrl ?? null,
      apiKey: secret,
      source: step.source,
      keyId: key.keyId,
      label: key.label,
      holder: owner.owner,
    };
    if (model !== undefined) resolution.model = model;
    return resolution;
  }

  /** The user's key whose turn it is, served (resolveNow). */
  function serveTurn(user: ResolvableOwner, usable: readonly ResolvableKey[], turn: number, step: ChainStep, provider: ProviderId, model: string | undefined): Resolution {
    const key = usable[turn % usable.length] as ResolvableKey;
    return servedFrom(user, key, key.secret(), step, 0, provider, model);
  }

  /**
   * The common case answered without a promise (docs/performance.md#the-hot-path): the first step of
   * the chain is the user's own keys for the requested provider, the user is cached and enabled, and
   * the in-process cooldowns answer at once; then the next of the user's keys in turn is served,
   * exactly as `resolve` would. Anything else (a cache miss, no usable own key, a failover's
   * exclusions, a key with its own base URL to re-check) is undefined before any state moved, and
   * `resolve` takes it from the start. With a shared cursor (Redis) the answer is a promise.
   */
  function resolveNow(request: ResolveRequest, picked: Picked, user: Peeked): Resolution | Promise<Resolution> | undefined {
    const first = deps.chain[0];
    if (first === undefined || first.source !== 'user' || first.provider !== 'requested') return undefined;
    if (request.exclude !== undefined && request.exclude.size > 0) return undefined;
    if (user === NOT_CACHED || user === undefined || !user.enabled) return undefined;
    const { provider, model } = picked;
    const at = deps.clock.now();
    // One pass: the servable keys and their ids (a key with its own base URL to re-check leaves it to `resolve`).
    const servable: ResolvableKey[] = [];
    const keyIds: string[] = [];
    for (const key of user.keys.get(provider) ?? []) {
      if (!isServable(key, at)) continue;
      if (deps.checkBaseUrl !== undefined && key.baseUrl !== null) return undefined;
      servable.push(key);
      keyIds.push(key.keyId);
    }
    if (servable.length === 0) return undefined;
    const cooling = deps.cooldowns.cooling(keyIds);
    if (cooling instanceof Promise) return undefined;
    const usable = cooling.size === 0 ? servable : servable.filter((key) => !cooling.has(key.keyId));
    if (usable.length === 0) return undefined;
    const turn = deps.cursors.next(`${ownerKey(user.owner)}:${provider}`);
    if (turn instanceof Promise) return turn.then((next) => serveTurn(user, usable, next, first, provider, model));
    return serveTurn(user, usable, turn, first, provider, model);
  }

  /** 404 NO_KEY_AVAILABLE, saying why: a caller asks the user for a key, or waits (Retry-After). */
  function noKey(reason: NoKeyReason, message: string, details: Record<string, unknown>, backAt?: number): AppError {
    const retryAfterSeconds = backAt === undefined ? undefined : Math.max(1, Math.ceil((backAt - deps.clock.now()) / 1000));
    return new AppError('NO_KEY_AVAILABLE', {
      message,
      details: { ...details, reason, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) },
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    });
  }

  /** The user's groups (already in path order, see MembershipDirectory), or only the one named. */
  async function groupsFor(userId: string, groupId: string | undefined) {
    const groups = (await deps.memberships.get(userId)) ?? [];
    if (groupId === undefined) return groups;
    const member = groups.find((group) => group.id === groupId);
    if (!member) deps.log.warn({ userId, groupId }, 'resolve named a group the user is not a member of; team step skipped');
    return member ? [member] : [];
  }

  /** The whole chain; the user as the owner cache had them at once, or loaded now (NOT_CACHED). */
  async function resolveLater(request: ResolveRequest, { provider, model }: Picked, peeked: Peeked): Promise<Resolution> {
    const fallback = deps.fallbackProvider !== undefined && deps.fallbackProvider !== provider ? deps.fallbackProvider : undefined;
    const user = peeked === NOT_CACHED ? await loadOwner({ kind: 'user', id: request.userId }) : peeked;
    if (!user) throw new AppError('OWNER_NOT_FOUND', { message: 'No such user.' });
    if (!user.enabled) {
      // A disabled user gets nothing: not their own keys, not team keys, not platform keys.
      deps.onResolved?.('none', deps.chain.length);
      throw noKey('user_disabled', 'The user is disabled.', { provider });
    }
    const strict = user.preferences.strict;
    // When keys that are only cooling down come back (epoch ms), over every step tried.
    const backAts: number[] = [];
    const sooner = (at: number | undefined) => {
      if (at !== undefined) backAts.push(at);
    };

    for (const [stepIndex, step] of deps.chain.entries()) {
      const stepProvider = step.provider === 'requested' ? provider : fallback;
      if (stepProvider === undefined) continue;
      if (strict && step.source !== 'user') continue;
      if (step.source === 'system' && request.allowSystemFallback === false) continue;
      const base = registry.get(stepProvider).baseUrl ?? null;
      // The model is passed on as named; the provider that serves it may be the fallback one.
      const stepModel = model === undefined ? undefined : stepProvider === provider ? model : (request.model ?? model);

      if (step.source === 'system') {
        const { key: chosen, backAt: systemBackAt } = await nextInTurn(systemKeys.get(stepProvider) ?? [], `system:${stepProvider}`, undefined, request.exclude);
        sooner(systemBackAt);
        if (!chosen) continue;
        deps.usage.record('system', stepProvider, chosen.keyId);
        deps.usage.countSource('system');
        deps.onResolved?.('system', stepIndex);
        return { provider: stepProvider, ...(stepModel === undefined ? {} : { model: stepModel }), baseUrl: base, apiKey: chosen.apiKey, source: 'system', keyId: chosen.keyId, label: 'platform key' };
      }

      const owners: ResolvableOwner[] = [];
      if (step.source === 'user') owners.push(user);
      else {
        for (const group of await groupsFor(request.userId, request.groupId)) {
          const loaded = await loadOwner({ kind: 'group', id: group.id });
          if (loaded) owners.push(loaded);
        }
      }
      for (const owner of owners) {
        const { served, backAt: ownerBackAt } = await serveFrom(owner, stepProvider, request.exclude);
        sooner(ownerBackAt);
        if (served) return servedFrom(owner, served.key, served.secret, step, stepIndex, stepProvider, stepModel);
      }
    }
    deps.onResolved?.('none', deps.chain.length);
    const details = { provider, ...(fallback ? { fallbackProvider: fallback } : {}), strict };
    if (backAts.length > 0) {
      throw noKey('cooling_down', 'Every usable key for this provider is cooling down after a rate limit; retry after Retry-After seconds.', details, Math.min(...backAts));
    }
    throw noKey(
      'no_key',
      strict ? 'The user has no usable key for this provider and accepts no team or platform keys.' : 'No usable key for this provider.',
      details,
    );
  }

  return {
    /**
     * The key to use (docs/resolution.md). A cached user's own key is answered at once (`resolveNow`),
     * everything else through the whole chain; either way a throw is the caller's error answer.
     */
    resolve(request: ResolveRequest): Resolution | Promise<Resolution> {
      try {
        // One owner-cache lookup per resolve, whichever path serves it (and one hit or miss counted).
        const picked = pickProvider(request);
        const user = deps.owners.peek(ownerKey({ kind: 'user', id: request.userId }));
        return resolveNow(request, picked, user) ?? resolveLater(request, picked, user);
      } catch (error) {
        // Never a synchronous throw: callers may chain on the answer.
        return Promise.reject(error as Error);
      }
    },

    /**
     * docs/resolution.md#health feedback. `rate_limited` cools the key down (default 60 s); `unauthorized` and
     * `quota_exceeded` take it out of rotation (stored on the key) until its secret is replaced or a
     * test passes; `ok` ends a cooldown; `error` changes nothing. Returns the key's holder (the
     * caller's audit trail names it).
     */
    async report(input: { userId: string; provider: ProviderId; keyId: string; outcome: ReportOutcome; retryAfterSeconds?: number | undefined }): Promise<OwnerRef | 'system'> {
      const owner = await findHolder(input.userId, input.provider, input.keyId);
      if (!owner) throw new AppError('KEY_NOT_FOUND');
      switch (input.outcome) {
        case 'rate_limited':
          await deps.cooldowns.coolDown(input.keyId, deps.clock.now() + (input.retryAfterSeconds ?? deps.defaultCooldownSeconds) * 1000);
          deps.onKeyBenched?.(input.provider, 'rate_limited', owner === 'system' ? 'system' : 'owner');
          return owner;
        case 'ok':
          await deps.cooldowns.clear(input.keyId);
          return owner;
        case 'unauthorized':
        case 'quota_exceeded':
          if (owner === 'system') {
            // Platform keys come from the environment; a long cooldown is all we can do.
            await deps.cooldowns.coolDown(input.keyId, deps.clock.now() + 3600 * 1000);
            deps.log.warn({ keyId: input.keyId, outcome: input.outcome }, 'platform key reported; cooling down for an hour');
            deps.onKeyBenched?.(input.provider, input.outcome, 'system');
            return owner;
          }
          await deps.markUnhealthy(owner, input.provider, input.keyId, input.outcome);
          deps.onKeyBenched?.(input.provider, input.outcome, 'owner');
          return owner;
        default:
          return owner;
      }
    },
  };

  /** Which owner holds a key that may have been served to this user: the user, one of their groups, or the platform. */
  async function findHolder(userId: string, provider: ProviderId, keyId: string): Promise<OwnerRef | 'system' | undefined> {
    if (keyId.startsWith('system-')) return systemKeys.get(provider)?.some((key) => key.keyId === keyId) ? 'system' : undefined;
    const user = await loadOwner({ kind: 'user', id: userId });
    if (!user) return undefined;
    if (user.keys.get(provider)?.some((key) => key.keyId === keyId)) return user.owner;
    for (const group of (await deps.memberships.get(userId)) ?? []) {
      const loaded = await loadOwner({ kind: 'group', id: group.id });
      if (loaded?.keys.get(provider)?.some((key) => key.keyId === keyId)) return loaded.owner;
    }
    return undefined;
  }
}
