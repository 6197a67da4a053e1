/**
 * A realm of its own for tests whose commands walk a whole realm (rewrap, migrate-legacy, stats):
 * the shared test realm holds every other suite's users, some under other KEKs or deliberately
 * broken, and a realm-wide rewrite there would disturb suites running beside it.
 */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { applyRealmPlan, realmPlan } from '../../src/keycloak/realm-bootstrap.js';
import { KEYCLOAK_URL, SERVICE_CLIENT, serviceEnv } from './env.js';
import { masterAdmin } from './keycloak.js';

/** Creates realm `<prefix>-<random>` with the development data (docs/development.md) and returns its name. */
export async function createScratchRealm(prefix: string): Promise<string> {
  const realm = `${prefix}-${randomBytes(4).toString('hex')}`;
  await applyRealmPlan(
    await masterAdmin('master'),
    realmPlan({ realm, dev: true, serviceClientId: SERVICE_CLIENT.clientId, serviceClientSecret: SERVICE_CLIENT.secret, uiOrigins: ['http://127.0.0.1:8787'] }),
  );
  return realm;
}

export async function deleteScratchRealm(realm: string): Promise<void> {
  await (await masterAdmin('master')).realms.del({ realm });
}

/** The service's environment pointed at a scratch realm. */
export function realmEnv(realm: string, overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return serviceEnv({ KEYCLOAK_REALM: realm, ...overrides });
}

export const CLI_ENTRY = new URL('../../dist/cli/main.js', import.meta.url).pathname;

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * The built `byok` command (dist/, made by scripts/test.sh) as a real process. `onStdout` sees the
 * output as it arrives and may kill the process.
 */
export function runByok(args: string[], env: Record<string, string | undefined>, onStdout?: (text: string, kill: () => void) => void): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], { env: { PATH: process.env.PATH, KEYCLOAK_URL, ...env } as NodeJS.ProcessEnv });
  const run: CliRun = { code: null, signal: null, stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => {
    run.stdout += chunk.toString();
    onStdout?.(run.stdout, () => child.kill('SIGKILL'));
  });
  child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ ...run, code, signal }));
  });
}

/** Runs `byok doctor` with `env` and expects its Keycloak checks to pass, with `secret` nowhere in its output. */
export async function expectDoctorPasses(env: Record<string, string | undefined>, secret: string): Promise<void> {
  const doctor = await runByok(['doctor'], { KEYCLOAK_CLIENT_ID: 'byok-service', KEYCLOAK_CLIENT_SECRET: secret, ...env });
  expect(doctor.stdout).toMatch(/^ok {4}service_token/m);
  expect(doctor.stdout).toMatch(/^ok {4}read_users/m);
  expect(doctor.stdout).toMatch(/^ok {4}user_profile/m);
  expect(doctor.stdout).toMatch(/^ok {4}admin_events/m);
  expect(doctor.code).toBe(0);
  expect(`${doctor.stdout}${doctor.stderr}`).not.toContain(secret);
}

/** Runs `work` over `items` with at most `limit` at once (fixtures on a 2-core machine). */
export async function inBatches<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index] as T, index);
      }
    }),
  );
  return results;
}
