/**
 * src/gateway/sse.ts: events come out the same however the bytes were cut, and memory stays bounded.
 */
import { createSseParser, type SseEvent } from '../../src/gateway/sse.js';
import { ANTHROPIC_STREAM, GOOGLE_STREAM, OPENAI_CHAT_STREAM, TEXT_PIECES } from '../support/provider-streams.js';

function parseChunks(chunks: readonly Uint8Array[], options: { maxLineLength?: number; maxEventLength?: number } = {}) {
  const events: SseEvent[] = [];
  const parser = createSseParser({ onEvent: (event) => events.push(event), ...options });
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return { events, dropped: parser.dropped };
}

const bytesOf = (text: string) => new TextEncoder().encode(text);
const cutAt = (bytes: Uint8Array, ...offsets: number[]) =>
  [0, ...offsets, bytes.length].slice(1).map((end, index, ends) => bytes.subarray(index === 0 ? 0 : ends[index - 1], end));

describe.each([
  ['openai', OPENAI_CHAT_STREAM, 8],
  ['anthropic', ANTHROPIC_STREAM, 10],
  ['google (CRLF)', GOOGLE_STREAM, 5],
])('%s stream', (_name, stream, count) => {
  const bytes = bytesOf(stream);
  const whole = parseChunks([bytes]).events;

  test('every event is parsed', () => {
    expect(whole).toHaveLength(count);
    for (const piece of TEXT_PIECES) expect(whole.some((event) => event.data.includes(JSON.stringify(piece).slice(1, -1)))).toBe(true);
  });

  test('cut in two at every byte, the events are the same', () => {
    for (let offset = 1; offset < bytes.length; offset += 1) expect(parseChunks(cutAt(bytes, offset)).events).toEqual(whole);
  });

  test('fed one byte at a time, the events are the same', () => {
    expect(parseChunks(Array.from(bytes, (_, index) => bytes.subarray(index, index + 1))).events).toEqual(whole);
  });

  test('a character split across chunks arrives whole (2-, 3- and 4-byte UTF-8)', () => {
    for (const character of ['ü', '日', '🎉']) {
      const at = Buffer.from(stream).indexOf(Buffer.from(character)) + 1;
      const { events } = parseChunks(cutAt(bytes, at, at + 1));
      expect(events.some((event) => event.data.includes(character))).toBe(true);
      expect(events.some((event) => event.data.includes('\uFFFD'))).toBe(false);
    }
  });
});

describe('bounded memory', () => {
  const after = 'event: message_delta\ndata: {"usage":{"output_tokens":15}}\n\n';

  test('a line longer than the limit, arriving in pieces, is dropped and parsing resumes after it', () => {
    const huge = 'data: ' + 'x'.repeat(200_000);
    const chunks = [bytesOf('event: a\n'), ...Array.from({ length: 200 }, (_, index) => bytesOf(huge.slice(index * 1000, (index + 1) * 1000))), bytesOf(huge.slice(200_000) + '\n\n' + after)];
    const { events, dropped } = parseChunks(chunks, { maxLineLength: 4096 });
    expect(dropped).toBe(1);
    expect(events).toEqual([{ event: 'message_delta', data: '{"usage":{"output_tokens":15}}' }]);
  });

  test('an oversized line whose end arrives in the same chunk that overflows it is dropped too', () => {
    const { events, dropped } = parseChunks([bytesOf('data: ' + 'x'.repeat(3000)), bytesOf('x'.repeat(3000) + '\n\n' + after)], { maxLineLength: 4096 });
    expect(dropped).toBe(1);
    expect(events).toEqual([{ event: 'message_delta', data: '{"usage":{"output_tokens":15}}' }]);
  });

  test('lines under the limit are kept whole', () => {
    const line = 'data: ' + 'y'.repeat(4000) + '\n\n';
    const { events, dropped } = parseChunks([bytesOf(line.slice(0, 2000)), bytesOf(line.slice(2000))], { maxLineLength: 4096 });
    expect(dropped).toBe(0);
    expect(events).toEqual([{ data: 'y'.repeat(4000) }]);
  });

  test('an event of many short lines beyond the event limit is dropped, later events still come', () => {
    const many = 'data: zzzzzzzzzz\n'.repeat(1000);
    const { events, dropped } = parseChunks([bytesOf(many), bytesOf('\n' + after)], { maxEventLength: 5000 });
    expect(dropped).toBe(1);
    expect(events.at(-1)).toEqual({ event: 'message_delta', data: '{"usage":{"output_tokens":15}}' });
    expect(events.every((event) => event.data.length <= 5000)).toBe(true);
  });

  test('a last event without its blank line is discarded at the end, as the spec says', () => {
    expect(parseChunks([bytesOf('data: a\n\ndata: b\n')]).events).toEqual([{ data: 'a' }]);
  });
});
