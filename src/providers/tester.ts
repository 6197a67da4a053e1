/**
 * Tests a key against its provider (docs/api.md#user-api `POST /byok/keys/test/{provider}`) with the registry's cheap
 * authenticated request, and says what the provider thought of it:
 *
 *   2xx → valid · 429 → rate_limited · 401, 403 and other 4xx → invalid
 *   3xx, 408, 5xx, network error, timeout → unreachable
 *
 * A 3xx is not followed: a redirect would carry the key's header to a host nobody checked, and a
 * provider API that redirects a metadata read is not one we can vouch for.
 *
 * The key is a secret here like everywhere else: it goes into exactly one request header and is in
 * no result, error or log. Errors from fetch are swallowed, not wrapped: undici quotes an invalid
 * header value in its message, which would be the key.
 */
import { keyHeaderOf, type KeyTransport, type ProviderId, type ProviderRegistry } from './registry.js';
import type { HostLookup } from './outbound.js';
import { checkBaseUrl, type UrlPolicy } from './url-policy.js';

export type KeyTestStatus = 'valid' | 'invalid' | 'rate_limited' | 'unreachable';

export interface KeyTestResult {
  status: KeyTestStatus;
  /** The provider's HTTP status, when it answered. */
  httpStatus?: number;
  /** ISO-8601 time the test started. */
  testedAt: string;
}

export interface KeyTesterDeps {
  registry: Pick<ProviderRegistry, 'get'>;
  fetch?: typeof fetch;
  /** Whole-request budget, connection to last header byte. */
  timeoutMs: number;
  now?: () => number;
  /**
   * When set, a key's own base URL is checked against the URL policy again right before the
   * request: it was checked when saved, but DNS may have changed since. A URL that fails now is
   * never contacted and reports `unreachable`. Configured overrides are operator input and are not
   * re-checked (tests and egress proxies legitimately point them at private addresses).
   */
  urlPolicy?: UrlPolicy;
  /**
   * The fetch for a key's own base URL: one whose connections go only to addresses the URL policy
   * allows, judged at connect time (outbound.ts `createPinnedFetch`), so DNS cannot send the key
   * elsewhere after the check above. Registry endpoints use `fetch`.
   */
  pinnedFetch?: typeof fetch;
  /** The resolver of the check above (the one the pinned fetch uses too); the system's by default. */
  lookup?: HostLookup;
}

/** What an HTTP header value can carry; a key with anything else cannot be sent, so it cannot be valid. */
const SENDABLE_KEY = /^[\x21-\x7e]+$/;

function statusOf(httpStatus: number): KeyTestStatus {
  if (httpStatus >= 200 && httpStatus < 300) return 'valid';
  if (httpStatus === 429) return 'rate_limited';
  // 408 is the server giving up on us, a timeout like any other, not a verdict on the key.
  if (httpStatus === 408) return 'unreachable';
  if (httpStatus >= 400 && httpStatus < 500) return 'invalid';
  return 'unreachable';
}

function keyHeader(transport: KeyTransport, apiKey: string): Record<string, string> {
  const header = keyHeaderOf(transport, apiKey);
  return { [header.name]: header.value };
}

export type KeyTester = ReturnType<typeof createKeyTester>;

export function createKeyTester(deps: KeyTesterDeps) {
  const doFetch = deps.fetch ?? fetch;
  const now = deps.now ?? Date.now;

  /**
   * @param baseUrl the key's own base URL (required for providers that require one, e.g. `custom`);
   *   replaces the registry's test endpoint.
   */
  async function test(provider: ProviderId, apiKey: string, baseUrl?: string): Promise<KeyTestResult> {
    const testedAt = new Date(now()).toISOString();
    const descriptor = deps.registry.get(provider);
    const base = baseUrl ?? descriptor.testBaseUrl;
    if (base === undefined) {
      // A caller bug, not a provider verdict: the route validates that custom keys have a base URL.
      throw new TypeError(`${descriptor.name} keys can only be tested with a base URL`);
    }
    if (!SENDABLE_KEY.test(apiKey)) return { status: 'invalid', testedAt };
    if (baseUrl !== undefined && deps.urlPolicy !== undefined) {
      const check = await checkBaseUrl(baseUrl, deps.urlPolicy, deps.lookup ? { lookup: deps.lookup } : {});
      if (!check.ok) return { status: 'unreachable', testedAt };
    }

    const { test: request } = descriptor;
    let response: Response;
    const send = baseUrl !== undefined && deps.pinnedFetch !== undefined ? deps.pinnedFetch : doFetch;
    try {
      response = await send(`${base.replace(/\/+$/, '')}${request.path}`, {
        method: request.method,
        headers: { accept: 'application/json', ...request.headers, ...keyHeader(request.auth, apiKey) },
        redirect: 'manual',
        signal: AbortSignal.timeout(deps.timeoutMs),
      });
    } catch {
      return { status: 'unreachable', testedAt };
    }
    // Only the status matters; drop the body so the connection is released at once.
    await response.body?.cancel().catch(() => undefined);
    return { status: statusOf(response.status), httpStatus: response.status, testedAt };
  }

  return { test };
}
