/**
 * Whether the holder index is complete (src/vault/holders.ts, docs/storage.md#holder-index), kept
 * in Keycloak as the attribute `byok_holder_index` of the service account's own user
 * (service-account-user.ts): one value `v<version>@<ISO time>`, written by `byok index-holders` after
 * a walk over every owner and by `byok bootstrap-realm` for a realm it created.
 *
 * The version is that of the definition of a holder (holders.ts `holdsByokData`): when that changes,
 * the version goes up and an index built under the old one is no longer trusted (walks visit every
 * owner again until `byok index-holders` runs).
 */
import type { HolderIndexState } from '../vault/ports.js';
import type { KeycloakAdmin } from './admin-client.js';
import { createServiceAccountAttributes } from './service-account-user.js';

export const HOLDER_INDEX_ATTRIBUTE = 'byok_holder_index';
export const HOLDER_INDEX_VERSION = 1;

export function holderIndexValue(at: Date, version = HOLDER_INDEX_VERSION): string {
  return `v${version}@${at.toISOString()}`;
}

/** When the index of this version was completed, from the stored values; undefined when none fits. */
export function parseHolderIndex(values: readonly string[] | undefined): string | undefined {
  for (const value of values ?? []) {
    const match = /^v(\d{1,6})@(\d{4}-\d{2}-\d{2}T[\d:.]+Z)$/.exec(value.trim());
    if (match && Number(match[1]) === HOLDER_INDEX_VERSION) return match[2];
  }
  return undefined;
}

export function createServiceAccountHolderIndex(admin: Pick<KeycloakAdmin, 'call'>, clientId: string): HolderIndexState {
  const account = createServiceAccountAttributes(admin, clientId);
  return {
    async completedAt() {
      return parseHolderIndex(await account.read(HOLDER_INDEX_ATTRIBUTE));
    },
    async markComplete(at) {
      await account.write(HOLDER_INDEX_ATTRIBUTE, [holderIndexValue(at)]);
    },
  };
}
