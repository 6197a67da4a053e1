/**
 * Audit events (docs/operations.md) against the real Keycloak: every key management operation leaves one JSON
 * line naming who, when, the owner, provider and key id, the outcome and the source address, and no
 * line carries key material or the label a user typed.
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createTestService } from '../support/app.js';
import { startFakeProvider } from '../support/fake-provider.js';
import { createTestUser, masterAdmin, userToken } from '../support/keycloak.js';
import { testApiKey } from '../support/secrets.js';

type Event = Record<string, unknown> & { action: string; outcome: string; requestId: string };

describe('audit events', () => {
  test('a key lifecycle, a refused add and admin operations are each one event, without secrets or labels', async () => {
    const fake = await startFakeProvider();
    try {
      const service = createTestService({ OPENAI_BASE_URL: fake.url, ALLOW_PRIVATE_BASE_URLS: 'true', ALLOW_INSECURE_BASE_URLS: 'true' });
      const { app } = service;
      const eventOf = (response: request.Response): Event => {
        const id = response.headers['x-request-id'];
        const matching = service.auditEvents.filter((event) => event.requestId === id) as Event[];
        expect(matching).toHaveLength(1);
        return matching[0] as Event;
      };

      const user = await createTestUser({ tier: 'starter' });
      const token = await userToken(user);
      const as = (req: request.Test) => req.set('Authorization', `Bearer ${token}`);
      const secret = testApiKey('openai');
      const replacement = testApiKey('openai');
      const label = `Label ${randomBytes(6).toString('hex')}`;

      const added = await as(request(app).post('/api/v1/byok/keys/add')).send({ provider: 'openai', apiKey: secret, label });
      expect(added.status).toBe(201);
      const keyId = added.body.id as string;
      const addEvent = eventOf(added);
      expect(addEvent).toMatchObject({
        action: 'key.add',
        outcome: 'success',
        actor: { subject: user.id, username: user.username, clientId: expect.any(String) },
        owner: { kind: 'user', id: user.id },
        provider: 'openai',
        keyId,
        sourceAddress: expect.stringMatching(/127\.0\.0\.1|::1/),
        stream: 'audit',
      });
      expect(Date.parse(addEvent.time as string)).toBeGreaterThan(Date.now() - 60_000);

      const relabelled = await as(request(app).patch(`/api/v1/byok/keys/openai/${keyId}`)).send({ label: `${label} 2`, enabled: false });
      expect(eventOf(relabelled)).toMatchObject({ action: 'key.update', outcome: 'success', keyId, fields: ['label', 'enabled'] });

      const replaced = await as(request(app).post('/api/v1/byok/keys/add')).send({ provider: 'openai', apiKey: replacement, keyId });
      expect(replaced.status).toBe(200);
      expect(eventOf(replaced)).toMatchObject({ action: 'key.replace', outcome: 'success', keyId });

      const tested = await as(request(app).post(`/api/v1/byok/keys/test/openai?keyId=${keyId}`));
      expect(eventOf(tested)).toMatchObject({ action: 'key.test', outcome: 'success', provider: 'openai', keyId });

      const foreign = await as(request(app).delete('/api/v1/byok/keys/openai/k_doesnotexist0000000'));
      expect(foreign.status).toBe(404);
      expect(eventOf(foreign)).toMatchObject({ action: 'key.delete', outcome: 'denied', errorCode: 'KEY_NOT_FOUND' });

      const deleted = await as(request(app).delete(`/api/v1/byok/keys/openai/${keyId}`));
      expect(deleted.status).toBe(204);
      expect(eventOf(deleted)).toMatchObject({ action: 'key.delete', outcome: 'success', owner: { kind: 'user', id: user.id }, keyId });

      // A free user's add is refused by the tier gate, and the refusal is recorded.
      const free = await createTestUser({ tier: 'free' });
      const freeToken = await userToken(free);
      const refused = await request(app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${freeToken}`).send({ provider: 'openai', apiKey: testApiKey('openai') });
      expect(refused.status).toBe(403);
      expect(eventOf(refused)).toMatchObject({ action: 'key.add', outcome: 'denied', errorCode: 'TIER_REQUIRED', actor: { subject: free.id }, provider: 'openai' });

      // Admin: a tier change and a team key, with the admin as the actor and the group as the owner.
      const admin = await userToken({ username: 'ops', password: 'ops' });
      const tier = await request(app).put(`/api/v1/admin/users/${free.id}/tier`).set('Authorization', `Bearer ${admin}`).send({ tier: 'starter' });
      expect(tier.status).toBe(200);
      expect(eventOf(tier)).toMatchObject({ action: 'tier.set', outcome: 'success', actor: { username: 'ops' }, owner: { kind: 'user', id: free.id } });
      const { id: groupId } = await (await masterAdmin()).groups.create({ name: `audit-${randomBytes(4).toString('hex')}` });
      const teamKey = await request(app).post(`/api/v1/admin/groups/${groupId}/keys`).set('Authorization', `Bearer ${admin}`).send({ provider: 'anthropic', apiKey: testApiKey('anthropic') });
      expect(teamKey.status).toBe(201);
      expect(eventOf(teamKey)).toMatchObject({ action: 'key.add', outcome: 'success', owner: { kind: 'group', id: groupId }, keyId: teamKey.body.id });

      // Reads are not key management operations: no event.
      const listed = await as(request(app).get('/api/v1/byok/keys'));
      expect(service.auditEvents.filter((event) => event.requestId === listed.headers['x-request-id'])).toEqual([]);

      const text = service.auditEvents.map((event) => JSON.stringify(event)).join('\n');
      for (const value of [secret, replacement, secret.slice(-16), Buffer.from(secret).toString('base64'), label, token]) {
        expect(text).not.toContain(value);
      }
    } finally {
      await fake.close();
    }
  });
});
