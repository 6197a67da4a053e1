import { Router } from 'express';
import { exactRouter } from '../routing.js';
import { principalOf } from '../middleware/auth.js';

/** `GET /api/v1/me`: who the token says the caller is (the UI shows it; clients use it to check a token). */
export function meRoutes(): Router {
  const router = exactRouter();
  router.get('/me', (_req, res) => {
    const principal = principalOf(res);
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      subject: principal.subject,
      username: principal.username ?? null,
      clientId: principal.clientId ?? null,
      roles: [...principal.realmRoles].filter((role) => role.startsWith('byok-')).sort(),
    });
  });
  return router;
}
