/**
 * docs/api.md#user-api: a user's own keys. The owner is always the token's subject; another user's key id is
 * "not found", exactly like a missing one.
 */
import { Router, type Response } from 'express';
import { exactRouter } from '../routing.js';
import type { AuditLog } from '../../observability/audit.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { KeyService } from '../../vault/key-service.js';
import type { OwnerRef } from '../../vault/ports.js';
import { audited } from '../audited.js';
import type { RateLimits } from '../rate-limit.js';
import { principalOf } from '../middleware/auth.js';
import { parseAddKey, parseBody, parseKeyId, parseProvider, patchKeyBody, preferencesBody } from '../schemas.js';

const ownerOf = (res: Response): OwnerRef => ({ kind: 'user', id: principalOf(res).subject });

export function byokRoutes(deps: {
  keys: KeyService;
  registry: Pick<ProviderRegistry, 'list'>;
  audit?: AuditLog | undefined;
  rateLimits?: Pick<RateLimits, 'keyTest'> | undefined;
}): Router {
  const router = exactRouter();
  const { keys, audit } = deps;

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

  router.post(
    '/byok/keys/add',
    audited(audit, 'key.add', async (req, res, event) => {
      event.owner = ownerOf(res);
      const { input, keyId } = parseAddKey(req.body);
      Object.assign(event, { provider: input.provider, keyId, action: keyId === undefined ? 'key.add' : 'key.replace' });
      if (keyId === undefined) {
        const added = await keys.add(event.owner, input);
        event.keyId = added.id;
        res.status(201).json(added);
      } else {
        res.json(await keys.replace(event.owner, keyId, input));
      }
    }),
  );

  router.patch(
    '/byok/keys/:provider/:keyId',
    audited(audit, 'key.update', async (req, res, event) => {
      event.owner = ownerOf(res);
      event.provider = parseProvider(req.params.provider);
      event.keyId = parseKeyId(req.params.keyId);
      const patch = parseBody(patchKeyBody, req.body);
      event.fields = Object.keys(patch);
      res.json(await keys.update(event.owner, event.provider, event.keyId, patch));
    }),
  );

  router.delete(
    '/byok/keys/:provider/:keyId',
    audited(audit, 'key.delete', async (req, res, event) => {
      event.owner = ownerOf(res);
      event.provider = parseProvider(req.params.provider);
      event.keyId = parseKeyId(req.params.keyId);
      await keys.remove(event.owner, event.provider, event.keyId);
      res.status(204).end();
    }),
  );

  router.delete(
    '/byok/keys/:provider',
    audited(audit, 'provider.delete', async (req, res, event) => {
      event.owner = ownerOf(res);
      event.provider = parseProvider(req.params.provider);
      await keys.removeProvider(event.owner, event.provider);
      res.status(204).end();
    }),
  );

  router.post(
    '/byok/keys/test/:provider',
    audited(audit, 'key.test', async (req, res, event) => {
      event.owner = ownerOf(res);
      const provider = (event.provider = parseProvider(req.params.provider));
      const keyId = (event.keyId = req.query.keyId === undefined ? undefined : parseKeyId(req.query.keyId));
      // Counted once the request is valid: a test sends a request per key to the provider.
      await deps.rateLimits?.keyTest(principalOf(res));
      res.json({ provider, results: await keys.test(event.owner, provider, keyId) });
    }),
  );

  router.get('/byok/stats', async (_req, res) => {
    res.json(await keys.stats(ownerOf(res)));
  });

  router.get('/byok/preferences', async (_req, res) => {
    res.json(await keys.preferences(ownerOf(res)));
  });

  router.put(
    '/byok/preferences',
    audited(audit, 'preferences.update', async (req, res, event) => {
      event.owner = ownerOf(res);
      const preferences = parseBody(preferencesBody, req.body);
      event.fields = Object.keys(preferences);
      res.json(await keys.setPreferences(event.owner, preferences));
    }),
  );

  return router;
}
