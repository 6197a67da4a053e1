/**
 * Opening stored values into key records. A value that fails to decrypt (moved from another owner,
 * tampered, written under a KEK this instance lacks) is skipped and logged by key id, never with key
 * material (docs/storage.md#encryption), so one bad value never hides an owner's other keys.
 */
import { DecryptError, type AssociatedData, type EnvelopeCodec } from '../crypto/envelope.js';
import type { ProviderId } from '../providers/registry.js';
import { compareRecords, parseRecord, serializeRecord, type KeyRecord } from './key-record.js';
import type { OwnerRef, SealedKey, StoredOwner } from './ports.js';

export interface VaultLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface OpenedKey {
  record: KeyRecord;
  sealed: SealedKey;
}

export type RecordOpener = ReturnType<typeof createRecordOpener>;

export function createRecordOpener(codec: EnvelopeCodec, log: VaultLog) {
  const adFor = (owner: OwnerRef, provider: ProviderId, keyId: string): AssociatedData => ({
    ownerKind: owner.kind,
    ownerId: owner.id,
    provider,
    keyId,
  });

  function open(owner: OwnerRef, provider: ProviderId, sealed: SealedKey): KeyRecord | undefined {
    try {
      const record = parseRecord(codec.open(sealed.envelope, adFor(owner, provider, sealed.keyId)));
      if (record && record.id === sealed.keyId && record.provider === provider) return record;
      log.warn({ keyId: sealed.keyId, provider, ownerKind: owner.kind, ownerId: owner.id, reason: 'not_a_record' }, 'stored key skipped');
    } catch (error) {
      const reason = error instanceof DecryptError ? error.reason : 'decrypt_failed';
      log.warn({ keyId: sealed.keyId, provider, ownerKind: owner.kind, ownerId: owner.id, reason }, 'stored key skipped: cannot decrypt');
    }
    return undefined;
  }

  return {
    open,
    /** The owner's readable records of a provider, in docs/storage.md#key-records order. */
    openProvider(stored: Pick<StoredOwner, 'owner' | 'sealed'>, provider: ProviderId): OpenedKey[] {
      const opened: OpenedKey[] = [];
      for (const sealed of stored.sealed.get(provider) ?? []) {
        const record = open(stored.owner, provider, sealed);
        if (record) opened.push({ record, sealed });
      }
      return opened.sort((a, b) => compareRecords(a.record, b.record));
    },
    seal(owner: OwnerRef, record: KeyRecord): SealedKey {
      return { keyId: record.id, envelope: codec.seal(serializeRecord(record), adFor(owner, record.provider, record.id)) };
    },
  };
}
