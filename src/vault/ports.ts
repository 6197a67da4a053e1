/**
 * The ports the vault domain needs, implemented by adapters (src/keycloak for the store, in-process
 * or Redis for locks). The domain imports neither Express nor Keycloak.
 */
import type { ProviderId } from '../providers/registry.js';
import type { Tier } from './tiers.js';

export type OwnerKind = 'user' | 'group';

export interface OwnerRef {
  readonly kind: OwnerKind;
  readonly id: string;
}

export const ownerKey = (owner: OwnerRef): string => `${owner.kind}:${owner.id}`;

/** One stored key as the store sees it: its id and the sealed record (an envelope). */
export interface SealedKey {
  readonly keyId: string;
  readonly envelope: string;
}

export interface Preferences {
  /** Strict users are never served team or platform keys (SPEC §5.1). */
  readonly strict: boolean;
}

export const DEFAULT_PREFERENCES: Preferences = Object.freeze({ strict: false });

/** An owner as read fresh from the store. */
export interface StoredOwner {
  readonly owner: OwnerRef;
  /** Users: `subscription_tier`; groups have none. */
  readonly tier: Tier | undefined;
  readonly sealed: ReadonlyMap<ProviderId, readonly SealedKey[]>;
  readonly preferences: Preferences;
  /** Stored values that are not readable records at all (broken chunks, foreign values). */
  readonly unreadable: readonly { provider: ProviderId; keyId?: string; problem: string }[];
  /** The adapter's full representation, handed back on save so that nothing else is lost. */
  readonly revision: unknown;
}

/** What a write changes; everything not named stays as it was read. */
export interface OwnerChange {
  /** New full list of sealed keys for each provider named (an empty list removes them all). */
  readonly sealed?: ReadonlyMap<ProviderId, readonly SealedKey[]>;
  readonly preferences?: Preferences;
  readonly tier?: Tier;
}

export interface OwnerStore {
  /** Reads the owner fresh (never from a cache); undefined when there is no such owner. */
  load(owner: OwnerRef): Promise<StoredOwner | undefined>;
  /** Writes the owner back as it was loaded plus the change. Call only under the owner's lock. */
  save(loaded: StoredOwner, change: OwnerChange): Promise<void>;
}

export interface OwnerLocks {
  /** Runs `critical` while holding the owner's write lock (one writer per owner at a time). */
  withLock<T>(owner: OwnerRef, critical: () => Promise<T>): Promise<T>;
}
