/**
 * One wiring (src/create-vault.ts) for the service and the `byok` command, against the real Keycloak:
 * the command's key service enforces the same domain rules as the API, and the clock given to the
 * service is the one its records, expiries and cooldowns follow.
 */
import request from 'supertest';
import { cliContextFrom } from '../../src/cli/context.js';
import { LABEL_MAX_LENGTH } from '../../src/vault/rules.js';
import { createTestService } from '../support/app.js';
import { createFakeClock } from '../support/clock.js';
import { serviceEnv } from '../support/env.js';
import { createTestUser, masterAdmin } from '../support/keycloak.js';
import { internalToken, keyedUser, resolver } from '../support/resolve.js';
import { testApiKey } from '../support/secrets.js';

describe('one wiring for the service and the CLI', () => {
  test('the command refuses a label the domain rules refuse, as the API does, and writes nothing', async () => {
    const user = await createTestUser({ tier: 'starter' });
    const owner = { kind: 'user' as const, id: user.id };
    const context = cliContextFrom(serviceEnv());
    try {
      await context.ready();
      for (const label of ['x'.repeat(LABEL_MAX_LENGTH + 1), '  ']) {
        await expect(context.keys.add(owner, { provider: 'openai', apiKey: testApiKey('openai'), label })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      }
      const stored = await (await masterAdmin()).users.findOne({ id: user.id });
      expect(Object.keys(stored?.attributes ?? {}).filter((name) => name.startsWith('byok_openai'))).toEqual([]);
      const added = await context.keys.add(owner, { provider: 'openai', apiKey: testApiKey('openai'), label: ` ${'y'.repeat(LABEL_MAX_LENGTH)} ` });
      expect(added.label).toBe('y'.repeat(LABEL_MAX_LENGTH));
    } finally {
      await context.close();
    }
  });

  test("the service's records, expiries and cooldowns follow the clock it is given", async () => {
    const clock = createFakeClock(Date.parse('2031-03-01T12:00:00Z'));
    const { app } = createTestService({}, { clock });
    const user = await keyedUser(app);
    // An expiry in the real future but the clock's past is refused: the clock decides, not Date.now().
    const tooEarly = await request(app)
      .post('/api/v1/byok/keys/add')
      .set('Authorization', `Bearer ${user.token}`)
      .send({ provider: 'openai', apiKey: testApiKey('openai'), expiresAt: '2030-01-01T00:00:00Z' });
    expect([tooEarly.status, tooEarly.body.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
    const added = await request(app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${user.token}`).send({ provider: 'openai', apiKey: testApiKey('openai') });
    expect(added.body.createdAt).toBe('2031-03-01T12:00:00.000Z');
    const { resolve, report } = resolver(app, await internalToken());
    await report({ userId: user.id, provider: 'openai', keyId: added.body.id, outcome: 'rate_limited', retryAfterSeconds: 600 });
    expect((await resolve({ userId: user.id, provider: 'openai', allowSystemFallback: false })).headers['retry-after']).toBe('600');
    clock.advance(600_000);
    expect((await resolve({ userId: user.id, provider: 'openai' })).body.keyId).toBe(added.body.id);
  });
});
