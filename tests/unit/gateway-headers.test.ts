/**
 * src/gateway/headers.ts: what may cross the gateway in each direction. Each test pins one drop rule;
 * removing the rule makes its test fail.
 */
import { callerResponseHeaders, upstreamRequestHeaders, upstreamSearchParams } from '../../src/gateway/headers.js';

const callerRequest = {
  host: 'vault.internal:8080',
  authorization: 'Bearer caller-token',
  'x-api-key': 'caller-token',
  'x-goog-api-key': 'caller-token',
  cookie: 'byok_session=abc',
  connection: 'keep-alive, X-Trace-Hop',
  'x-trace-hop': 'only-for-this-hop',
  'keep-alive': 'timeout=5',
  'proxy-authorization': 'Basic cHJveHk=',
  te: 'trailers',
  'transfer-encoding': 'chunked',
  upgrade: 'h2c',
  expect: '100-continue',
  'content-length': '42',
  'content-type': 'application/json',
  accept: 'text/event-stream',
  'anthropic-version': '2023-06-01',
  'openai-beta': 'assistants=v2',
  'x-byok-user': 'user-1',
  'X-Byok-Group': 'team-a',
  'x-forwarded-for': '10.0.0.7',
  forwarded: 'for=10.0.0.7',
  'x-real-ip': '10.0.0.7',
  'user-agent': 'OpenAI/JS 5.0.0',
  'x-stainless-retry-count': '0',
};

describe('request hygiene', () => {
  const out = upstreamRequestHeaders(callerRequest);

  test('no credential header of any provider reaches the upstream', () => {
    for (const name of ['authorization', 'x-api-key', 'x-goog-api-key']) expect(out).not.toHaveProperty(name);
    expect(JSON.stringify(out)).not.toContain('caller-token');
  });

  test('hop-by-hop headers are dropped, including those the Connection header names', () => {
    for (const name of ['connection', 'keep-alive', 'proxy-authorization', 'te', 'transfer-encoding', 'upgrade', 'x-trace-hop']) {
      expect(out).not.toHaveProperty(name);
    }
  });

  test('cookies, host and expect are dropped', () => {
    for (const name of ['cookie', 'host', 'expect']) expect(out).not.toHaveProperty(name);
  });

  test('x-byok-* routing hints are dropped whatever their case', () => {
    expect(Object.keys(out).filter((name) => name.startsWith('x-byok-'))).toEqual([]);
  });

  test('the caller network identity is dropped', () => {
    for (const name of ['x-forwarded-for', 'forwarded', 'x-real-ip']) expect(out).not.toHaveProperty(name);
  });

  test('content-length is dropped when the body is re-sent, kept otherwise', () => {
    expect(out).not.toHaveProperty('content-length');
    expect(upstreamRequestHeaders(callerRequest, { bodyResent: false })['content-length']).toBe('42');
  });

  test('the API headers the SDKs send pass through unchanged', () => {
    expect(out).toEqual({
      'content-type': 'application/json',
      accept: 'text/event-stream',
      'anthropic-version': '2023-06-01',
      'openai-beta': 'assistants=v2',
      'user-agent': 'OpenAI/JS 5.0.0',
      'x-stainless-retry-count': '0',
    });
  });

  test('a header named in a repeated Connection header is dropped too', () => {
    expect(upstreamRequestHeaders({ connection: ['close', 'x-a'], 'x-a': '1', 'x-b': '2' })).toEqual({ 'x-b': '2' });
  });
});

describe('response hygiene', () => {
  const upstream = {
    'content-type': 'text/event-stream',
    'set-cookie': ['__cf_bm=abc; path=/', 'other=1'],
    connection: 'keep-alive',
    'keep-alive': 'timeout=5',
    'transfer-encoding': 'chunked',
    'x-request-id': 'req_123',
    'retry-after': '2',
    'openai-processing-ms': '120',
    'x-ratelimit-remaining-requests': '99',
    'content-length': undefined,
  };
  const out = callerResponseHeaders(upstream);

  test('the provider cannot set cookies on our origin', () => {
    expect(out).not.toHaveProperty('set-cookie');
  });

  test('hop-by-hop headers are dropped', () => {
    for (const name of ['connection', 'keep-alive', 'transfer-encoding']) expect(out).not.toHaveProperty(name);
  });

  test('everything else passes through', () => {
    expect(out).toEqual({
      'content-type': 'text/event-stream',
      'x-request-id': 'req_123',
      'retry-after': '2',
      'openai-processing-ms': '120',
      'x-ratelimit-remaining-requests': '99',
    });
  });
});

describe('query hygiene', () => {
  test('a key parameter never reaches any upstream; the rest keeps its order', () => {
    const params = new URLSearchParams('alt=sse&key=caller-token&api-version=2&key=again');
    expect(upstreamSearchParams(params).toString()).toBe('alt=sse&api-version=2');
  });
});
