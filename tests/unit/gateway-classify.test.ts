/**
 * src/gateway/classify.ts: an upstream answer → the report outcome for the key and whether to fail over.
 */
import { classifyUpstreamAnswer, MAX_COOLDOWN_SECONDS, retryAfterSecondsOf } from '../../src/gateway/classify.js';

const NOW = Date.parse('2026-01-02T03:04:05.000Z');
const answer = (status: number, headers: Record<string, string> = {}, bodyPrefix?: string) =>
  ({ kind: 'response', status, headers, bodyPrefix }) as const;

describe('classification of the status', () => {
  test.each([
    [200, 'ok', false],
    [201, 'ok', false],
    [429, 'rate_limited', true],
    [401, 'unauthorized', true],
    [403, 'unauthorized', true],
    [402, 'quota_exceeded', true],
  ] as const)('%i → %s, failover %s', (status, outcome, failover) => {
    expect(classifyUpstreamAnswer(answer(status), NOW)).toEqual({ outcome, failover });
  });

  test('the caller own mistakes (400, 404, 413, 422) leave the key alone and are not retried on another key', () => {
    for (const status of [400, 404, 413, 422]) expect(classifyUpstreamAnswer(answer(status), NOW)).toEqual({ outcome: 'ok', failover: false });
  });

  test('a provider 5xx changes nothing for the key and is not retried (the request may have had effects)', () => {
    for (const status of [500, 502, 503, 529]) expect(classifyUpstreamAnswer(answer(status), NOW)).toEqual({ outcome: 'error', failover: false });
  });

  test('a connection failure fails over without judging the key', () => {
    expect(classifyUpstreamAnswer({ kind: 'connection-failure' }, NOW)).toEqual({ outcome: 'error', failover: true });
  });
});

describe('cooldown from the upstream', () => {
  test('Retry-After in seconds', () => {
    expect(classifyUpstreamAnswer(answer(429, { 'retry-after': '2' }), NOW)).toEqual({ outcome: 'rate_limited', retryAfterSeconds: 2, failover: true });
  });

  test('Retry-After as an HTTP date, relative to now', () => {
    const at = new Date(NOW + 30_000).toUTCString();
    expect(retryAfterSecondsOf({ 'retry-after': at }, NOW)).toBe(30);
  });

  test('retry-after-ms wins over Retry-After and rounds up to whole seconds', () => {
    expect(retryAfterSecondsOf({ 'retry-after-ms': '1500', 'retry-after': '60' }, NOW)).toBe(2);
  });

  test('a date in the past or zero is the 1 s minimum', () => {
    expect(retryAfterSecondsOf({ 'retry-after': new Date(NOW - 60_000).toUTCString() }, NOW)).toBe(1);
    expect(retryAfterSecondsOf({ 'retry-after': '0' }, NOW)).toBe(1);
  });

  test('an upstream cannot bench a key for longer than the cap', () => {
    expect(retryAfterSecondsOf({ 'retry-after': '999999999' }, NOW)).toBe(MAX_COOLDOWN_SECONDS);
  });

  test('an unreadable value means no figure (the resolver default applies)', () => {
    for (const value of ['soon', '-5', '1.5', '']) expect(retryAfterSecondsOf({ 'retry-after': value }, NOW)).toBeUndefined();
    expect(classifyUpstreamAnswer(answer(429), NOW)).not.toHaveProperty('retryAfterSeconds');
  });

  test('Retry-After on a non-429 answer sets no cooldown', () => {
    expect(classifyUpstreamAnswer(answer(503, { 'retry-after': '5' }), NOW)).toEqual({ outcome: 'error', failover: false });
  });
});

describe('body markers that correct the status', () => {
  const quotaBody = '{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}';

  test('OpenAI 429 insufficient_quota is an empty account, not a rate limit', () => {
    expect(classifyUpstreamAnswer(answer(429, { 'retry-after': '1' }, quotaBody), NOW)).toEqual({ outcome: 'quota_exceeded', failover: true });
  });

  test('a plain 429 body stays a rate limit', () => {
    const body = '{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}';
    expect(classifyUpstreamAnswer(answer(429, {}, body), NOW).outcome).toBe('rate_limited');
  });

  test('Google 400 API_KEY_INVALID is a bad key and fails over', () => {
    const body = '{"error":{"code":400,"status":"INVALID_ARGUMENT","details":[{"reason":"API_KEY_INVALID"}]}}';
    expect(classifyUpstreamAnswer(answer(400, {}, body), NOW)).toEqual({ outcome: 'unauthorized', failover: true });
  });

  test('a marker counts only on its own status', () => {
    expect(classifyUpstreamAnswer(answer(400, {}, quotaBody), NOW).outcome).toBe('ok');
  });
});
