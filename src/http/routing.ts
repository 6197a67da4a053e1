/**
 * One routing rule for the application and every router: a path is matched exactly as written.
 *
 * - Case-sensitive: `/API/v1/internal/resolve` is not `/api/v1/internal/resolve`. Rules keyed on a
 *   path (the hot path's exact match, `Cache-Control` for `/api/`, the `/internal` and `/admin` gates)
 *   and the routes that serve it then agree on what a path is; a spelling that some rule would not
 *   recognise is a 404 NOT_FOUND, never a route served under other rules.
 * - Strict: a trailing slash is another path (`/api/v1/byok/keys/` is a 404), for the same reason.
 * - No normalisation: double slashes (`/api//v1/...`) and percent-encoded letters or slashes
 *   (`/api/v1/internal/%72esolve`, `/internal%2Fresolve`) match nothing and are 404s.
 */
import { Router } from 'express';

export const ROUTING_OPTIONS = { caseSensitive: true, strict: true } as const;

/** A Router with the application's routing rule (every router must be made here). */
export function exactRouter(): Router {
  return Router(ROUTING_OPTIONS);
}
