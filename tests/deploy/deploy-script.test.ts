/**
 * deploy.sh (docs/operations.md) in plain-process mode against the real test Keycloak: --dry-run names every
 * problem on a line of its own and starts nothing; a deploy builds a release and gets ready; a release
 * whose code is broken (it crashes, or it never gets ready) is rolled back and the previous release
 * keeps serving users; `rollback` and `stop` do what they say.
 *
 * The broken releases are made by DEPLOY_BUILD_CMD: a build that produces a dist/main.js that fails.
 * deploy.sh's own logic is the same as for a good build.
 */
import { existsSync, lstatSync, readFileSync, readlinkSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deploymentFactory, linesNaming, prebuilt, ROOT, runDeploy } from '../support/deploy-script.js';
import { createTestUser, userToken } from '../support/keycloak.js';
import { testApiKey } from '../support/secrets.js';

/** Builds, starts and waits for Keycloak checks: minutes on a busy 2-core machine. */
const SLOW = 300_000;

const deployments = deploymentFactory();
afterAll(() => deployments.removeAll());
const deployment = deployments.create;

const readyStatus = async (url: string) => {
  try {
    return (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) })).status;
  } catch {
    return 'unreachable';
  }
};
const link = (deployDir: string, name: string) => readlinkSync(join(deployDir, name)).replace(/^releases\//, '');
const releases = (deployDir: string) => readdirSync(join(deployDir, 'releases')).sort();

beforeAll(() => {
  if (!existsSync(`${ROOT}/dist/main.js`)) throw new Error('dist/ is missing: run npm run build (scripts/test.sh does)');
});

describe('deploy.sh --dry-run', () => {
  test('names every missing or malformed variable, one line each, in one run, and starts nothing', async () => {
    const d = await deployment({ KEYCLOAK_URL: 'keycloak.example.com', PORT: 'eighty', LOG_LEVEL: 'loud', DEPLOY_READY_TIMEOUT: 'soon', DEPLOY_MODE: 'process' });
    // Missing: the env file's values are the only source, so drop the two required ones from it.
    const file = join(d.dir, 'deploy.env');
    writeFileSync(file, readFileSync(file, 'utf8').split('\n').filter((line) => !/^(ENCRYPTION_KEYS|KEYCLOAK_CLIENT_SECRET)=/.test(line)).join('\n'));
    const run = await d.run(['--dry-run']);
    expect(run.code).toBe(1);
    const report = run.stdout;
    for (const variable of ['ENCRYPTION_KEYS', 'KEYCLOAK_CLIENT_SECRET', 'KEYCLOAK_URL', 'PORT', 'LOG_LEVEL', 'DEPLOY_READY_TIMEOUT']) {
      const lines = linesNaming(report, variable);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^FAIL /);
    }
    expect(linesNaming(report, 'ENCRYPTION_KEYS')[0]).toMatch(/required/);
    expect(linesNaming(report, 'KEYCLOAK_CLIENT_SECRET')[0]).toMatch(/required/);
    expect(run.stderr).toContain('dry run: the checks above failed');
    expect(existsSync(d.deployDir)).toBe(false);
  }, SLOW);

  test('names a malformed ENCRYPTION_KEYS and a bad KEYCLOAK_REALM with what each expects', async () => {
    const d = await deployment({ ENCRYPTION_KEYS: '1:c2hvcnQ=', KEYCLOAK_REALM: 'byok realm', DEPLOY_KEEP_RELEASES: '1' });
    const run = await d.run(['--dry-run']);
    expect(run.code).toBe(1);
    expect(linesNaming(run.stdout, 'ENCRYPTION_KEYS')).toEqual([expect.stringMatching(/^FAIL .*needs exactly 32/)]);
    expect(linesNaming(run.stdout, 'KEYCLOAK_REALM')).toEqual([expect.stringMatching(/^FAIL .*realm name/)]);
    expect(linesNaming(run.stdout, 'DEPLOY_KEEP_RELEASES')).toEqual([expect.stringMatching(/^FAIL /)]);
  }, SLOW);

  test('with a wrong client secret the configuration passes but the service token check fails, without the secret', async () => {
    const wrong = 'wrong-secret-0b6f1e2d';
    const d = await deployment({ KEYCLOAK_CLIENT_SECRET: wrong });
    const run = await d.run(['--dry-run']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^ok {4}config/m);
    expect(run.stdout).toMatch(/^FAIL {2}service_token/m);
    expect(`${run.stdout}${run.stderr}`).not.toContain(wrong);
  }, SLOW);

  test('with a good environment every check passes and nothing is built or started', async () => {
    const d = await deployment();
    const run = await d.run(['--dry-run']);
    expect(run.stderr).toContain('dry run: all checks passed');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ok {4}user_profile/m);
    expect(run.stdout).toMatch(/^ok {4}read_users/m);
    expect(existsSync(d.deployDir)).toBe(false);
    expect(await readyStatus(d.url)).toBe('unreachable');
  }, SLOW);
});

describe('deploy.sh in plain-process mode', () => {
  test('a deploy gets ready; broken releases are rolled back and the previous one keeps serving; rollback and stop work', async () => {
    const d = await deployment();
    try {
      // 1. A real build (tsc + vite into the release) gets ready.
      const first = await d.run([]);
      expect(first.stderr).toContain('deployed release');
      expect(first.code).toBe(0);
      expect(await readyStatus(d.url)).toBe(200);
      const firstRelease = link(d.deployDir, 'current');
      expect(existsSync(join(d.deployDir, 'releases', firstRelease, 'dist/ui/index.html'))).toBe(true);
      // The first deploy has no previous release: no `previous` link (not one to a release that does not exist).
      expect(() => lstatSync(join(d.deployDir, 'previous'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
      const status = await d.run(['status']);
      expect(status.code).toBe(0);
      expect(status.stdout).toContain(`current:     ${firstRelease}`);
      expect(status.stdout).toMatch(/^previous: *$/m);
      expect(status.stdout).toMatch(/ready: +yes/);

      // A user stores a key through the deployed service.
      const user = await createTestUser({ tier: 'starter' });
      const token = await userToken(user);
      const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const added = await fetch(`${d.url}/api/v1/byok/keys/add`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ provider: 'openai', apiKey: testApiKey('openai'), label: 'deployed' }),
      });
      expect(added.status).toBe(201);
      const keyId = ((await added.json()) as { id: string }).id;

      // 2. A release that crashes at start: exit 2, the first release serves again.
      const crash = await d.run([], d.brokenBuild('crashing-main', "throw new Error('this release is broken on purpose');\n"));
      expect(crash.code).toBe(2);
      expect(crash.stderr).toContain('the service exited during start-up');
      expect(crash.stderr).toContain(`rolled back: release ${firstRelease} serves again`);
      expect(await readyStatus(d.url)).toBe(200);
      expect(link(d.deployDir, 'current')).toBe(firstRelease);
      const listed = await fetch(`${d.url}/api/v1/byok/keys`, { headers: auth });
      expect(listed.status).toBe(200);
      expect(JSON.stringify(await listed.json())).toContain(keyId);

      // 3. A release that runs but never gets ready: rolled back after DEPLOY_READY_TIMEOUT.
      const neverReady = d.brokenBuild(
        'never-ready-main',
        "import { createServer } from 'node:http';\n" +
          "createServer((req, res) => { res.statusCode = 503; res.end('{\"status\":\"not ready\"}'); }).listen(Number(process.env.PORT), process.env.HOST);\n",
      );
      const stuck = await d.run([], { ...neverReady, DEPLOY_READY_TIMEOUT: '5' });
      expect(stuck.code).toBe(2);
      expect(stuck.stderr).toContain('not ready within 5s');
      expect(await readyStatus(d.url)).toBe(200);
      expect(link(d.deployDir, 'current')).toBe(firstRelease);
      expect(releases(d.deployDir).filter((name) => name.endsWith('.failed'))).toHaveLength(2);

      // 4. A good second release, then `rollback` goes back to the first.
      const second = await d.run([], prebuilt);
      expect(second.code).toBe(0);
      const secondRelease = link(d.deployDir, 'current');
      expect(secondRelease).not.toBe(firstRelease);
      expect(link(d.deployDir, 'previous')).toBe(firstRelease);
      const back = await d.run(['rollback']);
      expect(back.code).toBe(0);
      expect(link(d.deployDir, 'current')).toBe(firstRelease);
      expect(link(d.deployDir, 'previous')).toBe(secondRelease);
      expect(await readyStatus(d.url)).toBe(200);

      // 5. stop.
      const stop = await d.run(['stop']);
      expect(stop.code).toBe(0);
      expect(await readyStatus(d.url)).toBe('unreachable');
      const stopped = await d.run(['status']);
      expect(stopped.code).toBe(1);
      expect(stopped.stdout).toMatch(/running: +no/);
    } finally {
      await d.run(['stop']);
    }
  }, SLOW);

  test('the service worker gets ENCRYPTION_KEYS but not the master-admin credentials or the legacy key of the env file; the supervisor gets only PATH and HOME', async () => {
    const d = await deployment({ KEYCLOAK_ADMIN_USERNAME: 'admin', KEYCLOAK_ADMIN_PASSWORD: 'deploy-test-admin-password', KEYCLOAK_ADMIN_REALM: 'master', LEGACY_ENCRYPTION_KEY: Buffer.alloc(32, 4).toString('base64url') });
    try {
      const run = await d.run([], prebuilt);
      expect(run.code).toBe(0);
      const environ = (pid: string) =>
        readFileSync(`/proc/${pid}/environ`, 'utf8')
          .split('\0')
          .filter((entry) => entry !== '')
          .map((entry) => entry.split('=')[0]);
      const worker = /worker pid (\d+)/.exec((await d.run(['status'])).stdout)?.[1];
      expect(worker).toBeDefined();
      const names = environ(worker as string);
      expect(names).toEqual(expect.arrayContaining(['ENCRYPTION_KEYS', 'KEYCLOAK_CLIENT_SECRET', 'KEYCLOAK_URL', 'PATH']));
      for (const operatorOnly of ['KEYCLOAK_ADMIN_PASSWORD', 'KEYCLOAK_ADMIN_USERNAME', 'KEYCLOAK_ADMIN_REALM', 'LEGACY_ENCRYPTION_KEY', 'DEPLOY_DIR']) {
        expect(names).not.toContain(operatorOnly);
      }
      // The supervisor outlives releases and holds no secret: each switch hands the environment to the new worker.
      const supervisor = readFileSync(join(d.deployDir, 'byok-vault.pid'), 'utf8').trim();
      expect(environ(supervisor).sort()).toEqual(['HOME', 'PATH']);
    } finally {
      await d.run(['stop']);
    }
  }, SLOW);

  test('a wrong master key (right version, other bytes) is refused before anything stops, naming the version; the running release keeps serving', async () => {
    const d = await deployment();
    try {
      const first = await d.run([], prebuilt);
      expect(first.code).toBe(0);
      const pid = readFileSync(join(d.deployDir, 'byok-vault.pid'), 'utf8').trim();
      const wrongBytes = Buffer.alloc(32, 8).toString('base64');
      const wrong = await d.run([], { ...prebuilt, ENCRYPTION_KEYS: `1:${wrongBytes}` });
      expect(wrong.code).toBe(1);
      expect(wrong.stdout).toMatch(/^FAIL +kek_check +.*KEK version 1\b/m);
      expect(wrong.stderr).toContain('nothing was stopped or changed');
      expect(`${wrong.stdout}${wrong.stderr}`).not.toContain(wrongBytes);
      expect(readFileSync(join(d.deployDir, 'byok-vault.pid'), 'utf8').trim()).toBe(pid);
      expect(await readyStatus(d.url)).toBe(200);
      const dryRun = await d.run(['--dry-run'], { ENCRYPTION_KEYS: `1:${wrongBytes}` });
      expect(dryRun.code).toBe(1);
      expect(dryRun.stdout).toMatch(/^FAIL +kek_check +.*KEK version 1\b/m);
    } finally {
      await d.run(['stop']);
    }
  }, SLOW);

  test('a failing build changes nothing and exits 1', async () => {
    const d = await deployment();
    const run = await d.run([], { DEPLOY_BUILD_CMD: 'echo "build broke" >&2; exit 3' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the build failed; nothing was stopped or changed');
    expect(existsSync(join(d.deployDir, 'current'))).toBe(false);
    expect(releases(d.deployDir)).toEqual([]);
  }, SLOW);

  test('--help prints the comment block of deploy.sh and no line of the script itself', async () => {
    const help = await runDeploy(['--help']);
    expect(help.code).toBe(0);
    const comment = readFileSync(`${ROOT}/deploy.sh`, 'utf8').split('\n').slice(1);
    const expected = comment.slice(0, comment.findIndex((line) => !line.startsWith('#'))).map((line) => line.replace(/^# ?/, ''));
    expect(help.stdout.trimEnd().split('\n')).toEqual(expected);
    expect(help.stdout).toContain('Exit codes:');
    expect(help.stdout).not.toMatch(/set -euo pipefail|source /);
  }, SLOW);

  test('usage errors exit 64', async () => {
    const run = await runDeploy(['--bogus']);
    expect(run.code).toBe(64);
    expect(run.stderr).toContain('unknown argument --bogus');
  }, SLOW);
});
