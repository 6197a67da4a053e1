/**
 * deploy/keycloak/byok-realm.json, the realm docker-compose.keycloak.yml imports: it is exactly what
 * the bootstrap-realm plan generates (so the two cannot drift), it holds no secret, and the real
 * Keycloak imports it into a realm the service is ready against (byok doctor passes: service token,
 * reading users, unmanaged attributes ADMIN_EDIT; ops-center has the audience mapper).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hasAudienceMapper } from '../../src/keycloak/realm-bootstrap.js';
import { composeRealmImportJson } from '../../src/keycloak/realm-import.js';
import { KEYCLOAK_URL } from '../support/env.js';
import { ROOT } from '../support/deploy-script.js';
import { masterAdmin } from '../support/keycloak.js';
import { expectDoctorPasses } from '../support/scratch-realm.js';

const committed = readFileSync(`${ROOT}/deploy/keycloak/byok-realm.json`, 'utf8');

describe('the realm import', () => {
  test('the committed file is what the realm plan generates (node scripts/realm-json.mjs)', () => {
    expect(committed).toBe(composeRealmImportJson());
  });

  test('holds no secret: the client secret and the public URL are placeholders Keycloak fills in', () => {
    const realm = JSON.parse(committed) as { clients: { clientId: string; secret?: string }[]; users: unknown[] };
    expect(realm.clients.find((client) => client.clientId === 'byok-service')?.secret).toBe('${KEYCLOAK_CLIENT_SECRET}');
    expect(committed).not.toContain('dev-service-secret');
    expect(committed).not.toContain('dev-internal-secret');
    expect(committed).not.toMatch(/"credentials"|"password"/);
  });

  test('the real Keycloak imports it into a realm byok-vault is ready against', async () => {
    const realm = `import-${randomBytes(4).toString('hex')}`;
    const secret = randomBytes(18).toString('base64url');
    // What Keycloak's --import-realm does with ${...} placeholders from its environment.
    const json = committed
      .replaceAll('"realm": "byok"', `"realm": "${realm}"`)
      .replaceAll('${KEYCLOAK_CLIENT_SECRET}', secret)
      .replaceAll('${PUBLIC_URL}', 'http://127.0.0.1:8787');
    const kc = await masterAdmin('master');
    const created = await fetch(`${KEYCLOAK_URL}/admin/realms`, {
      method: 'POST',
      headers: { authorization: `Bearer ${kc.accessToken}`, 'content-type': 'application/json' },
      body: json,
    });
    expect(created.status).toBe(201);
    try {
      kc.setConfig({ realmName: realm });
      const profile = await kc.users.getProfile({ realm });
      expect(profile.unmanagedAttributePolicy).toBe('ADMIN_EDIT');
      // The attributes spelled out in the import are Keycloak's own defaults (realm byok got them from Keycloak).
      const keycloakDefault = await kc.users.getProfile({ realm: 'byok' });
      expect(profile.attributes?.map((attribute) => attribute.name)).toEqual(keycloakDefault.attributes?.map((attribute) => attribute.name));
      expect(profile.attributes).toEqual(keycloakDefault.attributes);
      const [ui] = await kc.clients.find({ clientId: 'ops-center' });
      expect(ui?.publicClient).toBe(true);
      expect(ui?.attributes?.['pkce.code.challenge.method']).toBe('S256');
      expect(ui?.directAccessGrantsEnabled).toBe(false);
      // ops-center's tokens carry the service's audience, as after `byok bootstrap-realm`.
      expect(hasAudienceMapper(await kc.clients.listProtocolMappers({ id: ui?.id as string }), 'byok-service')).toBe(true);
      expect((await kc.roles.find()).map((role) => role.name)).toEqual(expect.arrayContaining(['byok-internal', 'byok-admin']));

      await expectDoctorPasses({ KEYCLOAK_URL, KEYCLOAK_REALM: realm, ENCRYPTION_KEYS: `1:${Buffer.alloc(32, 3).toString('base64')}` }, secret);
    } finally {
      await (await masterAdmin('master')).realms.del({ realm });
    }
  });
});
