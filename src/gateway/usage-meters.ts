/**
 * Token usage read from responses as they pass through the gateway (issue 14's usage figures), one
 * meter per provider family, chosen by the registry's `usageFormat` (data, not a branch per provider).
 *
 * Meters are pure: `fromJson` reads a parsed JSON body, `fromEvent` folds one parsed SSE event
 * (sse.ts) into the usage seen so far. They never throw and never alter the stream: a body they do
 * not understand yields `undefined` (the request still counts, its tokens are unknown), because a
 * meter must not be able to break or delay a caller's response. They read only counts, never content.
 *
 * Cost on the hot path: an event is JSON-parsed only when its text mentions the usage field, so a
 * stream of thousands of content deltas costs one `includes` each.
 *
 * What counts as input and output, per family (as each provider bills):
 * - openai: `prompt_tokens`/`completion_tokens` (Chat Completions; `completion_tokens` already holds
 *   reasoning tokens) or `input_tokens`/`output_tokens` (Responses API, `response.completed` event).
 *   Streamed usage only exists when the caller asked with `stream_options.include_usage`.
 * - anthropic: `input_tokens` plus `cache_creation_input_tokens` and `cache_read_input_tokens` (which
 *   Anthropic counts apart); `message_delta` carries the cumulative `output_tokens`.
 * - google: `promptTokenCount`; output is `candidatesTokenCount` plus `thoughtsTokenCount`. Every
 *   streamed chunk repeats the running totals, so the last one wins.
 */
import type { UsageFormat } from '../providers/registry.js';
import type { SseEvent } from './sse.js';

export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface UsageMeter {
  fromJson(body: unknown): TokenUsage | undefined;
  fromEvent(soFar: TokenUsage | undefined, event: SseEvent): TokenUsage | undefined;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A count as providers send it: a non-negative integer. Anything else is not a count. */
function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

function sum(object: Json, fields: readonly string[]): number | undefined {
  let total: number | undefined;
  for (const field of fields) {
    const value = count(object[field]);
    if (value !== undefined) total = (total ?? 0) + value;
  }
  return total;
}

/** Parses event data that may hold usage; undefined for anything else (cheap test first). */
function parseIfMentions(data: string, field: string): Json | undefined {
  if (!data.includes(field)) return undefined;
  try {
    const parsed: unknown = JSON.parse(data);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    // Not JSON (a `[DONE]` sentinel, a truncated event): no figure, and the stream goes on.
    return undefined;
  }
}

function usageOf(input: number | undefined, output: number | undefined): TokenUsage | undefined {
  return input === undefined && output === undefined ? undefined : { inputTokens: input ?? 0, outputTokens: output ?? 0 };
}

// --- OpenAI-compatible ------------------------------------------------------------------------

function openAiUsage(usage: unknown): TokenUsage | undefined {
  if (!isObject(usage)) return undefined;
  return usageOf(count(usage['prompt_tokens']) ?? count(usage['input_tokens']), count(usage['completion_tokens']) ?? count(usage['output_tokens']));
}

const openAiMeter: UsageMeter = {
  fromJson: (body) => (isObject(body) ? openAiUsage(body['usage']) : undefined),
  fromEvent(soFar, event) {
    // With include_usage every chunk carries `"usage":null`; only the last one has figures.
    if (event.data.includes('"usage":null')) return soFar;
    const chunk = parseIfMentions(event.data, '"usage"');
    if (chunk === undefined) return soFar;
    // Chat Completions: the last chunk; Responses API: `response.completed` nests it in `response`.
    const nested = isObject(chunk['response']) ? chunk['response']['usage'] : undefined;
    return openAiUsage(chunk['usage']) ?? openAiUsage(nested) ?? soFar;
  },
};

// --- Anthropic --------------------------------------------------------------------------------

const ANTHROPIC_INPUT = ['input_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const;

function anthropicUsage(usage: unknown, soFar?: TokenUsage): TokenUsage | undefined {
  if (!isObject(usage)) return soFar;
  const input = sum(usage, ANTHROPIC_INPUT) ?? soFar?.inputTokens;
  const output = count(usage['output_tokens']) ?? soFar?.outputTokens;
  return usageOf(input, output);
}

const anthropicMeter: UsageMeter = {
  fromJson: (body) => (isObject(body) ? anthropicUsage(body['usage']) : undefined),
  fromEvent(soFar, event) {
    const data = parseIfMentions(event.data, '"usage"');
    if (data === undefined) return soFar;
    const type = event.event ?? data['type'];
    if (type === 'message_start') return anthropicUsage(isObject(data['message']) ? data['message']['usage'] : undefined, soFar);
    // Cumulative counts: they replace what message_start said (input only if present).
    if (type === 'message_delta') return anthropicUsage(data['usage'], soFar);
    return soFar;
  },
};

// --- Google -----------------------------------------------------------------------------------

function googleUsage(metadata: unknown): TokenUsage | undefined {
  if (!isObject(metadata)) return undefined;
  return usageOf(count(metadata['promptTokenCount']), sum(metadata, ['candidatesTokenCount', 'thoughtsTokenCount']));
}

const googleMeter: UsageMeter = {
  fromJson(body) {
    // `streamGenerateContent` without `alt=sse` answers a JSON array of chunks: the last figure wins.
    const chunks = Array.isArray(body) ? body : [body];
    let usage: TokenUsage | undefined;
    for (const chunk of chunks) if (isObject(chunk)) usage = googleUsage(chunk['usageMetadata']) ?? usage;
    return usage;
  },
  fromEvent(soFar, event) {
    const chunk = parseIfMentions(event.data, '"usageMetadata"');
    return chunk === undefined ? soFar : (googleUsage(chunk['usageMetadata']) ?? soFar);
  },
};

const noMeter: UsageMeter = { fromJson: () => undefined, fromEvent: (soFar) => soFar };

/** The meter of each usage format the registry names. */
export const USAGE_METERS: Readonly<Record<UsageFormat, UsageMeter>> = Object.freeze({
  openai: openAiMeter,
  anthropic: anthropicMeter,
  google: googleMeter,
  none: noMeter,
});
