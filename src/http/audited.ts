/**
 * Wraps a key management route so that it leaves one audit event (see observability/audit.ts) whatever
 * happens: success, denied (a 4xx answer) or failed. The handler fills in owner, provider and key id
 * as soon as it knows them, so a refused operation is recorded with as much as was known.
 */
import type { Request, RequestHandler, Response } from 'express';
import { isAppError } from '../errors.js';
import type { AuditAction, AuditEvent, AuditLog } from '../observability/audit.js';
import { principalOf } from './middleware/auth.js';

/** What the handler learns as it goes; `action` when it turns out to be another (add → replace). */
export type AuditDraft = Pick<AuditEvent, 'owner' | 'provider' | 'keyId' | 'fields'> & { action?: AuditAction };
type AuditedHandler = (req: Request, res: Response, audit: AuditDraft) => Promise<void>;

export function audited(log: AuditLog | undefined, action: AuditAction, handler: AuditedHandler): RequestHandler {
  if (log === undefined) return (req, res) => handler(req, res, {});
  return async (req, res) => {
    const principal = principalOf(res);
    const draft: AuditDraft = {};
    const record = (outcome: AuditEvent['outcome'], errorCode?: string) =>
      log.record({
        outcome,
        ...(errorCode === undefined ? {} : { errorCode }),
        actor: { subject: principal.subject, username: principal.username, clientId: principal.clientId },
        ...draft,
        action: draft.action ?? action,
        sourceAddress: req.ip,
        requestId: req.id,
      });
    try {
      await handler(req, res, draft);
    } catch (error) {
      if (isAppError(error)) record(error.status < 500 ? 'denied' : 'failed', error.code);
      else record('failed', 'INTERNAL');
      throw error;
    }
    record('success');
  };
}
