/**
 * Where keys travel, for the signing gateway (issue 14): reading the caller's credential from
 * wherever that provider's SDK puts its key, and setting the chosen provider key the way the
 * provider expects. Both are driven by registry data (`test.auth`, the transport the key tester
 * already uses, and `otherCallerKeyLocations`), so there is no branch per provider here.
 *
 * Invariants guarded:
 * - The caller's credential (a Keycloak token) never reaches an upstream: `CALLER_KEY_HEADERS` and
 *   `CALLER_KEY_PARAMS` list every place of every provider, and the request hygiene removes them all,
 *   whichever provider the request is for (a token put in Anthropic's header on the OpenAI route too).
 * - An ambiguous credential is no credential: a repeated header or parameter, or two places holding
 *   different values, is refused rather than guessed at (one of them could be smuggled in).
 * - A provider key goes into exactly one header and is never echoed in an error message.
 */
import {
  keyHeaderOf,
  PROVIDER_DEFINITIONS,
  PROVIDER_IDS,
  type CallerKeyLocation,
  type ProviderDescriptor,
} from '../providers/registry.js';

/** Node's `IncomingHttpHeaders` and undici's response headers both fit (lower-case names). */
export type HeaderMap = Readonly<Record<string, string | readonly string[] | undefined>>;

/** The locations a caller's key is read from, the provider's own transport first. */
export function callerKeyLocations(provider: Pick<ProviderDescriptor, 'test' | 'otherCallerKeyLocations'>): readonly CallerKeyLocation[] {
  return [provider.test.auth, ...provider.otherCallerKeyLocations];
}

function headerNameOf(location: CallerKeyLocation): string | undefined {
  if (location.kind === 'bearer') return 'authorization';
  if (location.kind === 'header') return location.name.toLowerCase();
  return undefined;
}

const ALL_LOCATIONS = PROVIDER_IDS.flatMap((id) => callerKeyLocations(PROVIDER_DEFINITIONS[id]));

/** Every header that carries a key for any provider (lower case): never forwarded upstream. */
export const CALLER_KEY_HEADERS: ReadonlySet<string> = new Set(
  ALL_LOCATIONS.map(headerNameOf).filter((name): name is string => name !== undefined),
);

/** Every query parameter that carries a key for any provider: never forwarded upstream. */
export const CALLER_KEY_PARAMS: ReadonlySet<string> = new Set(
  ALL_LOCATIONS.flatMap((location) => (location.kind === 'query' ? [location.name] : [])),
);

// RFC 6750 §2.1: the scheme is case-insensitive; one token, no spaces in it.
const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

function single(value: string | readonly string[] | undefined): string | undefined | 'ambiguous' {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  return value.length === 1 ? value[0] : value.length === 0 ? undefined : 'ambiguous';
}

function readAt(location: CallerKeyLocation, headers: HeaderMap, params: URLSearchParams): string | undefined | 'ambiguous' {
  if (location.kind === 'query') {
    const values = params.getAll(location.name);
    return values.length === 0 ? undefined : values.length === 1 ? values[0] : 'ambiguous';
  }
  const raw = single(headers[headerNameOf(location) as string]);
  if (raw === undefined || raw === 'ambiguous') return raw;
  if (location.kind === 'bearer') return BEARER.exec(raw)?.[1] ?? 'ambiguous';
  return raw.trim();
}

/**
 * The caller's credential for a request to `provider`, read where that provider's SDK puts its key,
 * or undefined when there is none or it is ambiguous (repeated, malformed `Authorization`, or two
 * places holding different values). An empty value counts as none.
 */
export function readCallerCredential(
  headers: HeaderMap,
  params: URLSearchParams,
  provider: Pick<ProviderDescriptor, 'test' | 'otherCallerKeyLocations'>,
): string | undefined {
  let found: string | undefined;
  for (const location of callerKeyLocations(provider)) {
    const value = readAt(location, headers, params);
    if (value === 'ambiguous') return undefined;
    if (value === undefined || value === '') continue;
    if (found !== undefined && found !== value) return undefined;
    found = value;
  }
  return found;
}

// A header value may not contain CR, LF or NUL (header injection), nor other controls.
const HEADER_SAFE = /^[\x20-\x7e\x80-\xff]+$/;

/**
 * The one header that signs an upstream request with `apiKey` for `provider` (the same transport the
 * key tester uses). Throws, without the key in the message, if the key cannot travel in a header.
 */
export function signingHeader(provider: Pick<ProviderDescriptor, 'id' | 'test'>, apiKey: string): { readonly name: string; readonly value: string } {
  if (!HEADER_SAFE.test(apiKey)) throw new TypeError(`a ${provider.id} key with characters a header cannot carry`);
  return keyHeaderOf(provider.test.auth, apiKey);
}
