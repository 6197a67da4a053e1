/**
 * Readiness's view of the UI client's audience mapper, judged from the tokens the service is shown
 * (src/keycloak/audience-watch.ts): only the UI client's correctly signed tokens count, an old token
 * does not outweigh a newer one that carries the audience, and the state clears by itself.
 */
import { createAudienceWatch } from '../../src/keycloak/audience-watch.js';

function watch() {
  let now = 1_000_000;
  const audience = createAudienceWatch({ clientId: 'ops-center', audience: 'byok-service', now: () => now, holdSeconds: 60 });
  return { audience, advance: (seconds: number) => (now += seconds * 1000) };
}

describe('audience watch', () => {
  test('nothing seen: ready', () => {
    expect(watch().audience.check()).toMatchObject({ name: 'token_audience', ok: true });
  });

  test('a UI token without the audience makes it fail, naming the client and the fix', () => {
    const { audience } = watch();
    audience.missing('ops-center', 100);
    const check = audience.check();
    expect(check.ok).toBe(false);
    expect(check.detail).toContain('tokens of client ops-center do not carry the audience byok-service');
    expect(check.detail).toContain('run `byok bootstrap-realm`');
  });

  test("another client's token without the audience changes nothing (that refusal is the point, not a misconfiguration)", () => {
    const { audience } = watch();
    audience.missing('some-other-app', 100);
    audience.missing(undefined, 100);
    expect(audience.check().ok).toBe(true);
  });

  test('a newer UI token with the audience clears it; an older one without it does not bring it back', () => {
    const { audience } = watch();
    audience.missing('ops-center', 100);
    audience.accepted('ops-center', 101);
    expect(audience.check().ok).toBe(true);
    audience.missing('ops-center', 99); // issued before the mapper was added, replayed later
    expect(audience.check().ok).toBe(true);
    audience.missing('ops-center', 102);
    expect(audience.check().ok).toBe(false);
  });

  test('clears by itself after the hold time (an unready instance sees no new tokens)', () => {
    const { audience, advance } = watch();
    audience.missing('ops-center', 100);
    advance(59);
    expect(audience.check().ok).toBe(false);
    advance(2);
    expect(audience.check().ok).toBe(true);
  });
});
