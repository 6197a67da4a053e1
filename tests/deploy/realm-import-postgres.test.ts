/**
 * The realm import as docker-compose.keycloak.yml runs it, for real: Keycloak on PostgreSQL (the
 * machine's, a database of the test's own) started with --import-realm and
 * deploy/keycloak/byok-realm.json in its import folder, with KEYCLOAK_CLIENT_SECRET and PUBLIC_URL in
 * its environment (scripts/keycloak.sh instance "import", ports 28480/29480). It shows that Keycloak
 * fills the file's placeholders (the service gets a token with the secret it was given), that the
 * realm lives in PostgreSQL, and that byok-vault is ready against it (byok doctor passes).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { keycloakScript } from '../support/keycloak-process.js';
import { expectDoctorPasses } from '../support/scratch-realm.js';

const HTTP_PORT = process.env.KC_IMPORT_HTTP_PORT ?? '28480';
const URL_ = `http://127.0.0.1:${HTTP_PORT}`;
const DATABASE = process.env.KC_IMPORT_DB_NAME ?? 'byok_keycloak_import';
const SECRET = randomBytes(18).toString('base64url');
const PUBLIC_URL = 'http://127.0.0.1:8799';

function sql(query: string): string {
  const run = spawnSync('psql', ['-h', '127.0.0.1', '-U', process.env.KC_IMPORT_DB_USERNAME ?? 'postgres', '-d', DATABASE, '-Atc', query], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`psql failed: ${run.stderr}`);
  return run.stdout.trim();
}

async function adminToken(): Promise<string> {
  const response = await fetch(`${URL_}/realms/master/protocol/openid-connect/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: 'admin' }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

beforeAll(async () => {
  // reset: a new, empty database and no import done yet; start: the file is copied into data/import.
  await keycloakScript('reset', 'import');
  await keycloakScript('start', 'import', { KEYCLOAK_CLIENT_SECRET: SECRET, PUBLIC_URL });
}, 420_000);

afterAll(async () => {
  await keycloakScript('stop', 'import');
}, 60_000);

describe('Keycloak on PostgreSQL with --import-realm', () => {
  test('realm byok is imported into PostgreSQL with the attribute policy, the clients and the roles', async () => {
    expect(sql("SELECT name FROM realm WHERE name = 'byok'")).toBe('byok');
    const token = await adminToken();
    const get = async (path: string) => {
      const response = await fetch(`${URL_}/admin/realms/byok${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      return response.json() as Promise<any>;
    };
    expect((await get('/users/profile')).unmanagedAttributePolicy).toBe('ADMIN_EDIT');
    const [ui] = await get('/clients?clientId=ops-center');
    expect(ui.publicClient).toBe(true);
    expect(ui.attributes['pkce.code.challenge.method']).toBe('S256');
    // ${PUBLIC_URL} was filled in from Keycloak's environment.
    expect(ui.redirectUris).toEqual(expect.arrayContaining([`${PUBLIC_URL}/*`]));
    expect(JSON.stringify(ui)).not.toContain('${');
    const roles = (await get('/roles')).map((role: { name: string }) => role.name);
    expect(roles).toEqual(expect.arrayContaining(['byok-internal', 'byok-admin']));
  });

  test('the byok-service secret is the one in Keycloak\'s environment, and byok doctor passes against the realm', async () => {
    const grant = (secret: string) =>
      fetch(`${URL_}/realms/byok/protocol/openid-connect/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'byok-service', client_secret: secret }),
      });
    expect((await grant(SECRET)).status).toBe(200);
    expect((await grant('${KEYCLOAK_CLIENT_SECRET}')).status).toBe(401);

    await expectDoctorPasses({ KEYCLOAK_URL: URL_, KEYCLOAK_REALM: 'byok', ENCRYPTION_KEYS: `1:${Buffer.alloc(32, 5).toString('base64')}` }, SECRET);
  });
});
