/**
 * A key record (SPEC §4.1): what one encrypted attribute value holds. The whole record, not only the
 * secret, is inside the envelope, so labels and base URLs are as private as the key itself; the key
 * id is also in the envelope header (it must be, to build the associated data before decrypting).
 */
import { z } from 'zod';
import { PROVIDER_IDS, type ProviderId } from '../providers/registry.js';

export const TEST_STATUSES = ['valid', 'invalid', 'rate_limited', 'unreachable'] as const;
export type TestStatus = (typeof TEST_STATUSES)[number];

/**
 * What an internal service reported that takes a key out of rotation until its secret is replaced or
 * a test passes (SPEC §6.4). Stored in the record, so it survives restarts and holds on every instance.
 */
export const HEALTH_ISSUES = ['unauthorized', 'quota_exceeded'] as const;
export type HealthIssue = (typeof HEALTH_ISSUES)[number];

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
    // Stryker disable next-line StringLiteral: equivalent, Buffer.from(text, '') also means utf8.
    'utf8',
  );
}

/** The record in a decrypted plaintext, or undefined when it is not one (a newer format, corruption). */
export function parseRecord(plaintext: Buffer): KeyRecord | undefined {
  try {
    const parsed = recordSchema.safeParse(JSON.parse(plaintext.toString('utf8')));
    // Stryker disable next-line ConditionalExpression: equivalent, without it the destructuring below throws into the catch, which returns undefined too.
    if (!parsed.success) return undefined;
    const { v: _version, ...record } = parsed.data;
    return record;
  } catch {
    return undefined;
  }
}

/** SPEC §4.1 order: createdAt, then id. */
export function compareRecords(a: Pick<KeyRecord, 'createdAt' | 'id'>, b: Pick<KeyRecord, 'createdAt' | 'id'>): number {
  // Stryker disable next-line EqualityOperator: equivalent, `<=` and `<` agree once the two differ.
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * What a user may see of a key (SPEC §5.1): at most the first 4 and last 4 characters, and for a key
 * shorter than 16 characters only its last 2 (4 + 4 of a short key would give most of it away).
 */
export function maskKey(secret: string): string {
  if (secret.length < 16) return `…${secret.slice(-2)}`;
  return `${secret.slice(0, 4)}…${secret.slice(-4)}`;
}

export type KeyStatus = 'active' | 'disabled' | 'expired' | 'invalid';

export function keyStatus(record: KeyRecord, now: Date): KeyStatus {
  if (!record.enabled) return 'disabled';
  // Stryker disable next-line ConditionalExpression: equivalent, Date.parse(null) is NaN, which is never <= now.
  if (record.expiresAt !== null && Date.parse(record.expiresAt) <= now.getTime()) return 'expired';
  if (record.testStatus === 'invalid' || record.healthIssue !== null) return 'invalid';
  return 'active';
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
