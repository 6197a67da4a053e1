/**
 * The ports the vault domain needs, implemented by adapters (src/keycloak for the store, in-process
 * or Redis for locks). The domain imports neither Express nor Keycloak.
 */
import type { ProviderId } from '../providers/registry.js';
import type { DailyUsage } from './daily-usage.js';
import type { Tier } from './tiers.js';

export type OwnerKind = 'user' | 'group';

export interface OwnerRef {
  readonly kind: OwnerKind;
  readonly id: string;
}

export const ownerKey = (owner: OwnerRef): string => `${owner.kind}:${owner.id}`;

/** What a Keycloak user or group id may look like (it becomes part of an Admin API path). */
export const OWNER_ID_PATTERN = /^[A-Za-z0-9-]{1,64}$/;

export function parseOwnerKey(key: string): OwnerRef {
  const colon = key.indexOf(':');
  const kind = key.slice(0, colon);
  if (kind !== 'user' && kind !== 'group') throw new TypeError(`not an owner key: ${key}`);
  return { kind, id: key.slice(colon + 1) };
}

/** One stored key as the store sees it: its id and the sealed record (an envelope). */
export interface SealedKey {
  readonly keyId: string;
  readonly envelope: string;
}

export interface Preferences {
  /** Strict users are never served team or platform keys (docs/api.md#user-api). */
  readonly strict: boolean;
}

export const DEFAULT_PREFERENCES: Preferences = Object.freeze({ strict: false });

/** How often and when a key was last served (docs/storage.md#key-records: kept beside the record, written in batches). */
export interface KeyUsage {
  /** Epoch milliseconds. */
  readonly lastUsedAt: number;
  readonly uses: number;
}

export type UsageByKey = ReadonlyMap<string, KeyUsage>;

/** Two counts of one key's usage as one: the later last use, the sum of uses. */
export function combineUsage(a: KeyUsage | undefined, b: KeyUsage): KeyUsage {
  return a === undefined ? b : { lastUsedAt: Math.max(a.lastUsedAt, b.lastUsedAt), uses: a.uses + b.uses };
}

/**
 * docs/storage.md#legacy-format: one provider's key as the previous (Python) ops center stored it on a user, each field
 * the single value of its attribute. Read so that `byok migrate-legacy` can move it to docs/storage.md#key-records records.
 */
export interface LegacyKey {
  /** As named in the attribute names; not necessarily a provider this service knows. */
  readonly provider: string;
  /** The Fernet token (`byok_<provider>_key`); undefined when that attribute is missing. */
  readonly token: string | undefined;
  readonly label: string | undefined;
  readonly addedDate: string | undefined;
  readonly lastTested: string | undefined;
  readonly testStatus: string | undefined;
  readonly endpoint: string | undefined;
  /** Some attribute holds more than one value, so which one is meant is unknown. */
  readonly ambiguous: boolean;
}

/** An owner as read fresh from the store. */
export interface StoredOwner {
  readonly owner: OwnerRef;
  /**
   * Users: Keycloak's `enabled`. A disabled user is served nothing by resolution (neither their own
   * keys nor team or platform keys). Groups are always enabled.
   */
  readonly enabled: boolean;
  /** Users: `subscription_tier`; groups have none. */
  readonly tier: Tier | undefined;
  readonly sealed: ReadonlyMap<ProviderId, readonly SealedKey[]>;
  readonly preferences: Preferences;
  /** Flushed usage per provider and key id. */
  readonly usage: ReadonlyMap<ProviderId, UsageByKey>;
  /** Flushed usage per provider, key id and UTC day (requests and tokens), as stored: not yet pruned to the window. */
  readonly daily: DailyUsage;
  /**
   * The id of the last usage batch written (docs/resolution.md#caching-and-usage): a batch whose write
   * failed without an answer is retried with its id, and skipped when this says it went through.
   */
  readonly usageBatch?: string | undefined;
  /** Stored values that are not readable records at all (broken chunks, foreign values). */
  readonly unreadable: readonly { provider: ProviderId; keyId?: string; problem: string }[];
  /** Keys in the legacy format (docs/storage.md#legacy-format), users only; absent when the store has none. */
  readonly legacy?: readonly LegacyKey[];
  /**
   * Whether the store lists this owner as a key holder (docs/storage.md#holder-index; Keycloak: the
   * `byok_holder` marker), as read. Every save brings it in line with `holdsByokData`; absent: false.
   */
  readonly holderMark?: boolean;
  /**
   * What the adapter read, handed back on save: the write carries only the fields the service owns
   * (the attributes, and what the store needs alongside them), so that nothing else is lost.
   */
  readonly revision: unknown;
}

/**
 * What a write changes; everything not named stays as it was read. An empty change writes the owner
 * back as read, with only its holder mark brought in line (`byok index-holders`).
 */
export interface OwnerChange {
  /** New full list of sealed keys for each provider named (an empty list removes them all). */
  readonly sealed?: ReadonlyMap<ProviderId, readonly SealedKey[]>;
  readonly preferences?: Preferences;
  readonly tier?: Tier;
  /** New full usage for each provider named (an empty map removes it). */
  readonly usage?: ReadonlyMap<ProviderId, UsageByKey>;
  /** New full daily usage for each provider named (an empty map removes it). */
  readonly daily?: DailyUsage;
  /** The id of the usage batch this write carries (see StoredOwner.usageBatch). */
  readonly usageBatch?: string;
  /** Providers (as named in LegacyKey) whose legacy attributes are removed. */
  readonly removeLegacy?: readonly string[];
}

export interface OwnerStore {
  /** Reads the owner fresh (never from a cache); undefined when there is no such owner. */
  load(owner: OwnerRef): Promise<StoredOwner | undefined>;
  /** Writes the owner back as it was loaded plus the change. Call only under the owner's lock. */
  save(loaded: StoredOwner, change: OwnerChange): Promise<void>;
}

/**
 * Reads across the realm (operations: rewrap, migration, statistics, the KEK check). The realm-wide
 * walks go through `createOwnerWalks` (holders.ts), which picks the holder scan when the holder
 * index is complete and the walk over every owner otherwise.
 */
export interface OwnerScanner {
  /** Every user. */
  scanUsers(pageSize?: number): AsyncIterable<StoredOwner>;
  /** Every group, subgroups included. */
  scanGroups(pageSize?: number): AsyncIterable<StoredOwner>;
  /** The owners of one kind the store lists as key holders (`holderMark`), each once. */
  scanHolders(kind: OwnerKind, pageSize?: number): AsyncIterable<StoredOwner>;
  /** Users in the realm (counted by the store, not walked). */
  countUsers(): Promise<number>;
  /** Groups in the realm, subgroups included. */
  countGroups(): Promise<number>;
  /** Users the store lists as key holders. */
  countUserHolders(): Promise<number>;
  /** Users per tier (missing or unknown: free), counted by the store. */
  countUsersByTier(): Promise<Record<Tier, number>>;
}

/**
 * Whether every owner that holds byok data carries the holder mark (docs/storage.md#holder-index):
 * set by `byok index-holders` after a walk over every owner, and by `byok bootstrap-realm` for a
 * realm it created (nothing to index). Until it is set, realm-wide walks visit every owner.
 */
export interface HolderIndexState {
  /** When the index was completed, or undefined when it is not (never built, or built by an older definition). */
  completedAt(): Promise<string | undefined>;
  markComplete(at: Date): Promise<void>;
}

/** One group a user belongs to: its id, its own name, and its full path (`/parent/team`). */
export interface Membership {
  readonly id: string;
  readonly name: string;
  readonly path: string;
}

/** The Keycloak groups a user belongs to (for team keys), by id. */
export interface MembershipDirectory {
  /** In path order: the order in which the team steps of resolution try them. */
  userGroups(userId: string): Promise<readonly Membership[]>;
}

/** A user as operators find them: the identity fields of the store, and the owner as stored. */
export interface DirectoryUser {
  readonly id: string;
  readonly username: string;
  readonly email: string | null;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly enabled: boolean;
  readonly stored: StoredOwner;
}

/** A group (team) as operators find it. */
export interface DirectoryGroup {
  readonly id: string;
  readonly name: string;
  readonly path: string;
  readonly stored: StoredOwner;
}

/** Finding users and groups for the admin console (docs/api.md#admin-api); reads only. */
export interface OwnerDirectory {
  /**
   * Users whose username, email, first or last name contains every word of `text` (case-insensitive),
   * users whose username or email is exactly `text` first; at most `max`.
   */
  searchUsers(text: string, max: number): Promise<DirectoryUser[]>;
  /** One user, read fresh; undefined when there is no such user. */
  user(userId: string): Promise<DirectoryUser | undefined>;
  /**
   * The realm's groups, subgroups included, in path order (only those whose name contains `search`,
   * case-insensitive, when given); at most `max`, `truncated` when there are more.
   */
  groups(search: string | undefined, max: number): Promise<{ groups: DirectoryGroup[]; truncated: boolean }>;
}

export interface OwnerLocks {
  /** Runs `critical` while holding the owner's write lock (one writer per owner at a time). */
  withLock<T>(owner: OwnerRef, critical: () => Promise<T>): Promise<T>;
}

/** Round-robin cursors (docs/resolution.md#round-robin): `next` returns 0, 1, 2, ... per key, atomically. */
export interface Cursors {
  next(key: string): number | Promise<number>;
}

/** Keys cooling down after a provider's rate limit (docs/resolution.md#health), by key id. */
export interface Cooldowns {
  coolDown(keyId: string, untilMs: number): void | Promise<void>;
  clear(keyId: string): void | Promise<void>;
  /** The keys among those given that are cooling down now, each with when its cooldown ends (epoch ms). */
  cooling(keyIds: readonly string[]): ReadonlyMap<string, number> | Promise<ReadonlyMap<string, number>>;
}

/**
 * The time, in epoch milliseconds. Every time-dependent decision of the vault (expiry, cooldowns, cache
 * freshness, usage times, record dates) asks one Clock, created in the composition root; tests pass a
 * fake one and move it instead of sleeping.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = Object.freeze({ now: () => Date.now() });
