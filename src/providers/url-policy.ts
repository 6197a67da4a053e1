/**
 * Policy for base URLs that users supply (custom providers, per-key base URLs). The service sends
 * the user's key to that URL when testing and hands it to internal services when resolving, so an
 * unchecked URL is a server-side request forgery: it could make the service call its own cloud
 * metadata endpoint (169.254.169.254), Keycloak's admin port, Redis, or anything else on the
 * private network, and report back whether it answered.
 *
 * Rules: https only (http when `allowInsecureHttp`, for development); no credentials, query or
 * fragment; and, unless `allowPrivateNetworks`, a host that is neither a non-public IP literal, nor
 * a name that is local by definition, nor a DNS name any of whose addresses is non-public.
 *
 * IP literals are judged after the WHATWG URL parser has normalised them, which turns the decimal,
 * octal, hex and short spellings (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`) into dotted quads
 * and IPv6 into its compressed form, so one table of ranges covers every spelling.
 *
 * IPv6 forms that carry an IPv4 address are judged by that address: IPv4-mapped (`::ffff:a.b.c.d`),
 * IPv4-translated (`::ffff:0:a.b.c.d`, RFC 2765), NAT64 (`64:ff9b::/96`) and 6to4 (`2002::/16`);
 * IPv4-compatible (`::a.b.c.d`, deprecated) and local-use NAT64 (`64:ff9b:1::/48`) are refused
 * whole, and so is Teredo (`2001::/32`: a tunnel to any IPv4 host through a relay, with its client
 * address obfuscated; no provider API is served on one). ISATAP interface ids are not recognised:
 * the prefix in front of them is what routes.
 *
 * This check resolves the name once; the HTTP client would resolve it again when it connects (DNS
 * rebinding). Requests to user-supplied URLs therefore go through outbound.ts, whose connections
 * judge every address they resolve against the same table at connect time.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export interface UrlPolicy {
  /** Accept http:// (development against a local gateway). Default in config: false. */
  allowInsecureHttp: boolean;
  /** Accept loopback, private, link-local and other non-public hosts. Default in config: false. */
  allowPrivateNetworks: boolean;
}

export type BaseUrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

export interface ResolvedAddress {
  address: string;
  family: number;
}

export interface UrlPolicyDeps {
  /** Resolves a host name to every address it has; defaults to the system resolver (getaddrinfo). */
  lookup?: (hostname: string) => Promise<readonly ResolvedAddress[]>;
}

export const MAX_BASE_URL_LENGTH = 2048;

type Range = { readonly cidr: string; readonly kind: string };

/** Non-public IPv4 ranges (RFC 6890 special-purpose registry, the parts that matter for SSRF). */
const IPV4_FORBIDDEN: readonly Range[] = [
  { cidr: '0.0.0.0/8', kind: 'unspecified ("this network")' },
  { cidr: '10.0.0.0/8', kind: 'private' },
  { cidr: '100.64.0.0/10', kind: 'shared (carrier-grade NAT)' },
  { cidr: '127.0.0.0/8', kind: 'loopback' },
  { cidr: '169.254.0.0/16', kind: 'link-local (cloud metadata)' },
  { cidr: '172.16.0.0/12', kind: 'private' },
  { cidr: '192.0.0.0/24', kind: 'IETF protocol assignments' },
  { cidr: '192.168.0.0/16', kind: 'private' },
  { cidr: '198.18.0.0/15', kind: 'benchmarking' },
  { cidr: '224.0.0.0/4', kind: 'multicast' },
  { cidr: '240.0.0.0/4', kind: 'reserved' },
];

/** Non-public IPv6 ranges. Ranges that embed an IPv4 address are in IPV6_EMBEDDING_IPV4 instead. */
const IPV6_FORBIDDEN: readonly Range[] = [
  // Covers :: (unspecified), ::1 (loopback) and the deprecated IPv4-compatible ::a.b.c.d forms.
  { cidr: '::/96', kind: 'unspecified, loopback or IPv4-compatible' },
  { cidr: '64:ff9b:1::/48', kind: 'local-use NAT64' },
  { cidr: '100::/64', kind: 'discard-only' },
  { cidr: '2001::/32', kind: 'Teredo tunnel' },
  { cidr: 'fc00::/7', kind: 'unique local (private)' },
  { cidr: 'fe80::/10', kind: 'link-local' },
  { cidr: 'fec0::/10', kind: 'site-local' },
  { cidr: 'ff00::/8', kind: 'multicast' },
];

/**
 * IPv6 forms that reach an IPv4 address: judged by the IPv4 address they carry, so
 * `::ffff:127.0.0.1` is loopback while `::ffff:8.8.8.8` is as public as 8.8.8.8.
 * `shift` is how far right the embedded address sits in the 128 bits.
 */
const IPV6_EMBEDDING_IPV4: readonly { cidr: string; shift: bigint }[] = [
  { cidr: '::ffff:0:0/96', shift: 0n }, // IPv4-mapped
  { cidr: '::ffff:0:0:0/96', shift: 0n }, // IPv4-translated (RFC 2765, SIIT)
  { cidr: '64:ff9b::/96', shift: 0n }, // NAT64 well-known prefix
  { cidr: '2002::/16', shift: 80n }, // 6to4
];

/** Names that are local by definition (RFC 6761, RFC 8375) or by universal convention. */
const LOCAL_NAME_SUFFIXES = ['localhost', 'local', 'internal', 'home.arpa', 'localdomain'];

function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

function parseIPv6(text: string): bigint | undefined {
  let rest = text.split('%')[0] ?? ''; // zone id (fe80::1%eth0) says which interface, not which address
  const groups: number[] = [];
  const lastColon = rest.lastIndexOf(':');
  // Stryker disable next-line StringLiteral: equivalent, `dotted` is only read when the text has a '.', which the next line checks.
  const dotted = rest.includes('.') ? parseIPv4(rest.slice(lastColon + 1)) : undefined;
  if (rest.includes('.')) {
    if (dotted === undefined) return undefined;
    rest = `${rest.slice(0, lastColon + 1)}${(dotted >>> 16).toString(16)}:${(dotted & 0xffff).toString(16)}`;
  }
  const halves = rest.split('::');
  if (halves.length > 2) return undefined;
  const parse = (half: string | undefined) => (half === undefined || half === '' ? [] : half.split(':'));
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  // Stryker disable next-line ConditionalExpression: equivalent, without '::' the check above has made `missing` 0.
  for (const group of [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail]) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return undefined;
    groups.push(parseInt(group, 16));
  }
  return groups.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

function inRange(value: bigint, cidr: string, bits: 32 | 128): boolean {
  const [network, prefixText] = cidr.split('/');
  const prefix = BigInt(prefixText ?? String(bits));
  // Stryker disable next-line StringLiteral,UnaryOperator: equivalent, the fallbacks only feed the unreachable guard below.
  const base = bits === 32 ? BigInt(parseIPv4(network ?? '') ?? -1) : parseIPv6(network ?? '');
  // Stryker disable next-line all: unreachable, the tables are constants of valid CIDRs; the guard makes a typo in them fail loudly.
  if (base === undefined || base < 0n) throw new Error(`bad CIDR in policy table: ${cidr}`);
  const hostBits = BigInt(bits) - prefix;
  return value >> hostBits === base >> hostBits;
}

function ipv4Kind(value: number): string | undefined {
  return IPV4_FORBIDDEN.find((range) => inRange(BigInt(value), range.cidr, 32))?.kind;
}

/**
 * The kind of non-public range an IP address falls in, or undefined when it is public.
 * Accepts dotted-quad IPv4 and any IPv6 spelling (with or without brackets or a zone id);
 * anything else is not an IP address and yields 'not an IP address'.
 */
export function forbiddenRangeOf(address: string): string | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const v4 = parseIPv4(bare);
  if (v4 !== undefined) return ipv4Kind(v4);
  // Stryker disable next-line StringLiteral: equivalent, parseIPv6 refuses any text without ':' (one group is never eight).
  const v6 = bare.includes(':') ? parseIPv6(bare) : undefined;
  if (v6 === undefined) return 'not an IP address';
  const embedding = IPV6_EMBEDDING_IPV4.find((range) => inRange(v6, range.cidr, 128));
  if (embedding !== undefined) {
    const embedded = Number((v6 >> embedding.shift) & 0xffffffffn);
    const kind = ipv4Kind(embedded);
    return kind === undefined ? undefined : `IPv4 ${kind} reached through IPv6`;
  }
  return IPV6_FORBIDDEN.find((range) => inRange(v6, range.cidr, 128))?.kind;
}

async function systemLookup(hostname: string): Promise<readonly ResolvedAddress[]> {
  return dnsLookup(hostname, { all: true, verbatim: true });
}

const reject = (reason: string): BaseUrlCheck => ({ ok: false, reason });

export async function checkBaseUrl(raw: string, policy: UrlPolicy, deps: UrlPolicyDeps = {}): Promise<BaseUrlCheck> {
  if (raw.length > MAX_BASE_URL_LENGTH) return reject(`The base URL is longer than ${MAX_BASE_URL_LENGTH} characters.`);
  // The URL parser silently drops surrounding whitespace and tabs or newlines anywhere; refuse
  // instead, so what is stored is exactly what was checked.
  if (/[\s\x00-\x1f\x7f]/.test(raw)) return reject('The base URL contains whitespace or control characters.');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return reject('The base URL is not a valid absolute URL (e.g. https://llm.example.com/v1).');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowInsecureHttp)) {
    return reject(policy.allowInsecureHttp ? 'The base URL must use https or http.' : 'The base URL must use https.');
  }
  if (url.username !== '' || url.password !== '') {
    return reject('The base URL must not contain a user name or password; the API key is sent separately.');
  }
  // `search`/`hash` are empty for a bare "?" or "#", so look at the text as well.
  if (url.search !== '' || url.hash !== '' || raw.includes('?') || raw.includes('#')) {
    return reject('The base URL must not contain a query string or fragment.');
  }
  if (policy.allowPrivateNetworks) return { ok: true, url };

  const hostname = url.hostname.replace(/\.$/, ''); // "localhost." is localhost
  if (hostname.startsWith('[') || isIP(hostname) !== 0) {
    const kind = forbiddenRangeOf(hostname);
    return kind === undefined ? { ok: true, url } : reject(`The base URL points to a non-public address (${kind}).`);
  }
  const lower = hostname.toLowerCase();
  const localSuffix = LOCAL_NAME_SUFFIXES.find((suffix) => lower === suffix || lower.endsWith(`.${suffix}`));
  if (localSuffix !== undefined) return reject(`The base URL host is a local name (.${localSuffix}).`);
  // A single-label name is completed with the resolver's search domains: an internal host.
  if (!lower.includes('.')) return reject('The base URL host must be a fully qualified domain name.');

  let addresses: readonly ResolvedAddress[];
  try {
    addresses = await (deps.lookup ?? systemLookup)(hostname);
  } catch {
    return reject(`The base URL host ${hostname} could not be resolved.`);
  }
  if (addresses.length === 0) return reject(`The base URL host ${hostname} could not be resolved.`);
  // Any one non-public address is enough: the client may connect to any of them. The address is
  // not quoted, so the reason does not reveal internal DNS to whoever submitted the URL.
  for (const { address } of addresses) {
    const kind = forbiddenRangeOf(address);
    if (kind !== undefined) return reject(`The base URL host ${hostname} resolves to a non-public address (${kind}).`);
  }
  return { ok: true, url };
}
