/**
 * docs/api.md#admin-api: team keys on groups, users' keys (read-only) and tiers; realm role byok-admin.
 */
import { Router } from 'express';
import { exactRouter } from '../routing.js';
import type { AuditLog } from '../../observability/audit.js';
import type { createAdoptionStats } from '../../vault/adoption-stats.js';
import type { KeyService } from '../../vault/key-service.js';
import type { OwnerRef } from '../../vault/ports.js';
import { audited } from '../audited.js';
import { requireRealmRole } from '../middleware/auth.js';
import { parseAddKey, parseBody, parseKeyId, parseOwnerId, parseProvider, patchKeyBody, tierBody } from '../schemas.js';

export const ADMIN_ROLE = 'byok-admin';

export function adminRoutes(deps: { keys: KeyService; adoption: Pick<ReturnType<typeof createAdoptionStats>, 'get'>; audit?: AuditLog | undefined }): Router {
  const router = exactRouter();
  const { keys, audit } = deps;
  router.use('/admin', requireRealmRole(ADMIN_ROLE));

  const group = (id: unknown): OwnerRef => ({ kind: 'group', id: parseOwnerId(id) });

  router.get('/admin/stats', async (_req, res) => {
    res.json(await deps.adoption.get());
  });

  // Reading another person's key list (labels, providers, health) is an audited act: `keys.read`.
  router.get(
    '/admin/users/:userId/keys',
    audited(audit, 'keys.read', async (req, res, event) => {
      const owner = (event.owner = { kind: 'user', id: parseOwnerId(req.params.userId) });
      res.json({ keys: await keys.listKeys(owner) });
    }),
  );

  router.put(
    '/admin/users/:userId/tier',
    audited(audit, 'tier.set', async (req, res, event) => {
      const owner = (event.owner = { kind: 'user', id: parseOwnerId(req.params.userId) });
      const { tier } = parseBody(tierBody, req.body);
      event.fields = ['tier'];
      res.json({ tier: await keys.setTier(owner.id, tier) });
    }),
  );

  router.get(
    '/admin/groups/:groupId/keys',
    audited(audit, 'keys.read', async (req, res, event) => {
      const owner = (event.owner = group(req.params.groupId));
      res.json({ keys: await keys.listKeys(owner) });
    }),
  );

  router.post(
    '/admin/groups/:groupId/keys',
    audited(audit, 'key.add', async (req, res, event) => {
      const owner = (event.owner = group(req.params.groupId));
      const { input, keyId } = parseAddKey(req.body);
      Object.assign(event, { provider: input.provider, keyId, action: keyId === undefined ? 'key.add' : 'key.replace' });
      if (keyId === undefined) {
        const added = await keys.add(owner, input);
        event.keyId = added.id;
        res.status(201).json(added);
      } else {
        res.json(await keys.replace(owner, keyId, input));
      }
    }),
  );

  router.patch(
    '/admin/groups/:groupId/keys/:provider/:keyId',
    audited(audit, 'key.update', async (req, res, event) => {
      const owner = (event.owner = group(req.params.groupId));
      const provider = (event.provider = parseProvider(req.params.provider));
      const keyId = (event.keyId = parseKeyId(req.params.keyId));
      const patch = parseBody(patchKeyBody, req.body);
      event.fields = Object.keys(patch);
      res.json(await keys.update(owner, provider, keyId, patch));
    }),
  );

  router.delete(
    '/admin/groups/:groupId/keys/:provider/:keyId',
    audited(audit, 'key.delete', async (req, res, event) => {
      const owner = (event.owner = group(req.params.groupId));
      const provider = (event.provider = parseProvider(req.params.provider));
      const keyId = (event.keyId = parseKeyId(req.params.keyId));
      await keys.remove(owner, provider, keyId);
      res.status(204).end();
    }),
  );

  return router;
}
