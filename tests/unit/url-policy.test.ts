/**
 * The base-URL policy against SSRF. No test depends on internet DNS: IP literals are judged by the
 * range table, and the DNS path uses either the real resolver for `localhost` or an injected one.
 */
import { lookup } from 'node:dns/promises';
import { checkBaseUrl, forbiddenRangeOf, type UrlPolicy, type UrlPolicyDeps } from '../../src/providers/url-policy.js';

const STRICT: UrlPolicy = { allowInsecureHttp: false, allowPrivateNetworks: false };
const DEV: UrlPolicy = { allowInsecureHttp: true, allowPrivateNetworks: true };

/** A resolver that must not be asked (IP literals and rejected names never reach DNS). */
const noDns = async (hostname: string): Promise<never> => {
  throw new Error(`unexpected DNS lookup of ${hostname}`);
};
const resolvesTo =
  (...addresses: string[]) =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

async function reasonFor(raw: string, policy = STRICT, deps: UrlPolicyDeps = { lookup: noDns }): Promise<string> {
  const result = await checkBaseUrl(raw, policy, deps);
  if (result.ok) throw new Error(`${raw} was accepted`);
  return result.reason;
}

describe('forbiddenRangeOf (IP literal logic)', () => {
  test.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['[::1]', 'loopback'],
    ['fc00::1', 'unique local'],
    ['fd12:3456:789a::1', 'unique local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['::ffff:10.0.0.1', 'private'],
    ['0:0:0:0:0:ffff:c0a8:0101', 'private'],
    ['::ffff:0.0.0.0', 'unspecified'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['2002:7f00:1::1', 'loopback'],
    ['::127.0.0.1', 'IPv4-compatible'],
    // IPv4-translated (RFC 2765): ::ffff:0:a.b.c.d, every spelling.
    ['::ffff:0:7f00:1', 'loopback'],
    ['::ffff:0:127.0.0.1', 'loopback'],
    ['0:0:0:0:ffff:0:a9fe:a9fe', 'link-local'],
    ['[::ffff:0:a00:1]', 'private'],
    ['::FFFF:0:C0A8:1', 'private'],
    // NAT64 and 6to4 carrying non-public IPv4 addresses.
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['2002:a9fe:a9fe::', 'link-local'],
    ['2002:c0a8:0101:1::1', 'private'],
    ['64:ff9b:1::1', 'local-use NAT64'],
    // Teredo: refused whole (the client address is obfuscated; no provider API is served on one).
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
    ['2001::1', 'Teredo'],
  ])('%s is non-public (%s)', (address, kind) => {
    expect(forbiddenRangeOf(address)).toContain(kind);
  });

  test.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '172.15.255.255', // just below 172.16/12
    '172.32.0.0', // just above
    '100.63.255.255', // just below 100.64/10
    '100.128.0.0', // just above
    '169.253.255.255',
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:0808:0808::1',
    '::ffff:0:808:808', // IPv4-translated 8.8.8.8
    '2001:db8::1', // documentation, not Teredo (2001::/32 ends at 2001:0:ffff:...)
    '2001:1::1',
  ])('%s is public', (address) => {
    expect(forbiddenRangeOf(address)).toBeUndefined();
  });

  test('something that is not an IP address is never called public', () => {
    for (const text of ['', 'example.com', '1.2.3', '1.2.3.256', '::g', '1::2::3', '1:2:3:4:5:6:7:8:9']) {
      expect(forbiddenRangeOf(text)).toBe('not an IP address');
    }
  });
});

describe('checkBaseUrl', () => {
  test.each([
    ['http://127.0.0.1/', 'loopback'],
    ['https://127.0.0.1:8443/v1', 'loopback'],
    ['https://10.0.0.5/v1', 'private'],
    ['https://172.20.1.1/', 'private'],
    ['https://192.168.0.10/', 'private'],
    ['https://100.100.100.200/', 'carrier-grade NAT'],
    ['https://169.254.169.254/latest/meta-data', 'link-local'],
    ['https://0.0.0.0/', 'unspecified'],
    ['https://[::1]/', 'loopback'],
    ['https://[::]/', 'unspecified'],
    ['https://[fd00::1]/', 'unique local'],
    ['https://[fe80::1]/', 'link-local'],
    ['https://[::ffff:127.0.0.1]/', 'loopback'],
    ['https://[::ffff:a9fe:a9fe]/', 'link-local'],
    ['https://[::ffff:192.168.1.1]/', 'private'],
    ['https://[::ffff:0:7f00:1]/', 'loopback'],
    ['https://[::ffff:0:127.0.0.1]/', 'loopback'],
    ['https://[64:ff9b::7f00:1]/', 'loopback'],
    ['https://[2002:7f00:1::]/', 'loopback'],
    ['https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', 'Teredo'],
    // Numeric IPv4 spellings: the WHATWG URL parser normalises them to 127.0.0.1 and friends.
    ['https://2130706433/', 'loopback'],
    ['https://0x7f.1/', 'loopback'],
    ['https://0x7f000001/', 'loopback'],
    ['https://0177.0.0.1/', 'loopback'],
    ['https://127.1/', 'loopback'],
    ['https://0/', 'unspecified'],
    ['https://2852039166/', 'link-local'], // 169.254.169.254
    ['https://%31%32%37.0.0.1/', 'loopback'],
    ['https://127.0.0.1./', 'loopback'],
  ])('rejects %s (%s) without asking DNS', async (raw, kind) => {
    expect(await reasonFor(raw, { allowInsecureHttp: true, allowPrivateNetworks: false })).toContain(kind);
  });

  test.each([
    'https://localhost/',
    'https://LOCALHOST:8443/v1',
    'https://localhost./',
    'https://api.localhost/',
    'https://printer.local/',
    'https://metadata.google.internal/',
    'https://router.home.arpa/',
  ])('rejects the local name %s without asking DNS', async (raw) => {
    expect(await reasonFor(raw)).toMatch(/local name/);
  });

  test('rejects a single-label host name, which the resolver would complete with search domains', async () => {
    expect(await reasonFor('https://intranet/')).toMatch(/fully qualified/);
  });

  test('a DNS name resolving to loopback is rejected (the real resolver answering for localhost)', async () => {
    const asLocalhost = () => lookup('localhost', { all: true });
    const reason = await reasonFor('https://llm.example.com/v1', STRICT, { lookup: asLocalhost });
    expect(reason).toMatch(/llm\.example\.com resolves to a non-public address \(loopback\)/);
    expect(reason).not.toContain('127.0.0.1'); // internal DNS answers are not echoed back
  });

  test('one non-public address among public ones is enough to reject', async () => {
    const mixed = { lookup: resolvesTo('93.184.216.34', '10.0.0.7') };
    const reason = await reasonFor('https://llm.example.com/', STRICT, mixed);
    expect(reason).toContain('private');
    const v6 = await reasonFor('https://llm.example.com/', STRICT, { lookup: resolvesTo('2606:4700::1', 'fe80::1') });
    expect(v6).toContain('link-local');
  });

  test('a name that does not resolve is rejected', async () => {
    const failing = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    const raw = 'https://nowhere.example.com/';
    expect(await reasonFor(raw, STRICT, { lookup: failing })).toMatch(/could not be resolved/);
    expect(await reasonFor(raw, STRICT, { lookup: resolvesTo() })).toMatch(/could not be resolved/);
  });

  test('a name resolving only to public addresses is accepted, exactly as written', async () => {
    const lookupPublic = { lookup: resolvesTo('93.184.216.34', '2606:2800:220:1::1') };
    const result = await checkBaseUrl('https://api.example.com/v1', STRICT, lookupPublic);
    expect(result.ok && result.url.href).toBe('https://api.example.com/v1');
  });

  test('a public IP literal is accepted without DNS', async () => {
    const result = await checkBaseUrl('https://8.8.8.8/v1', STRICT, { lookup: noDns });
    expect(result.ok).toBe(true);
  });

  test('https only, unless insecure http is allowed', async () => {
    const lookupPublic = { lookup: resolvesTo('93.184.216.34') };
    expect(await reasonFor('http://api.example.com/v1', STRICT, lookupPublic)).toMatch(/must use https/);
    const insecure = { ...STRICT, allowInsecureHttp: true };
    const allowed = await checkBaseUrl('http://api.example.com/v1', insecure, lookupPublic);
    expect(allowed.ok).toBe(true);
    for (const raw of ['ftp://api.example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'gopher://a.example/']) {
      expect(await reasonFor(raw, DEV)).toMatch(/must use https or http/);
    }
  });

  test('credentials, query strings and fragments are rejected, even empty ones', async () => {
    expect(await reasonFor('https://user:pw@api.example.com/', DEV)).toMatch(/user name or password/);
    expect(await reasonFor('https://user@api.example.com/', DEV)).toMatch(/user name or password/);
    const withQueryOrFragment = ['https://a.example/v1?x=1', 'https://a.example/v1?', 'https://a.example/#a'];
    withQueryOrFragment.push('https://a.example/#');
    for (const raw of withQueryOrFragment) {
      expect(await reasonFor(raw, DEV)).toMatch(/query string or fragment/);
    }
  });

  test('whitespace and control characters are rejected, not stripped', async () => {
    const unclean = [' https://a.example/', 'https://a.example/\n', 'https://a.exa\tmple/', 'https://a.example/\u0000'];
    for (const raw of unclean) {
      expect(await reasonFor(raw, DEV)).toMatch(/whitespace or control/);
    }
  });

  test('garbage and relative URLs are rejected', async () => {
    for (const raw of ['', 'api.example.com', '/v1', 'https://', 'https://[::1/']) {
      expect(await reasonFor(raw, DEV)).toMatch(/not a valid absolute URL/);
    }
  });

  test('allowPrivateNetworks admits loopback and private hosts and skips DNS', async () => {
    const hosts = ['http://127.0.0.1:8080/v1', 'http://localhost:11434/v1', 'https://10.0.0.5/', 'http://[::1]:8080/'];
    for (const raw of [...hosts, 'http://gateway/v1']) {
      const result = await checkBaseUrl(raw, DEV, { lookup: noDns });
      expect([raw, result.ok]).toEqual([raw, true]);
    }
  });
});
