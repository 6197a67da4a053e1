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
