/**
 * The one error family of the service. Every failure a caller can see has a stable UPPER_SNAKE code,
 * defined once here with its HTTP status and a default message; tests assert on codes, never on
 * message text. Messages never carry secrets (no key material, no tokens, no client secrets).
 */
export const ERROR_CODES = {
  /** No bearer token, or one that is malformed, expired, badly signed or from another issuer. */
  UNAUTHENTICATED: { status: 401, message: 'A valid bearer token is required.' },
  /** The token is valid but lacks the role the route needs. */
  FORBIDDEN: { status: 403, message: 'The token does not carry the role this operation needs.' },
  NOT_FOUND: { status: 404, message: 'Not found.' },
  VALIDATION_FAILED: { status: 400, message: 'The request is not valid.' },
  MALFORMED_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The request body must be application/json.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed.' },
  /** A provider id that is not in the registry (docs/resolution.md#provider-and-model). */
  UNKNOWN_PROVIDER: { status: 400, message: 'Unknown provider.' },
  /** The API key does not look like a key of the named provider (soft format check). */
  INVALID_KEY_FORMAT: { status: 400, message: 'The API key does not look like a key of this provider.' },
  /** A custom base URL that is not https, or points at a loopback, private or link-local address. */
  INVALID_BASE_URL: { status: 400, message: 'The base URL is not allowed.' },
  /** The caller's subscription tier does not include adding keys; `details.requiredTier` says which does. */
  TIER_REQUIRED: { status: 403, message: 'Your subscription tier does not include adding API keys.' },
  /** The owner already holds the maximum number of keys for this provider. */
  KEY_LIMIT_REACHED: { status: 409, message: 'The maximum number of keys for this provider is reached.' },
  /** No such key for this owner (another owner's key is reported the same way). */
  KEY_NOT_FOUND: { status: 404, message: 'No such key.' },
  /** No such user or group. */
  OWNER_NOT_FOUND: { status: 404, message: 'No such user or group.' },
  /** Resolution found nothing the request may be served (docs/api.md#internal-api). */
  NO_KEY_AVAILABLE: { status: 404, message: 'No usable key is available.' },
  /** A model no provider claims, with no fallback provider configured (docs/resolution.md#provider-and-model). */
  UNKNOWN_MODEL: { status: 400, message: 'Unknown model.' },
  /** Keycloak did not answer, or answered with a server error; the caller may retry. */
  KEYCLOAK_UNAVAILABLE: { status: 503, message: 'The identity server is unavailable; retry later.' },
  /** Scale-out (REDIS_URL): Redis is unreachable, so a write cannot take the shared owner lock; retry later (docs/scale-out.md). */
  REDIS_UNAVAILABLE: { status: 503, message: 'Shared state (Redis) is unavailable, so changes are refused for now; retry later.' },
  /** Another writer held the owner's lock for longer than the service waits; retry. */
  OWNER_BUSY: { status: 503, message: 'Another change to these keys is in progress; retry shortly.' },
  /** Too many requests from this user or internal client; `Retry-After` says when to retry. */
  RATE_LIMITED: { status: 429, message: 'Too many requests; retry later.' },
  /** Gateway: no upstream answered (every attempt failed to connect or was reset before its headers). */
  UPSTREAM_UNAVAILABLE: { status: 502, message: 'The provider could not be reached.' },
  /** Gateway: the upstream sent no response headers within PROXY_HEADERS_TIMEOUT_SECONDS. */
  UPSTREAM_TIMEOUT: { status: 504, message: 'The provider did not answer in time.' },
  /** The service is up but not ready (see /readyz for the reason). */
  NOT_READY: { status: 503, message: 'The service is not ready.' },
  INTERNAL: { status: 500, message: 'Internal error.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface AppErrorOptions {
  message?: string;
  details?: unknown;
  /** Seconds after which a retry makes sense; becomes the Retry-After header. */
  retryAfterSeconds?: number;
  /** Further response headers (e.g. WWW-Authenticate). */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;
  readonly retryAfterSeconds: number | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    super(options.message ?? ERROR_CODES[code].message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.headers = options.headers ?? {};
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
