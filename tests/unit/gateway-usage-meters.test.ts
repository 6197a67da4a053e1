/**
 * src/gateway/usage-meters.ts: each provider family's meter on recorded-shape streams and bodies.
 */
import { createSseParser } from '../../src/gateway/sse.js';
import { USAGE_METERS, type TokenUsage, type UsageMeter } from '../../src/gateway/usage-meters.js';
import { createProviderRegistry, PROVIDER_IDS } from '../../src/providers/registry.js';
import { ANTHROPIC_STREAM, GOOGLE_STREAM, OPENAI_CHAT_STREAM, OPENAI_RESPONSES_STREAM } from '../support/provider-streams.js';

/** Meter a stream pushed in chunks of `size` bytes (7 cuts inside multi-byte characters and JSON alike). */
function meterStream(meter: UsageMeter, stream: string, size: number): TokenUsage | undefined {
  let usage: TokenUsage | undefined;
  const parser = createSseParser({ onEvent: (event) => (usage = meter.fromEvent(usage, event)) });
  const bytes = new TextEncoder().encode(stream);
  for (let offset = 0; offset < bytes.length; offset += size) parser.push(bytes.subarray(offset, offset + size));
  parser.end();
  return usage;
}

describe.each([
  ['openai chat (include_usage)', 'openai', OPENAI_CHAT_STREAM, { inputTokens: 19, outputTokens: 10 }],
  ['openai responses', 'openai', OPENAI_RESPONSES_STREAM, { inputTokens: 12, outputTokens: 7 }],
  // input 25 + cache creation 100 + cache read 3; output from message_delta, not message_start's 1.
  ['anthropic', 'anthropic', ANTHROPIC_STREAM, { inputTokens: 128, outputTokens: 15 }],
  // The last chunk's running totals: candidates 12 + thoughts 3.
  ['google', 'google', GOOGLE_STREAM, { inputTokens: 8, outputTokens: 15 }],
] as const)('%s stream', (_name, format, stream, expected) => {
  test.each([1, 7, 64, 100_000])('usage is read whatever the chunk size (%i bytes)', (size) => {
    expect(meterStream(USAGE_METERS[format], stream, size)).toEqual(expected);
  });
});

test('an OpenAI stream without include_usage has no figure', () => {
  const withoutUsage = OPENAI_CHAT_STREAM.split('\n\n').filter((event) => !event.includes('"usage":{')).join('\n\n');
  expect(meterStream(USAGE_METERS.openai, withoutUsage, 13)).toBeUndefined();
});

describe('JSON bodies', () => {
  test('openai chat completion', () => {
    const body = { id: 'chatcmpl-1', object: 'chat.completion', choices: [], usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 } };
    expect(USAGE_METERS.openai.fromJson(body)).toEqual({ inputTokens: 5, outputTokens: 7 });
  });

  test('openai responses and embeddings (input only)', () => {
    expect(USAGE_METERS.openai.fromJson({ object: 'response', usage: { input_tokens: 3, output_tokens: 4 } })).toEqual({ inputTokens: 3, outputTokens: 4 });
    expect(USAGE_METERS.openai.fromJson({ object: 'list', usage: { prompt_tokens: 8, total_tokens: 8 } })).toEqual({ inputTokens: 8, outputTokens: 0 });
  });

  test('anthropic message', () => {
    const body = { type: 'message', usage: { input_tokens: 10, cache_read_input_tokens: 2, output_tokens: 20 } };
    expect(USAGE_METERS.anthropic.fromJson(body)).toEqual({ inputTokens: 12, outputTokens: 20 });
  });

  test('google generateContent, and the JSON array of streamGenerateContent without alt=sse', () => {
    const chunk = (candidates: number) => ({ candidates: [], usageMetadata: { promptTokenCount: 4, candidatesTokenCount: candidates, totalTokenCount: 4 + candidates } });
    expect(USAGE_METERS.google.fromJson(chunk(6))).toEqual({ inputTokens: 4, outputTokens: 6 });
    expect(USAGE_METERS.google.fromJson([chunk(1), chunk(2), { candidates: [] }, chunk(9)])).toEqual({ inputTokens: 4, outputTokens: 9 });
  });
});

describe('a meter never breaks the stream', () => {
  test.each(Object.keys(USAGE_METERS) as (keyof typeof USAGE_METERS)[])('%s: garbage gives no figure and no exception', (format) => {
    const meter = USAGE_METERS[format];
    for (const body of [null, 'text', 42, [], { usage: 'many' }, { usage: { prompt_tokens: -1, input_tokens: 1.5 } }, { usageMetadata: { promptTokenCount: '8' } }]) {
      expect(meter.fromJson(body)).toBeUndefined();
    }
    const before = { inputTokens: 1, outputTokens: 2 };
    for (const data of ['[DONE]', '{"usage":', '{"usage":{"output_tokens":"x"}}', '"usage"', '{"type":"message_delta","usage":null}']) {
      expect(meter.fromEvent(before, { data, event: 'message_delta' })).toEqual(before);
    }
  });
});

test('every provider in the registry names a meter', () => {
  const registry = createProviderRegistry();
  for (const id of PROVIDER_IDS) expect(USAGE_METERS[registry.get(id).usageFormat]).toBeDefined();
  expect(registry.get('anthropic').usageFormat).toBe('anthropic');
  expect(registry.get('google').usageFormat).toBe('google');
  expect(registry.get('deepseek').usageFormat).toBe('openai');
});
