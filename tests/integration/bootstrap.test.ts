/**
 * Realm bootstrap (docs/development.md) against the real Keycloak: it creates what the plan names, a second run
 * changes nothing, and what an operator changed is reported rather than overwritten.
 */
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { UnmanagedAttributePolicy } from '@keycloak/keycloak-admin-client/lib/defs/userProfileMetadata.js';
import { applyRealmPlan, realmPlan } from '../../src/keycloak/realm-bootstrap.js';
import { serviceEnv, TEST_ENCRYPTION_KEYS } from '../support/env.js';
import { clientToken, claimsOf, masterAdmin, userToken } from '../support/keycloak.js';

const cli = new URL('../../dist/cli/main.js', import.meta.url).pathname;

async function withScratchRealm(run: (realm: string) => Promise<void>): Promise<void> {
  const realm = `byok-boot-${randomBytes(4).toString('hex')}`;
  try {
    await run(realm);
  } finally {
    await (await masterAdmin('master')).realms.del({ realm });
  }
}

const plan = (realm: string) =>
  realmPlan({ realm, dev: true, serviceClientId: 'byok-service', serviceClientSecret: 'scratch-secret', uiOrigins: ['http://127.0.0.1:8787'] });

describe('realm bootstrap', () => {
  test('creates the development realm (docs/development.md), and a second run creates nothing and keeps what exists', async () => {
    await withScratchRealm(async (realm) => {
      const first = await applyRealmPlan(await masterAdmin('master'), plan(realm));
      expect(first.warnings).toEqual([]);
      expect(first.created).toEqual(expect.arrayContaining([`realm ${realm}`, 'realm role byok-internal', 'realm role byok-admin', 'client ops-center', 'group team-alpha', 'user carol in group team-alpha', 'user ops realm role byok-admin']));

      const kc = await masterAdmin(realm);
      expect((await kc.users.getProfile({ realm })).unmanagedAttributePolicy).toBe('ADMIN_EDIT');
      const [ui] = await kc.clients.find({ clientId: 'ops-center' });
      expect(ui).toMatchObject({ publicClient: true, standardFlowEnabled: true, directAccessGrantsEnabled: true });
      expect(ui?.attributes?.['pkce.code.challenge.method']).toBe('S256');
      const [alice] = await kc.users.find({ username: 'alice', exact: true });
      expect(alice?.attributes?.subscription_tier).toEqual(['starter']);

      // Roles reach tokens: ops carries byok-admin, the demo client byok-internal.
      expect(claimsOf(await userToken({ username: 'ops', password: 'ops' }, realm)).realm_access).toMatchObject({ roles: expect.arrayContaining(['byok-admin']) });
      expect(claimsOf(await clientToken({ clientId: 'byok-internal-demo', secret: 'dev-internal-secret' }, realm)).realm_access).toMatchObject({ roles: expect.arrayContaining(['byok-internal']) });

      // An operator's change in between survives the second run.
      await kc.users.update({ id: alice?.id as string }, { ...alice, attributes: { ...alice?.attributes, subscription_tier: ['enterprise'] } });
      const second = await applyRealmPlan(await masterAdmin('master'), plan(realm));
      expect(second.created).toEqual([]);
      expect(second.existing.length).toBe(first.created.length);
      const [aliceAfter] = await kc.users.find({ username: 'alice', exact: true });
      expect(aliceAfter?.attributes?.subscription_tier).toEqual(['enterprise']);
    });
  });

  test('a different user profile policy is reported, not overwritten', async () => {
    await withScratchRealm(async (realm) => {
      await applyRealmPlan(await masterAdmin('master'), plan(realm));
      const kc = await masterAdmin(realm);
      const profile = await kc.users.getProfile({ realm });
      await kc.users.updateProfile({ ...profile, realm, unmanagedAttributePolicy: UnmanagedAttributePolicy.AdminView });
      const again = await applyRealmPlan(await masterAdmin('master'), plan(realm));
      expect(again.warnings.join()).toContain('unmanagedAttributePolicy is ADMIN_VIEW');
      expect((await kc.users.getProfile({ realm })).unmanagedAttributePolicy).toBe('ADMIN_VIEW');
    });
  });

  test('without --dev no users, demo client or password grant are created, and the service secret is generated', async () => {
    await withScratchRealm(async (realm) => {
      const report = await applyRealmPlan(
        await masterAdmin('master'),
        realmPlan({ realm, dev: false, serviceClientId: 'byok-service', serviceClientSecret: undefined, uiOrigins: ['https://byok.example.com'] }),
      );
      expect(Object.keys(report.generatedSecrets)).toEqual(['byok-service']);
      const kc = await masterAdmin(realm);
      expect(await kc.users.find({ username: 'alice', exact: true })).toEqual([]);
      expect(await kc.clients.find({ clientId: 'byok-internal-demo' })).toEqual([]);
      const [ui] = await kc.clients.find({ clientId: 'ops-center' });
      expect(ui?.directAccessGrantsEnabled).toBe(false);
      expect(ui?.redirectUris).toEqual(['https://byok.example.com/*']);
      // The generated secret works for the client-credentials grant.
      await expect(clientToken({ clientId: 'byok-service', secret: report.generatedSecrets['byok-service'] as string }, realm)).resolves.toEqual(expect.any(String));
    });
  });

  test('`byok doctor` passes on the test realm and names each failing check otherwise', () => {
    const env = { PATH: process.env.PATH, ...serviceEnv() } as NodeJS.ProcessEnv;
    const good = spawnSync(process.execPath, [cli, 'doctor'], { env, encoding: 'utf8' });
    expect(good.status).toBe(0);
    expect(good.stdout).toMatch(/ok +read_users/);
    expect(good.stdout).toMatch(/ok +user_profile/);

    const bad = spawnSync(process.execPath, [cli, 'doctor'], {
      env: { ...env, KEYCLOAK_CLIENT_SECRET: 'wrong', ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS },
      encoding: 'utf8',
    });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/FAIL +service_token +Keycloak rejected the service client credentials/);
    expect(bad.stdout).not.toContain('wrong');

    const down = spawnSync(process.execPath, [cli, 'doctor'], { env: { ...env, KEYCLOAK_URL: 'http://127.0.0.1:9', KEYCLOAK_TIMEOUT_MS: '500' }, encoding: 'utf8' });
    expect(down.status).toBe(1);
    expect(down.stdout).toMatch(/FAIL +keycloak +Keycloak unreachable/);
  });
});
