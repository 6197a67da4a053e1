/**
 * SPEC §5.3: team keys on groups, users' keys (read-only) and tiers; realm role byok-admin.
 */
import { Router } from 'express';
import type { createAdoptionStats } from '../../vault/adoption-stats.js';
import type { KeyService } from '../../vault/key-service.js';
import type { OwnerRef } from '../../vault/ports.js';
import { requireRealmRole } from '../middleware/auth.js';
import { parseAddKey, parseBody, parseKeyId, parseOwnerId, parseProvider, patchKeyBody, tierBody } from '../schemas.js';

export const ADMIN_ROLE = 'byok-admin';

export function adminRoutes(deps: { keys: KeyService; adoption: Pick<ReturnType<typeof createAdoptionStats>, 'get'> }): Router {
  const router = Router();
  const { keys } = deps;
  router.use('/admin', requireRealmRole(ADMIN_ROLE));

  const group = (id: unknown): OwnerRef => ({ kind: 'group', id: parseOwnerId(id) });

  router.get('/admin/stats', async (_req, res) => {
    res.json(await deps.adoption.get());
  });

  router.get('/admin/users/:userId/keys', async (req, res) => {
    res.json({ keys: await keys.listKeys({ kind: 'user', id: parseOwnerId(req.params.userId) }) });
  });

  router.put('/admin/users/:userId/tier', async (req, res) => {
    const { tier } = parseBody(tierBody, req.body);
    res.json({ tier: await keys.setTier(parseOwnerId(req.params.userId), tier) });
  });

  router.get('/admin/groups/:groupId/keys', async (req, res) => {
    res.json({ keys: await keys.listKeys(group(req.params.groupId)) });
  });

  router.post('/admin/groups/:groupId/keys', async (req, res) => {
    const { input, keyId } = parseAddKey(req.body);
    const owner = group(req.params.groupId);
    if (keyId === undefined) res.status(201).json(await keys.add(owner, input));
    else res.json(await keys.replace(owner, keyId, input));
  });

  router.patch('/admin/groups/:groupId/keys/:provider/:keyId', async (req, res) => {
    const owner = group(req.params.groupId);
    res.json(await keys.update(owner, parseProvider(req.params.provider), parseKeyId(req.params.keyId), parseBody(patchKeyBody, req.body)));
  });

  router.delete('/admin/groups/:groupId/keys/:provider/:keyId', async (req, res) => {
    await keys.remove(group(req.params.groupId), parseProvider(req.params.provider), parseKeyId(req.params.keyId));
    res.status(204).end();
  });

  return router;
}
