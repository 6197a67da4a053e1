/**
 * The vault's OwnerStore on Keycloak (docs/storage.md): a user's or group's keys are the multi-valued
 * attributes `byok_<provider>_keys`, preferences `byok_preferences`, the tier `subscription_tier`.
 *
 * Keycloak replaces the whole attribute map on PUT and keeps no version, so `save` writes back the
 * attribute map that `load` read (every other attribute as it was), with only the changed byok_*
 * attributes replaced. Callers hold the owner's lock between load and save.
 *
 * The PUT carries only what the service owns plus what Keycloak needs alongside it, never the whole
 * representation: a field read before an admin's change and written back after it would revert that
 * change (an admin's `enabled: false` undone by a usage flush). Verified on Keycloak 26.7.3:
 * - users: `username`, `email`, `firstName`, `lastName` and `attributes`. Fields left out (`enabled`,
 *   `emailVerified`, `requiredActions`, ...) stay as they are; but email and names are user-profile
 *   attributes, and a PUT of `attributes` alone erases them, so they are sent as read.
 * - groups: `name` (required: 400 without it), `description` (erased when left out) and `attributes`.
 * What remains: the values sent (attributes not ours, email, names, a group's name and description)
 * are as read under the owner lock, so a change made straight in Keycloak between that read and the
 * write is reverted. The README says which way to change the tier without that window.
 *
 * Every save also keeps the holder mark (docs/storage.md#holder-index): `byok_holder` = `1` when the
 * owner holds byok data after the write (src/vault/holders.ts says what counts), no such attribute
 * when not; `scanHolders` finds the marked owners with Keycloak's attribute search.
 */
import { PROVIDER_IDS, type ProviderId } from '../providers/registry.js';
import type { KeyUsage, MembershipDirectory, OwnerChange, OwnerKind, OwnerRef, OwnerScanner, OwnerStore, Preferences, SealedKey, StoredOwner } from '../vault/ports.js';
import { DEFAULT_PREFERENCES } from '../vault/ports.js';
import { holdsByokData } from '../vault/holders.js';
import { parseTier, TIERS, type Tier } from '../vault/tiers.js';
import type { GroupRepresentation, KeycloakAdmin, UserRepresentation } from './admin-client.js';
import type { DailyByKey } from '../vault/daily-usage.js';
import { formatDailyValues, parseDailyValues } from './daily-usage-values.js';
import { fromAttributeValues, GROUP_ATTRIBUTE_MAX_LENGTH, toAttributeValues, USER_ATTRIBUTE_MAX_LENGTH } from './attribute-codec.js';
import { readLegacyKeys, withoutLegacy } from './legacy-attributes.js';

export const keysAttribute = (provider: ProviderId) => `byok_${provider}_keys`;
/** One value per key: `<keyId>:<lastUsedAt epoch ms>:<uses>` (short enough for group values). */
export const usageAttribute = (provider: ProviderId) => `byok_${provider}_usage`;
/** One value per key and UTC day: `<keyId>:<YYYY-MM-DD>:<requests>:<inputTokens>:<outputTokens>` (daily-usage-values.ts). */
export const dailyAttribute = (provider: ProviderId) => `byok_${provider}_daily`;
export const PREFERENCES_ATTRIBUTE = 'byok_preferences';
/** One value: the id of the last usage batch written (a retried batch that went through is not added twice). */
export const USAGE_BATCH_ATTRIBUTE = 'byok_usage_batch';
export const TIER_ATTRIBUTE = 'subscription_tier';
/** On every user and group that holds byok data (docs/storage.md#holder-index), with this one value. */
export const HOLDER_ATTRIBUTE = 'byok_holder';
export const HOLDER_VALUE = '1';
/** Keycloak's attribute search (`q`: exact value, case-insensitive) for the marked owners. */
const HOLDER_QUERY = `${HOLDER_ATTRIBUTE}:${HOLDER_VALUE}`;
/**
 * Pages of the holder search overlap by this share: the result set can shrink while it is read (a
 * holder deletes its last key), which moves later holders one place back, and a page that started
 * right after the previous one would skip them. Ids of the previous page are not yielded twice.
 */
const HOLDER_PAGE_OVERLAP = 0.1;

type Attributes = Record<string, string[]>;

interface Revision {
  kind: 'user' | 'group';
  representation: UserRepresentation | GroupRepresentation;
}

export function createKeycloakOwnerStore(
  admin: Pick<KeycloakAdmin, 'getUser' | 'putUser' | 'getGroup' | 'putGroup' | 'call'>,
): OwnerStore & OwnerScanner {
  return {
    async load(owner: OwnerRef): Promise<StoredOwner | undefined> {
      const representation = owner.kind === 'user' ? await admin.getUser(owner.id) : await admin.getGroup(owner.id);
      if (!representation?.id) return undefined;
      return fromRepresentation(owner, representation);
    },

    /** Every user of the realm, a page at a time (the walks' fallback and `byok index-holders`). */
    async *scanUsers(pageSize = 200): AsyncIterable<StoredOwner> {
      for (let first = 0; ; first += pageSize) {
        const page = await admin.call('users.find', (kc) => kc.users.find({ first, max: pageSize, briefRepresentation: false }));
        for (const user of page) if (user.id) yield fromRepresentation({ kind: 'user', id: user.id }, user);
        if (page.length < pageSize) return;
      }
    },

    /** Every group of the realm, subgroups included (team keys may live on any of them). */
    async *scanGroups(pageSize = 100): AsyncIterable<StoredOwner> {
      for await (const group of walkGroups(admin, pageSize)) if (group.id) yield fromRepresentation({ kind: 'group', id: group.id }, group);
    },

    /**
     * The users or groups with the holder mark. Groups: the search with `populateHierarchy=false`
     * answers the matching groups themselves, subgroups included, as one flat list (Keycloak
     * 26.7.3; with the hierarchy it would answer their top-level ancestors).
     */
    async *scanHolders(kind: OwnerKind, pageSize = 200): AsyncIterable<StoredOwner> {
      const step = Math.max(1, pageSize - Math.floor(pageSize * HOLDER_PAGE_OVERLAP));
      let previous = new Set<string>();
      for (let first = 0; ; first += step) {
        const page: Array<UserRepresentation | GroupRepresentation> =
          kind === 'user'
            ? await admin.call('users.find', (kc) => kc.users.find({ q: HOLDER_QUERY, first, max: pageSize, briefRepresentation: false }))
            : await admin.call('groups.find', (kc) => kc.groups.find({ q: HOLDER_QUERY, first, max: pageSize, briefRepresentation: false, populateHierarchy: false }));
        const ids = new Set<string>();
        for (const representation of page) {
          if (!representation.id) continue;
          ids.add(representation.id);
          if (!previous.has(representation.id)) yield fromRepresentation({ kind, id: representation.id }, representation);
        }
        if (page.length < pageSize) return;
        previous = ids;
      }
    },

    async countUsers(): Promise<number> {
      return admin.call('users.count', (kc) => kc.users.count());
    },

    async countGroups(): Promise<number> {
      return (await admin.call('groups.count', (kc) => kc.groups.count())).count;
    },

    async countUserHolders(): Promise<number> {
      return admin.call('users.count', (kc) => kc.users.count({ q: HOLDER_QUERY }));
    },

    /**
     * One count per paying tier and the total; `free` is the rest (missing or unknown tiers).
     * Keycloak matches a value exactly but case-insensitively, as parseTier reads it; a value with
     * spaces around it counts as free here, and one user with several values once per value.
     */
    async countUsersByTier(): Promise<Record<Tier, number>> {
      const paying = TIERS.filter((tier) => tier !== 'free');
      const [total, ...counts] = await Promise.all([
        admin.call('users.count', (kc) => kc.users.count()),
        ...paying.map((tier) => admin.call('users.count', (kc) => kc.users.count({ q: `${TIER_ATTRIBUTE}:${tier}` }))),
      ]);
      const byTier = Object.fromEntries(paying.map((tier, i) => [tier, counts[i] ?? 0])) as Record<Tier, number>;
      byTier.free = Math.max(0, (total ?? 0) - counts.reduce((sum, count) => sum + count, 0));
      return byTier;
    },

    async save(loaded: StoredOwner, change: OwnerChange): Promise<void> {
      const { kind, representation } = loaded.revision as Revision;
      let attributes: Attributes = { ...((representation.attributes ?? {}) as Attributes) };
      if (change.removeLegacy && change.removeLegacy.length > 0) attributes = withoutLegacy(attributes, change.removeLegacy);
      const maxLength = kind === 'user' ? USER_ATTRIBUTE_MAX_LENGTH : GROUP_ATTRIBUTE_MAX_LENGTH;
      for (const [provider, keys] of change.sealed ?? []) {
        const values = keys.flatMap((key) => toAttributeValues(key.envelope, maxLength));
        if (values.length > 0) attributes[keysAttribute(provider)] = values;
        else delete attributes[keysAttribute(provider)];
      }
      for (const [provider, byKey] of change.usage ?? []) {
        const values = [...byKey].map(([keyId, used]) => `${keyId}:${Math.round(used.lastUsedAt)}:${used.uses}`);
        if (values.length > 0) attributes[usageAttribute(provider)] = values;
        else delete attributes[usageAttribute(provider)];
      }
      for (const [provider, byKey] of change.daily ?? []) {
        const values = formatDailyValues(byKey);
        if (values.length > 0) attributes[dailyAttribute(provider)] = values;
        else delete attributes[dailyAttribute(provider)];
      }
      if (change.preferences) attributes[PREFERENCES_ATTRIBUTE] = [JSON.stringify({ strict: change.preferences.strict })];
      if (change.tier) attributes[TIER_ATTRIBUTE] = [change.tier];
      if (change.usageBatch) attributes[USAGE_BATCH_ATTRIBUTE] = [change.usageBatch];
      // The holder mark, from what the owner holds after this write (read as load would read it).
      if (holdsByokData(fromRepresentation(loaded.owner, { ...representation, attributes }))) attributes[HOLDER_ATTRIBUTE] = [HOLDER_VALUE];
      else {
        delete attributes[HOLDER_ATTRIBUTE];
        // Without keys no usage counts are kept (a batch retried later adds nothing), so no batch id either.
        delete attributes[USAGE_BATCH_ATTRIBUTE];
      }
      if (kind === 'user') {
        const { username, email, firstName, lastName } = representation as UserRepresentation;
        await admin.putUser(loaded.owner.id, { username, email, firstName, lastName, attributes });
      } else {
        const { name, description } = representation as GroupRepresentation;
        await admin.putGroup(loaded.owner.id, { name, description, attributes });
      }
    },
  };
}

/**
 * Every group of the realm, subgroups included, as full representations (attributes too), depth
 * first: each group followed by its subgroups, siblings in Keycloak's order (by name).
 */
export async function* walkGroups(admin: Pick<KeycloakAdmin, 'call'>, pageSize = 100): AsyncIterable<GroupRepresentation> {
  async function* walk(parentId: string | undefined): AsyncIterable<GroupRepresentation> {
    for (let first = 0; ; first += pageSize) {
      const page =
        parentId === undefined
          ? await admin.call('groups.find', (kc) => kc.groups.find({ first, max: pageSize, briefRepresentation: false }))
          : await admin.call('groups.listSubGroups', (kc) => kc.groups.listSubGroups({ parentId, first, max: pageSize, briefRepresentation: false }));
      for (const group of page) {
        yield group;
        if (group.id && (group.subGroupCount ?? group.subGroups?.length ?? 0) > 0) yield* walk(group.id);
      }
      if (page.length < pageSize) return;
    }
  }
  yield* walk(undefined);
}

/** Reads an owner's byok state out of a Keycloak user or group representation. */
export function fromRepresentation(owner: OwnerRef, representation: UserRepresentation | GroupRepresentation): StoredOwner {
  const attributes = (representation.attributes ?? {}) as Attributes;
  const sealed = new Map<ProviderId, SealedKey[]>();
  const unreadable: { provider: ProviderId; keyId?: string; problem: string }[] = [];
  const usage = new Map<ProviderId, Map<string, KeyUsage>>();
  const daily = new Map<ProviderId, DailyByKey>();
  for (const provider of PROVIDER_IDS) {
    const usageValues = attributes[usageAttribute(provider)];
    if (usageValues && usageValues.length > 0) usage.set(provider, parseUsage(usageValues));
    const dailyValues = attributes[dailyAttribute(provider)];
    if (dailyValues && dailyValues.length > 0) daily.set(provider, parseDailyValues(dailyValues));
    const values = attributes[keysAttribute(provider)];
    if (!values || values.length === 0) continue;
    const read = fromAttributeValues(values);
    sealed.set(provider, read.envelopes.map(({ keyId, envelope }) => ({ keyId, envelope })));
    for (const problem of read.problems) unreadable.push({ provider, ...problem });
  }
  const revision: Revision = { kind: owner.kind, representation };
  return {
    owner,
    // Full user representations always carry `enabled`; only an explicit false disables.
    enabled: owner.kind === 'group' || (representation as UserRepresentation).enabled !== false,
    tier: owner.kind === 'user' ? parseTier(attributes[TIER_ATTRIBUTE]?.[0]) : undefined,
    sealed,
    preferences: parsePreferences(attributes[PREFERENCES_ATTRIBUTE]?.[0]),
    usage,
    daily,
    usageBatch: attributes[USAGE_BATCH_ATTRIBUTE]?.[0],
    unreadable,
    ...(owner.kind === 'user' ? { legacy: readLegacyKeys(attributes) } : {}),
    holderMark: attributes[HOLDER_ATTRIBUTE]?.includes(HOLDER_VALUE) ?? false,
    revision,
  };
}

function parseUsage(values: readonly string[]): Map<string, KeyUsage> {
  const usage = new Map<string, KeyUsage>();
  for (const value of values) {
    const match = /^([A-Za-z0-9_-]{1,64}):(\d{1,15}):(\d{1,12})$/.exec(value);
    if (match) usage.set(match[1] as string, { lastUsedAt: Number(match[2]), uses: Number(match[3]) });
  }
  return usage;
}

/** Group membership from Keycloak, for the team-key steps of resolution. */
export function createKeycloakMembership(admin: Pick<KeycloakAdmin, 'call'>): MembershipDirectory {
  return {
    async userGroups(userId: string) {
      const groups = await admin.call('users.listGroups', (kc) => kc.users.listGroups({ id: userId, briefRepresentation: true }));
      return groups
        .filter((group) => group.id)
        .map((group) => ({ id: group.id as string, name: group.name ?? '', path: group.path ?? group.name ?? '' }))
        .sort((a, b) => a.path.localeCompare(b.path));
    },
  };
}

function parsePreferences(raw: string | undefined): Preferences {
  if (!raw) return DEFAULT_PREFERENCES;
  try {
    const parsed = JSON.parse(raw) as { strict?: unknown };
    return { strict: parsed.strict === true };
  } catch {
    return DEFAULT_PREFERENCES;
  }
}
