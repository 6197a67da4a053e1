/**
 * Does the keyring open what is stored? ENCRYPTION_KEYS with the right version numbers but other
 * bytes (a typo, the staging key in production, a restored old .env) parses and starts, and then
 * every stored key fails to decrypt and resolves answer NO_KEY_AVAILABLE. This check makes readiness
 * and `byok doctor` fail instead, naming the KEK version.
 *
 * The proof is one key-check value per KEK version (src/crypto/kek-check.ts), kept in the store
 * (Keycloak: an attribute of the service account's own user). For each version of the keyring:
 * - a stored check value for it must open (else: that version has other bytes → not ready);
 * - none stored yet (a new realm, a new version for a rotation, or an upgrade from a release without
 *   check values): stored key envelopes written under that version are opened first, among the first
 *   `maxOwners` groups and users (key holders only, once the holder index is complete: holders.ts),
 *   until one opens or `sampleSize` did not. If some were found and
 *   none opens, the version is wrong; otherwise (one opened, or nothing is stored under it yet, so nothing
 *   can be unreadable) the check value is recorded, when `record` is set (the service; `byok doctor`
 *   only reads).
 * Versions the store has check values for but the keyring no longer holds (retired after a rewrap)
 * are ignored and kept.
 *
 * Cached per instance: a pass holds for the life of the process (the keyring does not change while
 * it runs, and a check value is only written after it verified); a failure is re-checked after
 * `recheckMs`; a store error is not cached, so that /readyz recovers as soon as the store does.
 */
import type { EnvelopeCodec } from '../crypto/envelope.js';
import { kekCheckVersion, sealKekCheck, verifyKekCheck } from '../crypto/kek-check.js';
import type { Keyring } from '../crypto/keyring.js';
import type { OwnerWalks } from './holders.js';
import type { StoredOwner } from './ports.js';

/** Where the key-check values live (one value per KEK version). */
export interface KekCheckStore {
  read(): Promise<readonly string[]>;
  /** Replaces every stored check value with `values`. */
  write(values: readonly string[]): Promise<void>;
}

export interface KekCheckReport {
  ok: boolean;
  /** One line for an operator: which versions passed, or which failed and what to do. */
  detail: string;
  /** KEK versions that do not open what is stored, ascending. */
  failedVersions: number[];
  /** Versions whose check value this run recorded. */
  recorded: number[];
}

export interface KekCheckDeps {
  keyring: Keyring;
  store: KekCheckStore;
  /** Key holders once the holder index is complete, every owner before (holders.ts). */
  owners: Pick<OwnerWalks, 'open'>;
  codec: Pick<EnvelopeCodec, 'open' | 'inspect'>;
  /** Record a check value for a version that has none once it is verified (the service: true; doctor: false). */
  record: boolean;
  now: () => number;
  sampleSize?: number;
  maxOwners?: number;
  recheckMs?: number;
}

export type KekCheck = ReturnType<typeof createKekCheck>;

const list = (versions: readonly number[]) => (versions.length === 1 ? `KEK version ${versions[0]}` : `KEK versions ${versions.join(', ')}`);

export function createKekCheck(deps: KekCheckDeps) {
  const sampleSize = deps.sampleSize ?? 5;
  const maxOwners = deps.maxOwners ?? 1000;
  const recheckMs = deps.recheckMs ?? 60_000;
  let cached: { report: KekCheckReport; until: number } | undefined;
  let inflight: Promise<KekCheckReport> | undefined;

  /**
   * Opens stored envelopes of each version in `versions` until one opens (proven) or `sampleSize`
   * did not (a few tampered or moved values among them cannot fail a right key).
   */
  async function sample(versions: ReadonlySet<number>): Promise<Map<number, { tried: number; opened: number }>> {
    const counts = new Map([...versions].map((version) => [version, { tried: 0, opened: 0 }]));
    const settled = (count: { tried: number; opened: number }) => count.opened > 0 || count.tried >= sampleSize;
    const done = () => [...counts.values()].every(settled);
    let scanned = 0;
    const visit = (stored: StoredOwner) => {
      for (const [provider, sealed] of stored.sealed) {
        for (const { keyId, envelope } of sealed) {
          const version = deps.codec.inspect(envelope)?.kekVersion;
          const count = version === undefined ? undefined : counts.get(version);
          if (count === undefined || settled(count)) continue;
          count.tried += 1;
          try {
            deps.codec.open(envelope, { ownerKind: stored.owner.kind, ownerId: stored.owner.id, provider, keyId });
            count.opened += 1;
          } catch {
            // A value that does not open is what this check counts; which one is not logged here.
          }
        }
      }
    };
    const walk = await deps.owners.open();
    for (const scan of [walk.groups, walk.users()]) {
      for await (const stored of scan) {
        visit(stored);
        scanned += 1;
        if (done() || scanned >= maxOwners) return counts;
      }
    }
    return counts;
  }

  async function verify(): Promise<KekCheckReport> {
    const stored = await deps.store.read();
    const byVersion = new Map<number, string[]>();
    for (const value of stored) {
      const version = kekCheckVersion(value);
      if (version !== undefined) byVersion.set(version, [...(byVersion.get(version) ?? []), value]);
    }
    const failed = new Set<number>();
    const missing = new Set<number>();
    for (const version of deps.keyring.versions) {
      const values = byVersion.get(version);
      if (values === undefined) missing.add(version);
      else if (!values.every((value) => verifyKekCheck(deps.keyring, value).verdict === 'match')) failed.add(version);
    }
    const sampledFailures = new Set<number>();
    const verified: number[] = [];
    let sampled = new Map<number, { tried: number; opened: number }>();
    if (missing.size > 0) {
      sampled = await sample(missing);
      for (const version of missing) {
        const count = sampled.get(version) ?? { tried: 0, opened: 0 };
        if (count.tried > 0 && count.opened === 0) sampledFailures.add(version);
        else verified.push(version);
      }
    }
    const recorded: number[] = [];
    if (deps.record && verified.length > 0) {
      const kept = stored.filter((value) => !verified.includes(kekCheckVersion(value) ?? -1));
      await deps.store.write([...kept, ...verified.map((version) => sealKekCheck(deps.keyring, version))]);
      recorded.push(...verified);
    }

    const failedVersions = [...new Set([...failed, ...sampledFailures])].sort((a, b) => a - b);
    if (failedVersions.length > 0) {
      const reasons: string[] = [];
      if (failed.size > 0) reasons.push(`${list([...failed].sort((a, b) => a - b))}: the stored key-check value does not open`);
      for (const version of [...sampledFailures].sort((a, b) => a - b)) {
        reasons.push(`KEK version ${version}: none of ${sampled.get(version)?.tried} stored keys sampled opens`);
      }
      return {
        ok: false,
        failedVersions,
        recorded,
        detail:
          `ENCRYPTION_KEYS does not open what is stored: ${list(failedVersions)} has other bytes than the key that wrote ` +
          `the realm's values (${reasons.join('; ')}); set ENCRYPTION_KEYS to the keys the stored values were written with`,
      };
    }
    const pending = deps.record ? [] : verified;
    const notes = [
      recorded.length > 0 ? `key-check value recorded for ${recorded.join(', ')}` : '',
      pending.length > 0 ? `no key-check value yet for ${pending.join(', ')} (stored keys sampled; the service records it)` : '',
    ].filter(Boolean);
    return {
      ok: true,
      failedVersions,
      recorded,
      detail: `${list(deps.keyring.versions)} open${deps.keyring.versions.length === 1 ? 's' : ''} what is stored${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`,
    };
  }

  return {
    /** The cached verdict, or a new check (one at a time); throws when the store cannot be read. */
    async check(): Promise<KekCheckReport> {
      if (cached && deps.now() < cached.until) return cached.report;
      inflight ??= verify()
        .then((report) => {
          cached = { report, until: report.ok ? Number.POSITIVE_INFINITY : deps.now() + recheckMs };
          return report;
        })
        .finally(() => {
          inflight = undefined;
        });
      return inflight;
    },
  };
}
