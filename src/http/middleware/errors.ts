/**
 * The one place where errors become HTTP answers: `{"error": {"code", "message", "requestId", details?}}`.
 * AppErrors keep their code and status; body-parser failures get their own codes; anything else is a
 * 500 INTERNAL that carries the request id and hides what went wrong (it is logged instead).
 */
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { AppError, ERROR_CODES, isAppError, type ErrorCode } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';

export function sendError(res: Response, error: AppError): void {
  const requestId = String(res.req.id ?? '');
  res.status(error.status);
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  if (error.code === 'UNAUTHENTICATED' && !res.hasHeader('WWW-Authenticate')) {
    res.setHeader('WWW-Authenticate', 'Bearer');
  }
  if (error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(error.retryAfterSeconds));
  res.setHeader('Cache-Control', 'no-store');
  res.json({
    error: {
      code: error.code,
      message: error.message,
      requestId,
      ...(error.details !== undefined ? { details: error.details } : {}),
    },
  });
}

/** body-parser's error types, mapped to our codes. */
const BODY_ERRORS: Record<string, ErrorCode> = {
  'entity.too.large': 'PAYLOAD_TOO_LARGE',
  'entity.parse.failed': 'MALFORMED_JSON',
  'encoding.unsupported': 'UNSUPPORTED_MEDIA_TYPE',
  'charset.unsupported': 'UNSUPPORTED_MEDIA_TYPE',
  'request.aborted': 'VALIDATION_FAILED',
  'request.size.invalid': 'VALIDATION_FAILED',
};

export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const log = logger.child({ reqId: req.id });
    if (res.headersSent) {
      log.error({ err: error }, 'error after the response started');
      res.end();
      return;
    }
    if (isAppError(error)) {
      if (error.status >= 500) log.warn({ code: error.code, msg: error.message, cause: describeCause(error.cause) }, 'request failed');
      sendError(res, error);
      return;
    }
    const bodyErrorType = (error as { type?: unknown } | null)?.type;
    if (typeof bodyErrorType === 'string' && bodyErrorType in BODY_ERRORS) {
      sendError(res, new AppError(BODY_ERRORS[bodyErrorType] as ErrorCode));
      return;
    }
    log.error({ err: error }, 'unhandled error');
    sendError(res, new AppError('INTERNAL', { message: ERROR_CODES.INTERNAL.message }));
  };
}

export const notFoundHandler: RequestHandler = (_req, res) => {
  sendError(res, new AppError('NOT_FOUND', { message: 'No such route.' }));
};

/** A transport-level cause as a short string, for logs (never a response). */
function describeCause(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code ?? (cause.cause as { code?: unknown } | undefined)?.code;
    return `${cause.name}${code ? ` ${String(code)}` : ''}`;
  }
  return typeof cause;
}
