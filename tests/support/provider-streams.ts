/**
 * Recorded-shape streams of each provider family (field for field as the APIs send them, ids shortened),
 * with multi-byte UTF-8 in the content so that chunking can split a character. Used by the gateway's
 * usage meter tests.
 */

/** Text with 2-, 3- and 4-byte UTF-8 characters. */
export const TEXT_PIECES = ['Grüße', ' 日本', ' 🎉', ' done'] as const;

const openAiChunk = (delta: object, finish: string | null) =>
  `data: {"id":"chatcmpl-B9x","object":"chat.completion.chunk","created":1764475000,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_560af6e559","choices":[{"index":0,"delta":${JSON.stringify(delta)},"logprobs":null,"finish_reason":${JSON.stringify(finish)}}],"usage":null}\n\n`;

/** Chat Completions with `stream_options: { include_usage: true }`. */
export const OPENAI_CHAT_STREAM =
  openAiChunk({ role: 'assistant', content: '', refusal: null }, null) +
  TEXT_PIECES.map((text) => openAiChunk({ content: text }, null)).join('') +
  openAiChunk({}, 'stop') +
  'data: {"id":"chatcmpl-B9x","object":"chat.completion.chunk","created":1764475000,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_560af6e559","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}\n\n' +
  'data: [DONE]\n\n';

/** Responses API: usage only in `response.completed`. */
export const OPENAI_RESPONSES_STREAM =
  'event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","status":"in_progress","usage":null}}\n\n' +
  TEXT_PIECES.map(
    (text, index) =>
      `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":${index + 1},"item_id":"msg_1","output_index":0,"content_index":0,"delta":${JSON.stringify(text)}}\n\n`,
  ).join('') +
  'event: response.completed\ndata: {"type":"response.completed","sequence_number":9,"response":{"id":"resp_1","object":"response","status":"completed","usage":{"input_tokens":12,"input_tokens_details":{"cached_tokens":0},"output_tokens":7,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":19}}}\n\n';

export const ANTHROPIC_STREAM =
  'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_01X","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":100,"cache_read_input_tokens":3,"output_tokens":1,"service_tier":"standard"}}}\n\n' +
  'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n' +
  'event: ping\ndata: {"type": "ping"}\n\n' +
  TEXT_PIECES.map(
    (text) => `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${JSON.stringify(text)}}}\n\n`,
  ).join('') +
  'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n' +
  'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}\n\n' +
  'event: message_stop\ndata: {"type":"message_stop"}\n\n';

/** `streamGenerateContent?alt=sse`: CRLF line ends, running totals in every chunk. */
export const GOOGLE_STREAM =
  TEXT_PIECES.map(
    (text, index) =>
      `data: {"candidates": [{"content": {"parts": [{"text": ${JSON.stringify(text)}}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 8,"candidatesTokenCount": ${index + 1},"totalTokenCount": ${9 + index}},"modelVersion": "gemini-2.5-flash","responseId": "abc"}\r\n\r\n`,
  ).join('') +
  'data: {"candidates": [{"content": {"parts": [{"text": ""}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 8,"candidatesTokenCount": 12,"totalTokenCount": 23,"thoughtsTokenCount": 3,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 8}]},"modelVersion": "gemini-2.5-flash","responseId": "abc"}\r\n\r\n';
