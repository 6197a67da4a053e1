/**
 * The base-URL policy's reasons and edges: each refusal says why (the user sees it), every range of
 * the table has its name, and IPv6 text that is not an address is never judged as one.
 */
import { checkBaseUrl, forbiddenRangeOf, MAX_BASE_URL_LENGTH, type UrlPolicy } from '../../src/providers/url-policy.js';

const STRICT: UrlPolicy = { allowInsecureHttp: false, allowPrivateNetworks: false };
const PUBLIC_IP = '93.184.216.34';
const noDns = async (hostname: string): Promise<never> => {
  throw new Error(`unexpected DNS lookup of ${hostname}`);
};

async function reasonFor(raw: string): Promise<string> {
  const result = await checkBaseUrl(raw, STRICT, { lookup: noDns });
  if (result.ok) throw new Error(`${raw} was accepted`);
  return result.reason;
}

describe('url policy: every range has its name', () => {
  test.each([
    ['192.0.0.1', 'IETF protocol assignments'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['100::1', 'discard-only'],
    ['fec0::1', 'site-local'],
    ['fe80::1%eth0', 'link-local'],
    ['[::1]', 'unspecified, loopback or IPv4-compatible'],
    ['[fe80::1]', 'link-local'],
  ])('%s is %s', (address, kind) => {
    expect(forbiddenRangeOf(address)).toBe(kind);
  });

  test('a name under .localdomain is refused as a local name, without asking DNS', async () => {
    expect(await reasonFor('https://db.localdomain/v1')).toBe('The base URL host is a local name (.localdomain).');
    expect(await reasonFor('https://localdomain/v1')).toBe('The base URL host is a local name (.localdomain).');
  });
});

describe('url policy: text that is not an IPv6 address is not judged as one', () => {
  test.each(['1:2:3:4:5:6:7:8:9', '1::2::3', '::ffff:1.2.3', '::ffff:1.2.3.256', '12345::1', 'g::1', '1:2:3:4:5:6:7::8', '1:2:3:4:5:6:7', ':1]', '[::1', '::1]'])(
    '%s is not an IP address',
    (text) => {
      expect(forbiddenRangeOf(text)).toBe('not an IP address');
    },
  );

  test('"::" standing for a single group is an address, and a public one here', () => {
    expect(forbiddenRangeOf('2606:4700:4700:4700:4700:4700::1111')).toBeUndefined();
    expect(forbiddenRangeOf('2606:4700::1111')).toBeUndefined();
  });
});

describe('url policy: each refusal names its reason', () => {
  test(`a URL of ${MAX_BASE_URL_LENGTH} characters is judged; one more is refused for its length`, async () => {
    const path = (length: number) => `https://${PUBLIC_IP}/${'a'.repeat(length - `https://${PUBLIC_IP}/`.length)}`;
    expect((await checkBaseUrl(path(MAX_BASE_URL_LENGTH), STRICT, { lookup: noDns })).ok).toBe(true);
    expect(await reasonFor(path(MAX_BASE_URL_LENGTH + 1))).toBe('The base URL is longer than 2048 characters.');
  });

  test('a user name or password is refused as such, even on a public address', async () => {
    for (const raw of [`https://user@${PUBLIC_IP}/v1`, `https://user:pw@${PUBLIC_IP}/v1`, `https://:pw@${PUBLIC_IP}/v1`]) {
      expect(await reasonFor(raw)).toBe('The base URL must not contain a user name or password; the API key is sent separately.');
    }
  });

  test('a query string or fragment is refused as such, even on a public address and even when empty', async () => {
    for (const raw of [`https://${PUBLIC_IP}/v1?x=1`, `https://${PUBLIC_IP}/v1?`, `https://${PUBLIC_IP}/v1#`, `https://${PUBLIC_IP}/v1#top`]) {
      expect(await reasonFor(raw)).toBe('The base URL must not contain a query string or fragment.');
    }
  });
});
