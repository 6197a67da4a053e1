/**
 * Header hygiene for the signing gateway (issue 14), in both directions. A proxy that copies headers
 * blindly leaks: the caller's token or cookies to a third-party provider, `X-Byok-*` routing hints
 * (which user the call is for) upstream, or upstream cookies into the caller's origin. It also breaks:
 * hop-by-hop headers describe one connection (RFC 9110 §7.6.1), and undici refuses `connection`,
 * `keep-alive`, `transfer-encoding`, `upgrade` and `expect` outright.
 *
 * The hop-by-hop set follows Envoy (RFC 9110's list plus every name listed in `Connection`). LiteLLM's
 * proxy never forwards the caller's key either, but it keeps an allowlist because it rewrites every
 * request into its own; a pass-through must keep the APIs' own headers (`anthropic-version`,
 * `anthropic-beta`, `openai-beta`, the SDKs' `x-stainless-*`) for unmodified SDKs to work, so this is
 * a denylist, and credentials are denied for every provider at once, not only the one called.
 * This module only removes; the route adds the signing header (credentials.ts) afterwards, so a
 * caller cannot pre-empt or duplicate it.
 */
import { CALLER_KEY_HEADERS, CALLER_KEY_PARAMS, type HeaderMap } from './credentials.js';

/** RFC 9110 §7.6.1 and Envoy's list; `proxy-connection` is the pre-standard one some clients still send. */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Dropped from requests besides hop-by-hop and credentials: `host` (the upstream's is set by the
 * client), `cookie` (our origin's session, never the provider's business), `expect` (undici refuses
 * it; the body is already held), and the caller's network identity (`forwarded`, `x-forwarded-*`,
 * `x-real-ip`): the provider sees the gateway, not our internal topology or the end user's address.
 */
const REQUEST_ONLY_DROPS: ReadonlySet<string> = new Set(['host', 'cookie', 'expect', 'forwarded', 'x-real-ip']);
const REQUEST_DROP_PREFIXES = ['x-byok-', 'x-forwarded-'] as const;

/** Dropped from responses besides hop-by-hop: the provider must not set cookies on our origin. */
const RESPONSE_ONLY_DROPS: ReadonlySet<string> = new Set(['set-cookie', 'set-cookie2']);

export type ForwardHeaders = Record<string, string | string[]>;

/** Names listed in `Connection` are hop-by-hop for this message too (RFC 9110 §7.6.1). */
function connectionListed(headers: HeaderMap): Set<string> {
  const raw = headers['connection'];
  const values = raw === undefined ? [] : typeof raw === 'string' ? [raw] : raw;
  return new Set(values.flatMap((value) => value.split(',')).map((name) => name.trim().toLowerCase()).filter((name) => name !== ''));
}

function copyExcept(headers: HeaderMap, drop: (name: string) => boolean): ForwardHeaders {
  const listed = connectionListed(headers);
  const out: ForwardHeaders = {};
  for (const [rawName, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    if (HOP_BY_HOP_HEADERS.has(name) || listed.has(name) || drop(name)) continue;
    out[name] = typeof value === 'string' ? value : [...value];
  }
  return out;
}

export interface RequestHygieneOptions {
  /**
   * True when the held body is sent again (every gateway attempt): the client computes the length
   * of what it actually sends, so the caller's `content-length` must not ride along (a mismatch is
   * request smuggling material). Default true.
   */
  bodyResent?: boolean;
}

/** The caller's request headers that may go upstream: no credential of any provider, no hop-by-hop, no cookies, no `x-byok-*`. */
export function upstreamRequestHeaders(headers: HeaderMap, options: RequestHygieneOptions = {}): ForwardHeaders {
  const bodyResent = options.bodyResent ?? true;
  return copyExcept(
    headers,
    (name) =>
      CALLER_KEY_HEADERS.has(name) ||
      REQUEST_ONLY_DROPS.has(name) ||
      (bodyResent && name === 'content-length') ||
      REQUEST_DROP_PREFIXES.some((prefix) => name.startsWith(prefix)),
  );
}

/** The upstream's response headers that may go to the caller: no hop-by-hop, no cookies. */
export function callerResponseHeaders(headers: HeaderMap): ForwardHeaders {
  return copyExcept(headers, (name) => RESPONSE_ONLY_DROPS.has(name));
}

/** The caller's query string without any provider's key parameter (Google's `key`), order kept. */
export function upstreamSearchParams(params: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const [name, value] of params) if (!CALLER_KEY_PARAMS.has(name)) out.append(name, value);
  return out;
}
