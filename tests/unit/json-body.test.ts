/**
 * src/http/middleware/json-body.ts: the hot path's fast reader answers exactly as the full parser
 * (express.json behind `jsonBody`) for every kind of body: the same value, or the same error code.
 * Both run on a real node:http server, fed the same raw requests.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { Request, Response } from 'express';
import { isAppError } from '../../src/errors.js';
import { fastJsonReader, jsonBody } from '../../src/http/middleware/json-body.js';

const LIMIT = 1024;
const BODY_ERRORS: Record<string, string> = {
  'entity.too.large': 'PAYLOAD_TOO_LARGE',
  'entity.parse.failed': 'MALFORMED_JSON',
  'encoding.unsupported': 'UNSUPPORTED_MEDIA_TYPE',
  'charset.unsupported': 'UNSUPPORTED_MEDIA_TYPE',
};

const full = jsonBody({ limitBytes: LIMIT });
const viaFull = (req: IncomingMessage, res: ServerResponse) =>
  new Promise<unknown>((resolve, reject) => full(req as Request, res as Response, (error?: unknown) => (error ? reject(error) : resolve((req as { body?: unknown }).body))));
const fast = fastJsonReader({ limitBytes: LIMIT }, viaFull);

/** What a reader made of the request: the value, or the error code (body-parser's mapped as errors.ts does). */
function outcomeOf(read: (req: IncomingMessage, res: ServerResponse) => Promise<unknown>) {
  return (req: IncomingMessage, res: ServerResponse) => {
    read(req, res).then(
      (value) => res.writeHead(200, { connection: 'close' }).end(JSON.stringify({ value: value === undefined ? '<none>' : value })),
      (error: unknown) => {
        const type = (error as { type?: string }).type;
        const code = isAppError(error) ? error.code : (type !== undefined ? BODY_ERRORS[type] : undefined) ?? `other: ${String(error)}`;
        res.writeHead(200, { connection: 'close' }).end(JSON.stringify({ error: code }));
      },
    );
  };
}

let servers: Server[] = [];
let urls: { fast: string; full: string };

beforeAll(async () => {
  const start = async (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
    const server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  urls = { fast: await start(outcomeOf(fast)), full: await start(outcomeOf(viaFull)) };
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  servers = [];
});

interface Raw {
  headers: Record<string, string>;
  /** Sent as one chunk, or in several (chunked, no Content-Length) when an array. */
  body?: Buffer | string | (Buffer | string)[];
}

function send(url: string, raw: Raw): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: raw.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    });
    req.on('error', reject);
    if (Array.isArray(raw.body)) for (const part of raw.body) req.write(part);
    else if (raw.body !== undefined) req.write(raw.body);
    req.end();
  });
}

const json = (body: string | Buffer, extra: Record<string, string> = {}): Raw => ({
  headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...extra },
  body,
});

const CASES: [string, Raw][] = [
  ['an object', json('{"userId":"u1","model":"gpt-4o"}')],
  ['an array', json('[1,2]')],
  ['leading whitespace', json('  \n {"a":1}')],
  ['a UTF-8 BOM', json(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":"é"}')]))],
  ['non-ASCII text', json('{"label":"clé 🔑"}')],
  ['charset=utf-8', json('{"a":1}', { 'content-type': 'application/json; charset=utf-8' })],
  ['charset=UTF-8 quoted', json('{"a":1}', { 'content-type': 'application/json; charset="UTF-8"' })],
  ['a number (strict: not an object)', json('42')],
  ['a string (strict)', json('"x"')],
  ['null (strict)', json('null')],
  ['broken JSON', json('{"a":')],
  ['trailing garbage', json('{"a":1} x')],
  ['an empty chunked body', { headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: [] }],
  ['only whitespace', json('   ')],
  ['declared over the limit', json('x'.repeat(LIMIT + 1))],
  ['chunked over the limit', { headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: ['{"a":"', 'x'.repeat(LIMIT), '"}'] }],
  ['chunked within the limit', { headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: ['{"a":', '1}'] }],
  ['text/plain', json('{"a":1}', { 'content-type': 'text/plain' })],
  ['no content type', { headers: { 'content-length': '7' }, body: '{"a":1}' }],
  ['no body at all', { headers: { 'content-type': 'application/json' } }],
  ['Content-Length: 0, JSON', { headers: { 'content-type': 'application/json', 'content-length': '0' } }],
  ['Content-Length: 0, no type', { headers: { 'content-length': '0' } }],
  ['Content-Length: 0, text/plain', { headers: { 'content-type': 'text/plain', 'content-length': '0' } }],
  ['charset=latin1 (full parser)', json('{"a":1}', { 'content-type': 'application/json; charset=latin1' })],
  ['gzip (full parser)', json(gzipSync('{"zipped":true}'), { 'content-encoding': 'gzip' })],
  ['an unknown encoding (full parser)', json('{"a":1}', { 'content-encoding': 'br2' })],
];

test.each(CASES)('%s: the fast reader answers as the full parser', async (_name, raw) => {
  const [fromFast, fromFull] = await Promise.all([send(urls.fast, raw), send(urls.full, raw)]);
  expect(fromFast).toEqual(fromFull);
});

test('the cases cover values and every error code the parser gives', async () => {
  const outcomes = await Promise.all(CASES.map(([, raw]) => send(urls.full, raw)));
  const codes = new Set(outcomes.map((outcome) => (outcome as { error?: string }).error).filter(Boolean));
  expect(codes).toEqual(new Set(['MALFORMED_JSON', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE']));
  expect(outcomes.filter((outcome) => 'value' in (outcome as object)).length).toBeGreaterThan(8);
});
