/**
 * The service's one JSON body parser (Express routes and the internal hot path alike). A request that
 * carries a body must say it is JSON: a body sent as `text/plain`, a form, or with no Content-Type at
 * all is 415 UNSUPPORTED_MEDIA_TYPE, not silently ignored (the parser would skip it and the endpoint
 * would then see "no body"). Requests without a body pass whatever their headers.
 */
import type { IncomingMessage } from 'node:http';
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
export function fastJsonReader(options: { limitBytes: number }, fallback: (req: IncomingMessage, res: import('node:http').ServerResponse) => Promise<unknown>) {
  return (req: IncomingMessage, res: import('node:http').ServerResponse): Promise<unknown> => {
    const contentType = req.headers['content-type'];
    // `Content-Length: 0` is a body to body-parser (an empty one: `{}` when the type is JSON).
    if (!hasBody(req)) return Promise.resolve(req.headers['content-length'] === '0' && isJsonMediaType(contentType) ? {} : undefined);
    if (!isJsonMediaType(contentType)) return Promise.reject(new AppError('UNSUPPORTED_MEDIA_TYPE'));
    const encoding = req.headers['content-encoding'];
    const charset = charsetOf(contentType as string);
    if ((encoding !== undefined && encoding.toLowerCase() !== 'identity') || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
      return fallback(req, res);
    }
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > options.limitBytes) return Promise.reject(new AppError('PAYLOAD_TOO_LARGE'));
    return new Promise((resolve, reject) => {
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
          reject(new AppError('PAYLOAD_TOO_LARGE'));
          return;
        }
        chunks.push(chunk);
      };
      const onEnd = () => {
        cleanup();
        const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
        if (bytes.length === 0) return resolve({});
        let start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
        while (start < bytes.length && WHITESPACE.has(bytes[start] as number)) start += 1;
        const first = bytes[start];
        if (first !== 0x7b && first !== 0x5b) return reject(new AppError('MALFORMED_JSON'));
        try {
          resolve(JSON.parse(bytes.toString('utf8', start)));
        } catch {
          reject(new AppError('MALFORMED_JSON'));
        }
      };
      const onError = () => {
        cleanup();
        reject(new AppError('VALIDATION_FAILED', { message: 'The request body could not be read.' }));
      };
      req.on('data', onData);
      req.once('end', onEnd);
      req.once('error', onError);
    });
  };
}
