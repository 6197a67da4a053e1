/**
 * A key record (docs/storage.md#key-records): what one encrypted attribute value holds. The whole record, not only the
 * secret, is inside the envelope, so labels and base URLs are as private as the key itself; the key
 * id is also in the envelope header (it must be, to build the associated data before decrypting).
 */
import { z } from 'zod';
import { PROVIDER_IDS, type ProviderId } from '../providers/registry.js';
import { HEALTH_ISSUES, keyStateStatus, TEST_STATUSES, type HealthIssue, type KeyState, type KeyStatus, type TestStatus } from './rules.js';

export { HEALTH_ISSUES, TEST_STATUSES, type HealthIssue, type KeyStatus, type TestStatus };

const recordSchema = z.object({
  v: z.literal(1),
  id: z.string(),
  provider: z.enum(PROVIDER_IDS),
  label: z.string(),
  secret: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  enabled: z.boolean(),
  expiresAt: z.string().nullable(),
  baseUrl: z.string().nullable(),
  lastTestedAt: z.string().nullable(),
  testStatus: z.enum(TEST_STATUSES).nullable(),
  // Added after the first records were written: absent means none.
  healthIssue: z.enum(HEALTH_ISSUES).nullable().default(null),
});

export type KeyRecord = Omit<z.infer<typeof recordSchema>, 'v' | 'provider'> & { provider: ProviderId };

export function serializeRecord(record: KeyRecord): Buffer {
  const { id, provider, label, secret, createdAt, updatedAt, enabled, expiresAt, baseUrl, lastTestedAt, testStatus, healthIssue } = record;
  return Buffer.from(
    JSON.stringify({ v: 1, id, provider, label, secret, createdAt, updatedAt, enabled, expiresAt, baseUrl, lastTestedAt, testStatus, healthIssue }),
    // Stryker disable next-line StringLiteral: equivalent, Buffer.from(text, '') decodes as utf8 too.
    'utf8',
  );
}

/** The record in a decrypted plaintext, or undefined when it is not one (a newer format, corruption). */
export function parseRecord(plaintext: Buffer): KeyRecord | undefined {
  try {
    const parsed = recordSchema.safeParse(JSON.parse(plaintext.toString('utf8')));
    // Stryker disable next-line ConditionalExpression: equivalent, without it parsed.data is undefined and the destructuring throws into the catch below.
    if (!parsed.success) return undefined;
    const { v: _version, ...record } = parsed.data;
    return record;
  } catch {
    return undefined;
  }
}

/** docs/storage.md#key-records order: createdAt, then id. */
export function compareRecords(a: Pick<KeyRecord, 'createdAt' | 'id'>, b: Pick<KeyRecord, 'createdAt' | 'id'>): number {
  // Stryker disable next-line EqualityOperator: equivalent, `<=` and `<` agree once the two differ.
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * What a user may see of a key (docs/api.md#user-api): at most the first 4 and last 4 characters, and for a key
 * shorter than 16 characters only its last 2 (4 + 4 of a short key would give most of it away).
 */
export function maskKey(secret: string): string {
  if (secret.length < 16) return `…${secret.slice(-2)}`;
  return `${secret.slice(0, 4)}…${secret.slice(-4)}`;
}

/** The fields of a record that decide whether it may be served (see rules.ts isServable). */
export function keyStateOf(record: Pick<KeyRecord, 'enabled' | 'expiresAt' | 'testStatus' | 'healthIssue'>): KeyState {
  return {
    enabled: record.enabled,
    expiresAtMs: record.expiresAt === null ? null : Date.parse(record.expiresAt),
    testStatus: record.testStatus,
    healthIssue: record.healthIssue,
  };
}

export function keyStatus(record: KeyRecord, now: Date): KeyStatus {
  return keyStateStatus(keyStateOf(record), now.getTime());
}

export interface KeyView {
  id: string;
  provider: ProviderId;
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
  /** Set by an internal service's report (unauthorized, quota_exceeded); cleared by a new secret or a passing test. */
  healthIssue: HealthIssue | null;
  baseUrl: string | null;
}

export function toKeyView(record: KeyRecord, now: Date, lastUsedAt: string | null = null): KeyView {
  return {
    id: record.id,
    provider: record.provider,
    label: record.label,
    maskedKey: maskKey(record.secret),
    enabled: record.enabled,
    status: keyStatus(record, now),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    expiresAt: record.expiresAt,
    lastUsedAt,
    lastTestedAt: record.lastTestedAt,
    testStatus: record.testStatus,
    healthIssue: record.healthIssue,
    baseUrl: record.baseUrl,
  };
}
