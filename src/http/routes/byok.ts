/**
 * SPEC §5.1: a user's own keys. The owner is always the token's subject; another user's key id is
 * "not found", exactly like a missing one.
 */
import { Router, type Response } from 'express';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { KeyService } from '../../vault/key-service.js';
import type { OwnerRef } from '../../vault/ports.js';
import { principalOf } from '../middleware/auth.js';
import { parseAddKey, parseBody, parseKeyId, parseProvider, patchKeyBody, preferencesBody } from '../schemas.js';

const ownerOf = (res: Response): OwnerRef => ({ kind: 'user', id: principalOf(res).subject });

export function byokRoutes(deps: { keys: KeyService; registry: Pick<ProviderRegistry, 'list'> }): Router {
  const router = Router();
  const { keys } = deps;

  router.get('/byok/providers', (_req, res) => {
    res.json({
      providers: deps.registry.list().map((provider) => ({
        id: provider.id,
        name: provider.name,
        keyHint: provider.keyHint,
        requiresBaseUrl: provider.requiresBaseUrl,
        defaultBaseUrl: provider.baseUrl ?? null,
        testable: true,
      })),
    });
  });

  router.get('/byok/keys', async (req, res) => {
    const provider = req.query.provider === undefined ? undefined : parseProvider(req.query.provider);
    res.json(await keys.list(ownerOf(res), provider));
  });

  router.post('/byok/keys/add', async (req, res) => {
    const { input, keyId } = parseAddKey(req.body);
    if (keyId === undefined) res.status(201).json(await keys.add(ownerOf(res), input));
    else res.json(await keys.replace(ownerOf(res), keyId, input));
  });

  router.patch('/byok/keys/:provider/:keyId', async (req, res) => {
    const provider = parseProvider(req.params.provider);
    const keyId = parseKeyId(req.params.keyId);
    res.json(await keys.update(ownerOf(res), provider, keyId, parseBody(patchKeyBody, req.body)));
  });

  router.delete('/byok/keys/:provider/:keyId', async (req, res) => {
    await keys.remove(ownerOf(res), parseProvider(req.params.provider), parseKeyId(req.params.keyId));
    res.status(204).end();
  });

  router.delete('/byok/keys/:provider', async (req, res) => {
    await keys.removeProvider(ownerOf(res), parseProvider(req.params.provider));
    res.status(204).end();
  });

  router.post('/byok/keys/test/:provider', async (req, res) => {
    const provider = parseProvider(req.params.provider);
    const keyId = req.query.keyId === undefined ? undefined : parseKeyId(req.query.keyId);
    res.json({ provider, results: await keys.test(ownerOf(res), provider, keyId) });
  });

  router.get('/byok/stats', async (_req, res) => {
    res.json(await keys.stats(ownerOf(res)));
  });

  router.get('/byok/preferences', async (_req, res) => {
    res.json(await keys.preferences(ownerOf(res)));
  });

  router.put('/byok/preferences', async (req, res) => {
    res.json(await keys.setPreferences(ownerOf(res), parseBody(preferencesBody, req.body)));
  });

  return router;
}
