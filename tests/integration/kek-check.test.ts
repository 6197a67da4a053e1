/**
 * A wrong master key is not healthy (README "Rotating the master key"), against the real Keycloak:
 * ENCRYPTION_KEYS with the right version but other bytes makes /readyz 503 and `byok doctor` fail,
 * both naming the KEK version, whether the realm already holds a key-check value for it or only
 * stored keys (an upgrade); the right keys are ready, and a rotation ({1,2}, rewrap, {2}) stays ready.
 * Each test has a realm of its own: the check value lives on the realm's service account user.
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { kekCheckVersion } from '../../src/crypto/kek-check.js';
import { KEK_CHECK_ATTRIBUTE } from '../../src/keycloak/kek-check-store.js';
import { createTestService } from '../support/app.js';
import { SERVICE_CLIENT } from '../support/env.js';
import { createTestUser, masterAdmin } from '../support/keycloak.js';
import { createScratchRealm, deleteScratchRealm, realmEnv, runByok } from '../support/scratch-realm.js';
import { testApiKey } from '../support/secrets.js';

const kek = () => randomBytes(32).toString('base64');
const realms: string[] = [];
afterAll(async () => {
  for (const realm of realms) await deleteScratchRealm(realm);
});

async function scratchRealm(): Promise<string> {
  const realm = await createScratchRealm('byok-kek');
  realms.push(realm);
  return realm;
}

async function serviceAccountUser(realm: string) {
  const kc = await masterAdmin(realm);
  const [user] = await kc.users.find({ username: `service-account-${SERVICE_CLIENT.clientId}`, exact: true, briefRepresentation: false });
  if (!user?.id) throw new Error('no service account user');
  return { kc, user: user as typeof user & { id: string } };
}

/** KEK versions of the check values stored in the realm. */
async function checkValueVersions(realm: string): Promise<number[]> {
  const { user } = await serviceAccountUser(realm);
  return ((user.attributes?.[KEK_CHECK_ATTRIBUTE] as string[] | undefined) ?? []).map((value) => kekCheckVersion(value) ?? -1).sort();
}

/** A user of `realm` with `count` keys stored by a service holding `keys`. */
async function userWithKeys(realm: string, keys: string, count = 2) {
  const user = await createTestUser({ tier: 'starter' }, realm);
  const service = createTestService(realmEnv(realm, { ENCRYPTION_KEYS: keys }));
  for (let i = 0; i < count; i += 1) await service.keys.add({ kind: 'user', id: user.id }, { provider: 'openai', apiKey: testApiKey('openai') });
  return user;
}

const readyz = (keys: string, realm: string) => request(createTestService(realmEnv(realm, { ENCRYPTION_KEYS: keys })).app).get('/readyz');
const kekCheckOf = (body: { checks: Array<{ name: string; ok: boolean; detail: string }> }) => body.checks.find((check) => check.name === 'kek_check');

describe('ENCRYPTION_KEYS must open what is stored', () => {
  test('right keys are ready and record a check value; same version with other bytes is 503 and fails byok doctor, naming the version', async () => {
    const realm = await scratchRealm();
    const right = `1:${kek()}`;
    const wrongBytes = kek();
    const wrong = `1:${wrongBytes}`;
    await userWithKeys(realm, right);

    const ready = await readyz(right, realm);
    expect(ready.status).toBe(200);
    expect(kekCheckOf(ready.body)).toMatchObject({ ok: true });
    expect(await checkValueVersions(realm)).toEqual([1]);

    const notReady = await readyz(wrong, realm);
    expect(notReady.status).toBe(503);
    expect(notReady.body.error.code).toBe('NOT_READY');
    expect(notReady.body.reason).toMatch(/KEK version 1\b/);
    expect(kekCheckOf(notReady.body)).toMatchObject({ ok: false, detail: expect.stringMatching(/KEK version 1 has other bytes/) });

    const doctor = await runByok(['doctor'], realmEnv(realm, { ENCRYPTION_KEYS: wrong }));
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/^FAIL +kek_check +.*KEK version 1\b/m);
    expect(`${doctor.stdout}${doctor.stderr}`).not.toContain(wrongBytes);
    const good = await runByok(['doctor'], realmEnv(realm, { ENCRYPTION_KEYS: right }));
    expect(good.stdout).toMatch(/^ok +kek_check /m);
    expect(good.code).toBe(0);
  });

  test('a realm with keys but no check value yet (an upgrade): a wrong key is caught by the stored keys and records nothing; the right key records it', async () => {
    const realm = await scratchRealm();
    const right = `1:${kek()}`;
    const wrong = `1:${kek()}`;
    await userWithKeys(realm, right);
    expect(await checkValueVersions(realm)).toEqual([]);

    const doctor = await runByok(['doctor'], realmEnv(realm, { ENCRYPTION_KEYS: wrong }));
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/^FAIL +kek_check +.*KEK version 1: none of \d+ stored keys sampled opens/m);
    const notReady = await readyz(wrong, realm);
    expect(notReady.status).toBe(503);
    expect(notReady.body.reason).toMatch(/KEK version 1\b/);
    expect(await checkValueVersions(realm)).toEqual([]);

    const doctorRight = await runByok(['doctor'], realmEnv(realm, { ENCRYPTION_KEYS: right }));
    expect(doctorRight.code).toBe(0);
    expect(await checkValueVersions(realm)).toEqual([]); // doctor only reads
    expect((await readyz(right, realm)).status).toBe(200);
    expect(await checkValueVersions(realm)).toEqual([1]);
  });

  test('a rotation stays ready: {1,2} records a check value per version, rewrap, {2} alone is ready, a wrong 2 is named', async () => {
    const realm = await scratchRealm();
    const one = `1:${kek()}`;
    const two = `2:${kek()}`;
    await userWithKeys(realm, one);
    expect((await readyz(one, realm)).status).toBe(200);

    expect((await readyz(`${one},${two}`, realm)).status).toBe(200);
    expect(await checkValueVersions(realm)).toEqual([1, 2]);
    const rewrap = await runByok(['rewrap', '--quiet'], realmEnv(realm, { ENCRYPTION_KEYS: `${one},${two}` }));
    expect(rewrap.code).toBe(0);

    expect((await readyz(two, realm)).status).toBe(200);
    const wrongTwo = await readyz(`2:${kek()}`, realm);
    expect(wrongTwo.status).toBe(503);
    expect(wrongTwo.body.reason).toMatch(/KEK version 2\b/);
    // The retired version's check value is kept; the service account user is otherwise as it was.
    expect(await checkValueVersions(realm)).toEqual([1, 2]);
    const { user } = await serviceAccountUser(realm);
    expect(user.enabled).toBe(true);
  });
});
