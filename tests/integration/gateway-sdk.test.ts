/**
 * Issue 14, "Must show" 1: the official `openai` and `@anthropic-ai/sdk` packages, unmodified, against
 * the signing gateway and a local fake of each API over real HTTP. A plain and a streamed
 * completion/message, with a user's own token and with an internal client's token plus X-Byok-User:
 * the upstream sees the user's stored key (and never the caller's token), the SDK returns what the
 * upstream sent, and the answer says which key served it.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { FakeLlm, RecordedLlmRequest } from '../support/fake-llm.js';
import { type Caller, type Gateway, gatewayPerTest } from '../support/gateway.js';
import { internalToken, keyedUser, type KeyedUser } from '../support/resolve.js';

let fake: FakeLlm;
let gateway: Gateway;

gatewayPerTest((started) => ({ fake, gateway } = started));

const CALLERS: Array<[string, (user: KeyedUser) => Promise<Caller>]> = [
  ['the user token', async (user) => ({ token: user.token })],
  ['an internal token + X-Byok-User', async (user) => ({ token: await internalToken(), user: user.id })],
];

/** The one request the fake got, signed with `secret` as the API expects, carrying nothing of the caller. */
function expectSignedOnly(seen: RecordedLlmRequest | undefined, caller: Caller, signing: Record<string, string>): asserts seen is RecordedLlmRequest {
  expect(seen).toBeDefined();
  expect(seen?.headers).toMatchObject(signing);
  for (const name of ['authorization', 'x-api-key'].filter((n) => !(n in signing))) expect(seen?.headers[name]).toBeUndefined();
  expect(Object.keys(seen?.headers ?? {}).filter((name) => name.startsWith('x-byok-'))).toEqual([]);
  expect(JSON.stringify(seen?.headers) + (seen?.path ?? '')).not.toContain(caller.token);
}

describe('the fake upstream on its own (so a failure below is the gateway, not the fake)', () => {
  test('both SDKs, pointed straight at it, parse its plain and streamed answers and their usage', async () => {
    const openai = new OpenAI({ baseURL: fake.openaiBaseUrl, apiKey: 'sk-direct', maxRetries: 0 });
    const completion = await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect([completion.choices[0]?.message.content, completion.usage?.total_tokens]).toEqual([fake.requests[0]?.replyText, 18]);
    let text = '';
    let usage: unknown;
    for await (const chunk of await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } })) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect([text, usage]).toEqual([fake.requests[1]?.replyText, expect.objectContaining({ total_tokens: 18 })]);

    const anthropic = new Anthropic({ baseURL: fake.anthropicBaseUrl, apiKey: 'sk-ant-direct', maxRetries: 0 });
    const message = await anthropic.messages.create({ model: 'm', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] });
    expect(message.content).toEqual([{ type: 'text', text: fake.requests[2]?.replyText }]);
    const streamed = await anthropic.messages.stream({ model: 'm', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect([streamed.content, streamed.usage.output_tokens]).toEqual([[expect.objectContaining({ text: fake.requests[3]?.replyText })], 7]);
    expect(fake.requests.map((r) => r.key)).toEqual(['sk-direct', 'sk-direct', 'sk-ant-direct', 'sk-ant-direct']);

    // A scripted answer, then the normal one again.
    fake.answer('sk-direct', { status: 429, headers: { 'retry-after': '2' } }, 1);
    await expect(openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 429 });
    await expect(openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })).resolves.toMatchObject({ choices: expect.any(Array) });
  });
});

describe.each(CALLERS)('the openai SDK through the gateway, with %s', (_name, callerFor) => {
  test('a plain and a streamed chat completion are signed with the user key and return what the upstream sent', async () => {
    const user = await keyedUser(gateway.service.app);
    const key = await user.addKey('openai');
    const caller = await callerFor(user);
    const client = gateway.openai(caller);

    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'plain hello' }] })
      .withResponse();
    const plain = fake.requests[0];
    expectSignedOnly(plain, caller, { authorization: `Bearer ${key.secret}` });
    expect([plain.method, plain.path, plain.key]).toEqual(['POST', '/v1/chat/completions', key.secret]);
    expect(JSON.parse(plain.body)).toMatchObject({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'plain hello' }] });
    expect(data.choices[0]?.message.content).toBe(plain.replyText);
    expect(data.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
    expect([response.headers.get('x-byok-source'), response.headers.get('x-byok-key-id'), response.headers.get('x-byok-attempts')]).toEqual(['user', key.id, '1']);

    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'streamed hello' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    const streamed = fake.requests[1];
    expectSignedOnly(streamed, caller, { authorization: `Bearer ${key.secret}` });
    expect(streamed.streamed).toBe(true);
    expect(text).toBe(streamed.replyText);
    expect(usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 7 });
    expect(fake.requests).toHaveLength(2);
  });
});

describe.each(CALLERS)('the anthropic SDK through the gateway, with %s', (_name, callerFor) => {
  test('a plain and a streamed message are signed with the user key and return what the upstream sent', async () => {
    const user = await keyedUser(gateway.service.app);
    const key = await user.addKey('anthropic');
    const caller = await callerFor(user);
    const client = gateway.anthropic(caller);

    const { data, response } = await client.messages
      .create({ model: 'claude-sonnet-5-5', max_tokens: 64, messages: [{ role: 'user', content: 'plain hello' }] })
      .withResponse();
    const plain = fake.requests[0];
    expectSignedOnly(plain, caller, { 'x-api-key': key.secret });
    expect([plain.method, plain.path, plain.key]).toEqual(['POST', '/v1/messages', key.secret]);
    // The SDK's own headers pass through: the API needs them.
    expect(plain.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(JSON.parse(plain.body)).toMatchObject({ model: 'claude-sonnet-5-5', max_tokens: 64, messages: [{ role: 'user', content: 'plain hello' }] });
    expect(data.content).toEqual([{ type: 'text', text: plain.replyText }]);
    expect(data.usage).toMatchObject({ input_tokens: 11, output_tokens: 7 });
    expect([response.headers.get('x-byok-source'), response.headers.get('x-byok-key-id'), response.headers.get('x-byok-attempts')]).toEqual(['user', key.id, '1']);

    const stream = client.messages.stream({ model: 'claude-sonnet-5-5', max_tokens: 64, messages: [{ role: 'user', content: 'streamed hello' }] });
    const deltas: string[] = [];
    stream.on('text', (delta) => deltas.push(delta));
    const message = await stream.finalMessage();
    const streamed = fake.requests[1];
    expectSignedOnly(streamed, caller, { 'x-api-key': key.secret });
    expect(streamed.streamed).toBe(true);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(streamed.replyText);
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: streamed.replyText })]);
    expect([message.stop_reason, message.usage.input_tokens, message.usage.output_tokens]).toEqual(['end_turn', 11, 7]);
    expect(fake.requests).toHaveLength(2);
  });
});
