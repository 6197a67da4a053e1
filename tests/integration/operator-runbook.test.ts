/**
 * The operator's and the integrator's paths (docs/operations.md, docs/integrating.md), tried as a
 * newcomer would, against the real Keycloak: `byok create-internal-client` gives an internal service
 * a client whose token resolves keys; `bootstrap-realm` uses a supplied client secret and says where
 * an existing one is; `--env-file` reads .env as deploy.sh does, empty values meaning the default;
 * `npm run byok` on a checkout without dist/ builds first instead of failing with MODULE_NOT_FOUND.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createTestService } from '../support/app.js';
import { KEYCLOAK_URL, MASTER_ADMIN, REALM, serviceEnv } from '../support/env.js';
import { claimsOf, clientToken, masterAdmin } from '../support/keycloak.js';
import { keyedUser, resolver } from '../support/resolve.js';
import { runByok } from '../support/scratch-realm.js';

const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const adminEnv = { KEYCLOAK_URL, KEYCLOAK_REALM: REALM, KEYCLOAK_ADMIN_USERNAME: MASTER_ADMIN.username, KEYCLOAK_ADMIN_PASSWORD: MASTER_ADMIN.password };
const secretOf = (stdout: string, clientId: string) => new RegExp(`^secret +${clientId}: (\\S+) +\\(shown once`, 'm').exec(stdout)?.[1];

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'byok-runbook-'));
  dirs.push(dir);
  return dir;
};

describe('byok create-internal-client', () => {
  test('makes a client whose client-credentials token carries byok-internal and the audience, and resolves a user\'s key', async () => {
    const clientId = `svc-${randomBytes(4).toString('hex')}`;
    const created = await runByok(['create-internal-client', clientId], adminEnv);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const secret = secretOf(created.stdout, clientId);
    expect(secret).toMatch(/^\S{16,}$/);

    const token = await clientToken({ clientId, secret: secret as string });
    const claims = claimsOf(token);
    expect(claims.realm_access).toMatchObject({ roles: expect.arrayContaining(['byok-internal']) });
    expect([claims.aud].flat()).toContain('byok-service');

    const { app } = createTestService();
    const user = await keyedUser(app);
    const key = await user.addKey('openai');
    const answer = await resolver(app, token).resolve({ userId: user.id, provider: 'openai' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ source: 'user', keyId: key.id, apiKey: key.secret });
  });

  test('is idempotent: a second run keeps the secret, prints none and says where to read it', async () => {
    const clientId = `svc-${randomBytes(4).toString('hex')}`;
    const first = await runByok(['create-internal-client', clientId], adminEnv);
    const secret = secretOf(first.stdout, clientId) as string;
    const again = await runByok(['create-internal-client', clientId], adminEnv);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain(secret);
    expect(again.stdout).toContain(`secret    ${clientId}: exists; its secret is unchanged and not shown (admin console: Clients → ${clientId} → Credentials)`);
    expect(again.stdout).not.toMatch(/^created/m);
    await expect(clientToken({ clientId, secret })).resolves.toEqual(expect.any(String));
  });

  test('refuses a public client and a bad client id, changing nothing', async () => {
    const publicClient = await runByok(['create-internal-client', 'ops-center'], adminEnv);
    expect(publicClient.code).toBe(1);
    expect(publicClient.stderr).toContain('client ops-center exists but is a public client; left unchanged');
    const kc = await masterAdmin();
    const [ui] = await kc.clients.find({ clientId: 'ops-center' });
    expect(ui?.publicClient).toBe(true);

    const bad = await runByok(['create-internal-client', 'has space'], adminEnv);
    expect(bad.code).toBe(2);
    const missing = await runByok(['create-internal-client'], adminEnv);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('create-internal-client takes <clientId>');
  });
});

describe('byok bootstrap-realm and the service client secret', () => {
  test('creates byok-service with KEYCLOAK_CLIENT_SECRET; a later different secret is a warning naming where the real one is', async () => {
    const realm = `byok-secret-${randomBytes(4).toString('hex')}`;
    const supplied = `supplied-${randomBytes(12).toString('hex')}`;
    try {
      const first = await runByok(['bootstrap-realm'], { ...adminEnv, KEYCLOAK_REALM: realm, KEYCLOAK_CLIENT_SECRET: supplied });
      expect(first.code).toBe(0);
      expect(first.stdout).toContain('secret    byok-service: created with KEYCLOAK_CLIENT_SECRET');
      expect(first.stdout).not.toContain(supplied);
      await expect(clientToken({ clientId: 'byok-service', secret: supplied }, realm)).resolves.toEqual(expect.any(String));

      const same = await runByok(['bootstrap-realm'], { ...adminEnv, KEYCLOAK_REALM: realm, KEYCLOAK_CLIENT_SECRET: supplied });
      expect(same.stdout).toContain('secret    byok-service: exists with the secret of KEYCLOAK_CLIENT_SECRET');
      expect(same.stdout).not.toMatch(/^WARNING/m);

      const other = await runByok(['bootstrap-realm'], { ...adminEnv, KEYCLOAK_REALM: realm, KEYCLOAK_CLIENT_SECRET: 'another-secret-value' });
      expect(other.code).toBe(0);
      expect(other.stdout).toMatch(/^WARNING +client byok-service exists with another secret than KEYCLOAK_CLIENT_SECRET; left unchanged: .*Clients → byok-service → Credentials/m);
      expect(other.stdout).not.toContain('another-secret-value');
      await expect(clientToken({ clientId: 'byok-service', secret: supplied }, realm)).resolves.toEqual(expect.any(String));

      const none = await runByok(['bootstrap-realm'], { ...adminEnv, KEYCLOAK_REALM: realm });
      expect(none.stdout).toContain('secret    byok-service: exists; its secret is unchanged and not shown (admin console: Clients → byok-service → Credentials)');
    } finally {
      await (await masterAdmin('master')).realms.del({ realm });
    }
  });
});

describe('byok --env-file', () => {
  test('reads .env as deploy.sh does: quotes, comments, export; empty values are the defaults; the environment wins', async () => {
    const dir = tempDir();
    const env = serviceEnv();
    // .env.example as an operator copies it: every empty line of it stays empty.
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const filled = example
      .split('\n')
      .map((line) => {
        const name = /^([A-Z_][A-Z0-9_]*)=/.exec(line)?.[1];
        if (name === 'KEYCLOAK_URL' || name === 'KEYCLOAK_REALM' || name === 'ENCRYPTION_KEYS') return `${name}="${env[name]}"`;
        if (name === 'KEYCLOAK_CLIENT_SECRET') return `export ${name}='${env[name]}'`;
        return line;
      })
      .join('\n');
    const file = join(dir, '.env');
    writeFileSync(file, filled);
    const doctor = await runByok(['doctor', '--env-file', file], { KEYCLOAK_URL: undefined });
    expect(doctor.stdout).toMatch(/^ok +config/m);
    expect(doctor.stdout).toMatch(/^ok +service_token/m);
    expect(doctor.code).toBe(0);

    // A variable set in the environment wins over the file.
    const overridden = await runByok(['--env-file', file, 'doctor'], { KEYCLOAK_CLIENT_SECRET: 'not-the-secret' });
    expect(overridden.code).toBe(1);
    expect(overridden.stdout).toMatch(/^FAIL +service_token/m);
    expect(overridden.stdout).not.toContain('not-the-secret');
  });

  test('a missing file or a malformed line is a clear error naming the line, never its value', async () => {
    const dir = tempDir();
    const missing = await runByok(['doctor', '--env-file', join(dir, 'nope.env')], {});
    // Node 24 itself looks for a file named by --env-file anywhere on its command line and exits 9
    // ("node: <file>: not found") before the command runs; either way the file is named and nothing runs.
    expect(missing.code === 1 || missing.code === 9).toBe(true);
    expect(missing.stderr).toMatch(/cannot read env file .*nope\.env|nope\.env: not found/);
    const file = join(dir, 'bad.env');
    writeFileSync(file, 'KEYCLOAK_URL=http://127.0.0.1:8080\nthis is not=hunter2-secret\n');
    const bad = await runByok(['doctor', `--env-file=${file}`], {});
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${file}:2: not a KEY=VALUE line: this is not`);
    expect(bad.stderr).not.toContain('hunter2');
    const noValue = await runByok(['doctor', '--env-file'], {});
    expect(noValue.code).toBe(2);
  });
});

describe('npm run byok on a fresh clone', () => {
  test('builds the command when dist/ is missing or older than src/, instead of failing with MODULE_NOT_FOUND', () => {
    const clone = tempDir();
    for (const entry of ['src', 'scripts', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) cpSync(join(ROOT, entry), join(clone, entry), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'));
    // The clone shares this checkout's node_modules; its install stamp must match, or scripts/byok.sh
    // would run npm ci into it.
    const stamp = readFileSync(join(ROOT, 'node_modules/.byok-lock-sha256'), 'utf8').trim();
    const lockHash = spawnSync('sha256sum', [join(ROOT, 'package-lock.json')], { encoding: 'utf8' }).stdout.split(' ')[0];
    if (stamp !== lockHash) throw new Error('node_modules is not installed from package-lock.json: run scripts/test.sh (npm ci) first');
    const run = (args: string[]) => spawnSync('npm', ['run', '--silent', 'byok', '--', ...args], { cwd: clone, env: { PATH: process.env.PATH, HOME: process.env.HOME }, encoding: 'utf8', timeout: 240_000 });

    const fresh = run(['--help']);
    expect(fresh.stderr).not.toContain('MODULE_NOT_FOUND');
    expect(fresh.stderr).toContain('no build yet (fresh clone): compiling the byok command');
    expect(fresh.stdout).toContain('byok [--env-file FILE] <command> [options]');
    expect(fresh.status).toBe(0);
    expect(existsSync(join(clone, 'dist/cli/main.js'))).toBe(true);

    const warm = run(['--help']);
    expect(warm.stderr).not.toContain('compiling');
    expect(warm.status).toBe(0);

    const later = new Date(Date.now() + 5_000);
    utimesSync(join(clone, 'src/cli/main.ts'), later, later);
    const stale = run(['--help']);
    expect(stale.stderr).toContain('src/ changed since the last build: compiling the byok command');
    expect(stale.status).toBe(0);
  }, 300_000);
});
