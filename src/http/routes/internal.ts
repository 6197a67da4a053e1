/**
 * SPEC §5.2: internal services (client-credentials tokens with realm role byok-internal). The gate
 * stands in front of the whole /internal tree, so a user token gets 403 on any path under it.
 */
import { Router } from 'express';
import { requireRealmRole } from '../middleware/auth.js';

export const INTERNAL_ROLE = 'byok-internal';

export function internalRoutes(): Router {
  const router = Router();
  router.use('/internal', requireRealmRole(INTERNAL_ROLE));
  return router;
}
