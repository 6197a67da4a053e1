/**
 * The vault's rules, each written down once: what a label and a key may be, the test statuses, the
 * health issues and report outcomes, and when a key may be served. The HTTP schemas, the OpenAPI
 * document, the CLI, the legacy migration and the web UI import them from here, and the key service
 * enforces them for every caller.
 *
 * This module imports nothing (no Node, no zod), so the web UI's bundle can include it as is.
 */

/** Label length in UTF-16 code units, after trimming (docs/api.md#user-api). */
export const LABEL_MAX_LENGTH = 64;

/** API key length bounds (docs/resolution.md#provider-and-model); the per-provider checks are in providers/key-format.ts. */
export const KEY_MIN_LENGTH = 8;
export const KEY_MAX_LENGTH = 512;

/**
 * Label text: no control (Cc), format (Cf) or unpaired surrogate (Cs) code points; with /u a pair is
 * one code point. Labels are shown in UIs and passed on in resolve answers: a lone surrogate (which
 * JSON.parse accepts as `"\ud800"`) breaks strict JSON parsers and UTF-8 encoders downstream.
 */
export const LABEL_TEXT = /^[^\p{Cc}\p{Cf}\p{Cs}]*$/u;

/** Why a label is refused, or undefined when it is a valid label. Trim before asking. */
export function labelProblem(label: string): string | undefined {
  if (label.length === 0) return 'must not be empty';
  if (label.length > LABEL_MAX_LENGTH) return `at most ${LABEL_MAX_LENGTH} characters`;
  if (!LABEL_TEXT.test(label)) return 'must be well-formed Unicode without control characters';
  return undefined;
}

/** Subscription tiers (docs/storage.md#tiers-and-limits), in ascending order; see tiers.ts. */
export { TIERS, type Tier } from './tiers.js';

/** What a key test found (docs/resolution.md#provider-and-model). */
export const TEST_STATUSES = ['valid', 'invalid', 'rate_limited', 'unreachable'] as const;
export type TestStatus = (typeof TEST_STATUSES)[number];

/**
 * What an internal service reported that takes a key out of rotation until its secret is replaced or
 * a test passes (docs/resolution.md#health). Stored in the record, so it survives restarts and holds on every instance.
 */
export const HEALTH_ISSUES = ['unauthorized', 'quota_exceeded'] as const;
export type HealthIssue = (typeof HEALTH_ISSUES)[number];

/**
 * What an internal service reports after using a key (docs/resolution.md#health): `rate_limited` cools it down,
 * `unauthorized` and `quota_exceeded` store a health issue, `ok` ends a cooldown, `error` changes nothing.
 */
export const REPORT_OUTCOMES = ['ok', 'rate_limited', 'unauthorized', 'quota_exceeded', 'error'] as const;
export type ReportOutcome = (typeof REPORT_OUTCOMES)[number];

/** A key's state as users see it; only `active` keys are served. */
export const KEY_STATUSES = ['active', 'disabled', 'expired', 'invalid'] as const;
export type KeyStatus = (typeof KEY_STATUSES)[number];

/** The fields of a key that decide whether it may be served (a record, or resolution's cached view of one). */
export interface KeyState {
  enabled: boolean;
  /** Epoch milliseconds, or null for no expiry. */
  expiresAtMs: number | null;
  testStatus: TestStatus | null;
  healthIssue: HealthIssue | null;
}

/** The status of a key at `nowMs`: disabled, expired, invalid (tested invalid or reported), or active. */
export function keyStateStatus(key: KeyState, nowMs: number): KeyStatus {
  if (!key.enabled) return 'disabled';
  if (key.expiresAtMs !== null && key.expiresAtMs <= nowMs) return 'expired';
  if (key.testStatus === 'invalid' || key.healthIssue !== null) return 'invalid';
  return 'active';
}

/**
 * The one "servable key" rule (docs/resolution.md#round-robin): enabled, not expired, no reported health issue, not tested
 * invalid. A key that does not decrypt is never a KeyState at all (it is skipped, logged by id, when
 * the owner is read), and a cooldown is separate state (the Cooldowns port), checked by the resolver.
 */
export function isServable(key: KeyState, nowMs: number): boolean {
  return keyStateStatus(key, nowMs) === 'active';
}

/** Why resolution answered 404 NO_KEY_AVAILABLE (`details.reason`): ask the user, or wait. */
export const NO_KEY_REASONS = ['no_key', 'cooling_down', 'user_disabled'] as const;
export type NoKeyReason = (typeof NO_KEY_REASONS)[number];
