/**
 * Audit events (docs/operations.md): one JSON line per key management operation, apart from the application log,
 * for the people who must later answer "who changed this key, when, from where". An event names who
 * (the token's subject, username and client), when, the owner, provider and key id, the action and its
 * outcome (with the error code when refused or failed), the source address and the request id; never
 * key material, labels or other free text a user typed. Plain JSON lines (no log levels: every event
 * is kept) through pino's sonic-boom destination: appends, and `reopen()` after log rotation is wired
 * to SIGHUP in main.ts. The file is created mode 0600 (owner read/write only), at start and at every
 * reopen after rotation: it names users, keys and source addresses.
 *
 * Besides key management, two reads and one internal call are events: an admin reading a user's or a
 * group's keys (`keys.read`), and an internal service's report that takes a key out of rotation
 * (`key.report` with `reportedOutcome`: rate_limited, unauthorized or quota_exceeded).
 */
import { chmodSync } from 'node:fs';
import { pino, type DestinationStream } from 'pino';
import type { ProviderId } from '../providers/registry.js';
import type { OwnerRef } from '../vault/ports.js';

export const AUDIT_ACTIONS = [
  'key.add',
  'key.replace',
  'key.update',
  'key.delete',
  'provider.delete',
  'key.test',
  'preferences.update',
  'tier.set',
  'keys.read',
  'key.report',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEvent {
  action: AuditAction;
  /** success; denied (the caller's request was refused: 4xx); failed (our side or upstream: 5xx). */
  outcome: 'success' | 'denied' | 'failed';
  /** The error code of a denied or failed operation. */
  errorCode?: string | undefined;
  actor: { subject: string; username?: string | undefined; clientId?: string | undefined };
  owner?: OwnerRef | undefined;
  provider?: ProviderId | undefined;
  keyId?: string | undefined;
  /** The outcome an internal service reported (`key.report`). */
  reportedOutcome?: 'rate_limited' | 'unauthorized' | 'quota_exceeded' | undefined;
  /** Names of the fields an update changed (never their values). */
  fields?: string[] | undefined;
  sourceAddress?: string | undefined;
  requestId?: string | undefined;
}

/** Owner read and write only; applies when the file is created (at start and after rotation). */
export const AUDIT_FILE_MODE = 0o600;

export interface AuditLog {
  record(event: AuditEvent): void;
  /** Reopens the file (after rotation). */
  reopen(): void;
  flush(): void;
}

export function createAuditLog(options: { destination: string | DestinationStream }): AuditLog {
  if (typeof options.destination === 'string' && options.destination !== 'stdout') tightenExisting(options.destination);
  const stream =
    typeof options.destination === 'string'
      ? options.destination === 'stdout'
        ? pino.destination({ dest: 1, sync: false })
        : pino.destination({ dest: options.destination, mkdir: true, sync: false, mode: AUDIT_FILE_MODE })
      : options.destination;
  return {
    record(event) {
      stream.write(`${JSON.stringify({ time: new Date().toISOString(), stream: 'audit', ...event })}\n`);
    },
    reopen() {
      const boom = stream as { reopen?: () => void };
      boom.reopen?.();
    },
    flush() {
      const boom = stream as { flushSync?: () => void };
      try {
        boom.flushSync?.();
      } catch {
        // not ready yet (nothing written): nothing to flush
      }
    },
  };
}

/** A file left by an older version (or made by hand) may be world-readable: narrow it too. */
function tightenExisting(path: string): void {
  try {
    chmodSync(path, AUDIT_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
