/**
 * What an upstream answer says about the key that signed it (issue 14's failover), as the resolver's
 * report outcomes (src/vault/rules.ts): `rate_limited` cools the key down, `unauthorized` and
 * `quota_exceeded` take it out of rotation, `ok` ends a cooldown, `error` changes nothing.
 *
 * Invariants guarded:
 * - Only a verdict on the key moves the key: a 400 or 404 is the caller's request, a 5xx the
 *   provider's trouble; neither benches a key nor is retried on another one (the request may have had
 *   effects, and a second key would see the same request).
 * - Failover happens only where another key can help (429, 401, 403, 402, no connection), so a bad
 *   request is not multiplied by the number of keys.
 * - An upstream cannot bench a key for ever: a cooldown from `Retry-After` is clamped to
 *   [1 s, MAX_COOLDOWN_SECONDS].
 *
 * Headers decide; the body only refines a few answers whose status lies (OpenAI's 429 with
 * `insufficient_quota` is an empty account, not a rate limit; Google's 400 `API_KEY_INVALID` is a bad
 * key). The route reads a small prefix of such bodies anyway (the answer is not passed to the caller
 * when it fails over); `BODY_PEEK_LIMIT` is how much it needs. The markers are data, not branches.
 */
import type { ReportOutcome } from '../vault/rules.js';
import type { HeaderMap } from './credentials.js';

/** An upstream cannot ask for a cooldown longer than this (a day): beyond it the key's owner should look. */
export const MAX_COOLDOWN_SECONDS = 86_400;

/** The statuses a body marker may refine, and how many bytes of such a body the route should keep. */
export const BODY_PEEK_STATUSES: ReadonlySet<number> = new Set([400, 429]);
export const BODY_PEEK_LIMIT = 16 * 1024;

/**
 * Error codes in a JSON error body that override the status: OpenAI (and compatible APIs) put
 * `insufficient_quota` in `error.code`/`error.type` of a 429 when the account is out of credit,
 * which retrying later will not fix; Google puts `API_KEY_INVALID` in `error.details[].reason` of a
 * 400 for an unknown key (the key tester counts that as invalid too).
 */
export const BODY_MARKERS: readonly { readonly status: number; readonly code: string; readonly outcome: ReportOutcome }[] = [
  { status: 429, code: 'insufficient_quota', outcome: 'quota_exceeded' },
  { status: 400, code: 'API_KEY_INVALID', outcome: 'unauthorized' },
];

export type UpstreamAnswer =
  | { readonly kind: 'response'; readonly status: number; readonly headers: HeaderMap; readonly bodyPrefix?: string | undefined }
  /** No answer: connection refused or reset, TLS failure, or a timeout before the headers. */
  | { readonly kind: 'connection-failure' };

export interface Classification {
  readonly outcome: ReportOutcome;
  /** Only with `rate_limited`, when the upstream said how long (else the resolver's default applies). */
  readonly retryAfterSeconds?: number;
  /** Try the next usable key (if attempts and deadline allow) instead of passing this answer on. */
  readonly failover: boolean;
}

function headerValue(headers: HeaderMap, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : value?.[0];
}

const HTTP_DATE_START = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? /i;

const clampSeconds = (seconds: number) => Math.min(MAX_COOLDOWN_SECONDS, Math.max(1, Math.ceil(seconds)));

/**
 * Seconds to wait, from `retry-after-ms` (OpenAI and Azure; milliseconds, more precise, so it wins)
 * or `Retry-After` (RFC 9110 §10.2.3: delay-seconds or an HTTP-date, taken relative to `nowMs`).
 * Undefined when absent or unreadable; a date in the past is 1 s.
 */
export function retryAfterSecondsOf(headers: HeaderMap, nowMs: number): number | undefined {
  const ms = headerValue(headers, 'retry-after-ms')?.trim();
  if (ms !== undefined && /^\d+(?:\.\d+)?$/.test(ms)) return clampSeconds(Number(ms) / 1000);
  const raw = headerValue(headers, 'retry-after')?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (/^\d+$/.test(raw)) return clampSeconds(Number(raw));
  // All three HTTP-date forms start with a day name; without this check V8's lenient Date.parse
  // would read "-5" or "1.5" as dates.
  if (!HTTP_DATE_START.test(raw)) return undefined;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : clampSeconds((at - nowMs) / 1000);
}

function markerIn(bodyPrefix: string | undefined, status: number): ReportOutcome | undefined {
  if (bodyPrefix === undefined) return undefined;
  // A quoted code, so "insufficient_quota_warning" in a message does not count.
  return BODY_MARKERS.find((marker) => marker.status === status && bodyPrefix.includes(`"${marker.code}"`))?.outcome;
}

/** Status → outcome when no body marker applies. */
function outcomeOfStatus(status: number): ReportOutcome {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 402) return 'quota_exceeded';
  if (status >= 500) return 'error';
  // 2xx, 3xx and the caller's own 4xx: the key authenticated; its cooldown (if any) can end.
  return 'ok';
}

const FAILOVER_OUTCOMES: ReadonlySet<ReportOutcome> = new Set(['rate_limited', 'unauthorized', 'quota_exceeded']);

/** The outcome for the key and whether to try the next one. `nowMs` dates an HTTP-date `Retry-After`. */
export function classifyUpstreamAnswer(answer: UpstreamAnswer, nowMs: number): Classification {
  if (answer.kind === 'connection-failure') return { outcome: 'error', failover: true };
  const outcome = markerIn(answer.bodyPrefix, answer.status) ?? outcomeOfStatus(answer.status);
  const failover = FAILOVER_OUTCOMES.has(outcome);
  if (outcome !== 'rate_limited') return { outcome, failover };
  const retryAfterSeconds = retryAfterSecondsOf(answer.headers, nowMs);
  return retryAfterSeconds === undefined ? { outcome, failover } : { outcome, retryAfterSeconds, failover };
}
