/**
 * The service's one JSON body parser (Express routes and the internal hot path alike). A request that
 * carries a body must say it is JSON: a body sent as `text/plain`, a form, or with no Content-Type at
 * all is 415 UNSUPPORTED_MEDIA_TYPE, not silently ignored (the parser would skip it and the endpoint
 * would then see "no body"). Requests without a body pass whatever their headers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type RequestHandler } from 'express';
import { AppError } from '../../errors.js';

/** A body is coming when the request is chunked or declares a non-zero length (RFC 9112 §6.3). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** `application/json`, with any parameters (`; charset=utf-8`); the type the parser reads. */
export function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  if (contentType === 'application/json') return true; // what nearly every caller sends: no splitting
  return (contentType.split(';', 1)[0] ?? '').trim().toLowerCase() === 'application/json';
}

export function jsonBody(options: { limitBytes: number }): RequestHandler {
  const parse = express.json({ limit: options.limitBytes, strict: true });
  return (req, res, next) => {
    if (hasBody(req) && !isJsonMediaType(req.headers['content-type'])) {
      next(new AppError('UNSUPPORTED_MEDIA_TYPE'));
      return;
    }
    parse(req, res, next);
  };
}

/** The charset parameter of a Content-Type, lower case, or undefined. */
function charsetOf(contentType: string): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return match?.[1]?.toLowerCase();
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * The hot path's reader (docs/performance.md): the same answers as `jsonBody` for every request, in a
 * fraction of its work (body-parser, raw-body, type-is and iconv-lite showed as 5 % of a resolve in
 * the profile). It reads plain UTF-8 JSON itself: 415 for another media type, 413 over the limit
 * (declared or counted; the rest is not read), 400 MALFORMED_JSON for what `JSON.parse` refuses or a
 * top-level value that is not an object or array (body-parser's strict mode), `{}` for an empty body
 * (none at all, or `Content-Length: 0`, with the JSON type),
 * a UTF-8 BOM skipped. Anything else (a Content-Encoding, another charset) goes to `fallback`, the
 * full parser, so the rare cases keep their exact behaviour.
 */
/** A body reader that answers through a callback (the hot path reads bodies without a promise). */
export type BodyCallback = (error: unknown, body?: unknown) => void;

type Fallback = (req: IncomingMessage, res: ServerResponse) => Promise<unknown>;

export function fastJsonReader(options: { limitBytes: number }, fallback: Fallback) {
  const now = (req: IncomingMessage, res: ServerResponse, done: BodyCallback): void => {
    const contentType = req.headers['content-type'];
    // `Content-Length: 0` is a body to body-parser (an empty one: `{}` when the type is JSON).
    if (!hasBody(req)) return done(undefined, req.headers['content-length'] === '0' && isJsonMediaType(contentType) ? {} : undefined);
    if (!isJsonMediaType(contentType)) return done(new AppError('UNSUPPORTED_MEDIA_TYPE'));
    const encoding = req.headers['content-encoding'];
    const charset = contentType === 'application/json' ? undefined : charsetOf(contentType as string);
    if ((encoding !== undefined && encoding.toLowerCase() !== 'identity') || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
      fallback(req, res).then((body) => done(undefined, body), done);
      return;
    }
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > options.limitBytes) return done(new AppError('PAYLOAD_TOO_LARGE'));
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > options.limitBytes) {
        cleanup();
        req.pause();
        done(new AppError('PAYLOAD_TOO_LARGE'));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      if (bytes.length === 0) return done(undefined, {});
      let start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
      while (start < bytes.length && WHITESPACE.has(bytes[start] as number)) start += 1;
      const first = bytes[start];
      if (first !== 0x7b && first !== 0x5b) return done(new AppError('MALFORMED_JSON'));
      let body: unknown;
      try {
        body = JSON.parse(bytes.toString('utf8', start));
      } catch {
        return done(new AppError('MALFORMED_JSON'));
      }
      done(undefined, body);
    };
    const onError = () => {
      cleanup();
      done(new AppError('VALIDATION_FAILED', { message: 'The request body could not be read.' }));
    };
    // `on`, not `once`: each ends in cleanup(), which removes all three (once's wrapper showed in the profile).
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  };
  const read = (req: IncomingMessage, res: ServerResponse): Promise<unknown> =>
    new Promise((resolve, reject) => now(req, res, (error, body) => (error === undefined ? resolve(body) : reject(error as Error))));
  return Object.assign(read, { now });
}
