/**
 * An incremental Server-Sent Events parser for the gateway's usage meters: bytes in as they pass
 * through to the caller, events out. The parsing itself is `eventsource-parser` (well kept, no
 * dependencies, spec-conformant on the corners that are easy to get wrong: `\r`, `\r\n` and `\n`
 * line ends split across chunks, comments, multi-line `data`, BOM). What this wrapper adds is the
 * gateway's invariant: **memory is bounded whatever the upstream sends**. A line that grows beyond
 * `maxLineLength` without a line end is dropped (with the event it belongs to), not buffered until
 * the stream ends; the library's own `maxBufferSize` bounds an event of many lines. A meter may then
 * miss a figure; the caller's stream is untouched either way (this parser only observes it).
 *
 * UTF-8 is decoded with a streaming TextDecoder, so a character split across two chunks arrives whole.
 */
import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser';

export interface SseEvent {
  /** The `event:` field, undefined when absent (the browser's default `message` is not filled in). */
  readonly event?: string | undefined;
  readonly data: string;
}

export interface SseParserOptions {
  onEvent: (event: SseEvent) => void;
  /** Longest line kept, in UTF-16 units (default 256 Ki). Usage chunks are well under 1 Ki. */
  maxLineLength?: number;
  /** Most buffered text of one event, over all its lines (default 1 Mi). */
  maxEventLength?: number;
}

export interface SseParser {
  /** Feed the next bytes of the body, exactly as received. */
  push(bytes: Uint8Array): void;
  /** The body ended (a last event without its blank line is discarded, as the spec says). */
  end(): void;
  /** Lines or events dropped for size so far (for a metric or a debug log; never their content). */
  readonly dropped: number;
}

const LINE_END = /[\r\n]/;

function lastLineEnd(text: string): number {
  return Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
}

export function createSseParser(options: SseParserOptions): SseParser {
  const maxLineLength = options.maxLineLength ?? 256 * 1024;
  const decoder = new TextDecoder('utf-8');
  let overflowed = false;
  const parser: EventSourceParser = createParser({
    onEvent: (message: EventSourceMessage) => options.onEvent({ event: message.event, data: message.data }),
    maxBufferSize: options.maxEventLength ?? 1024 * 1024,
    onError: (error) => {
      if (error.type === 'max-buffer-size-exceeded') overflowed = true;
    },
  });
  /** Length of the line the parser holds unterminated. */
  let openLine = 0;
  /** Dropping input until the current (oversized) line ends. */
  let skipping = false;
  let dropped = 0;

  function drop(): void {
    parser.reset();
    dropped += 1;
    openLine = 0;
  }

  function feed(text: string): void {
    parser.feed(text);
    if (overflowed) {
      // The library stopped mid-chunk and threw the event away; resume at the next line.
      overflowed = false;
      drop();
      skipping = true;
    }
  }

  function feedText(input: string): void {
    let text = input;
    if (skipping) {
      const end = text.search(LINE_END);
      if (end < 0) return;
      skipping = false;
      text = text.slice(end);
    }
    const last = lastLineEnd(text);
    if (last < 0) {
      if (openLine + text.length > maxLineLength) {
        drop();
        skipping = true;
        return;
      }
      openLine += text.length;
      feed(text);
      return;
    }
    const first = text.search(LINE_END);
    if (openLine + first > maxLineLength) {
      // The held line ends in this chunk but is already too long: drop it and its event.
      drop();
      text = text.slice(first);
    }
    feed(text);
    if (skipping) return;
    openLine = text.length - (lastLineEnd(text) + 1);
    if (openLine > maxLineLength) {
      drop();
      skipping = true;
    }
  }

  return {
    push: (bytes) => feedText(decoder.decode(bytes, { stream: true })),
    end: () => {
      feedText(decoder.decode());
      parser.reset();
    },
    get dropped() {
      return dropped;
    },
  };
}
