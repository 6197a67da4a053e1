/**
 * Outbound requests to user-supplied base URLs, pinned to addresses the URL policy allows.
 *
 * The URL policy (url-policy.ts) checks a base URL when it is saved and again before a key test, but
 * a check that resolves the name is only as good as the next resolution: a hostile DNS server can
 * answer a public address to the check and 127.0.0.1 or 169.254.169.254 to the connection (DNS
 * rebinding). So the connection does its own check: an undici Agent whose connector resolves the name
 * itself and refuses the connection when ANY address it got is outside the policy (the same
 * `forbiddenRangeOf` table, so every IPv6 form that embeds an IPv4 address is judged as that address),
 * then connects only to the addresses it checked. An IP literal (`https://[::ffff:0:7f00:1]/`) is
 * checked the same way (the socket does not look literals up). With `allowPrivateNetworks` the
 * addresses are not judged (development and tests against a local fake provider), but the connection
 * still goes through the same resolver.
 *
 * Requests use undici's own `fetch` with the Agent (not the global fetch, whose bundled undici
 * differs between Node versions).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import { forbiddenRangeOf, type ResolvedAddress, type UrlPolicy } from './url-policy.js';

/** Resolves a host name to every address it has (the system resolver by default; tests give their own). */
export type HostLookup = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const systemLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** A connection the policy refused; its message names the host and the kind of range, never a key. */
export class ForbiddenAddressError extends Error {
  readonly code = 'EBYOK_FORBIDDEN_ADDRESS';
  constructor(
    readonly hostname: string,
    readonly kind: string,
  ) {
    super(`connection to ${hostname} refused: it resolves to a non-public address (${kind})`);
    this.name = 'ForbiddenAddressError';
  }
}

export interface PinnedOutboundOptions {
  policy: Pick<UrlPolicy, 'allowPrivateNetworks'>;
  lookup?: HostLookup | undefined;
  /** TCP (and TLS) connect timeout. */
  connectTimeoutMs?: number | undefined;
  /** Told of every refused connection (for the log). */
  onRefused?: ((error: ForbiddenAddressError) => void) | undefined;
}

type LookupCallback = (error: Error | null, address: string | LookupAddress[], family?: number) => void;

/** The undici Agent whose every connection goes only to addresses the policy allows. */
export function createPinnedAgent(options: PinnedOutboundOptions): Agent {
  const resolveHost = options.lookup ?? systemLookup;
  const judge = (hostname: string, address: string): ForbiddenAddressError | undefined => {
    if (options.policy.allowPrivateNetworks) return undefined;
    const kind = forbiddenRangeOf(address);
    if (kind === undefined) return undefined;
    const refusal = new ForbiddenAddressError(hostname, kind);
    options.onRefused?.(refusal);
    return refusal;
  };

  // net.connect's `lookup` hook: called at connect time, for this very connection.
  const pinnedLookup = (hostname: string, lookupOptions: { all?: boolean; family?: number | string }, callback: LookupCallback): void => {
    resolveHost(hostname).then(
      (resolved) => {
        for (const { address } of resolved) {
          const refusal = judge(hostname, address);
          if (refusal) return callback(refusal, []);
        }
        const family = lookupOptions.family === 'IPv4' ? 4 : lookupOptions.family === 'IPv6' ? 6 : Number(lookupOptions.family ?? 0);
        const usable = resolved.filter((entry) => family === 0 || entry.family === family).map(({ address, family: f }) => ({ address, family: f }));
        const first = usable[0];
        if (first === undefined) return callback(Object.assign(new Error(`${hostname} has no usable address`), { code: 'ENOTFOUND' }), []);
        return lookupOptions.all ? callback(null, usable) : callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), []),
    );
  };

  const connector = buildConnector({ timeout: options.connectTimeoutMs ?? 10_000, lookup: pinnedLookup as never });
  return new Agent({
    connect(connectOptions, callback) {
      // An IP literal is connected to as it is (no lookup): judge it here.
      const host = connectOptions.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host) !== 0) {
        const refusal = judge(host, host);
        if (refusal) {
          callback(refusal, null);
          return;
        }
      }
      connector(connectOptions, callback);
    },
  });
}

/** `fetch` whose connections are pinned (see createPinnedAgent); same signature as the global one. */
export function createPinnedFetch(options: PinnedOutboundOptions): typeof fetch {
  return fetchThrough(createPinnedAgent(options));
}

/** undici's `fetch` through this dispatcher; same signature as the global one. */
export function fetchThrough(dispatcher: Agent): typeof fetch {
  return ((input: string | URL, init?: RequestInit) => undiciFetch(input, { ...(init as object), dispatcher } as never)) as unknown as typeof fetch;
}
