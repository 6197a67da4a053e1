/**
 * deploy.sh as a real process: each run gets only PATH and HOME from the test's environment plus what
 * the test gives, so a developer's .env or a Docker engine on the machine cannot change the outcome.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEYCLOAK_URL, REALM, SERVICE_CLIENT, TEST_ENCRYPTION_KEYS } from './env.js';
import { LOG_DIR } from './secrets.js';
import { freePort } from './wait.js';

export const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
export const DEPLOY_SCRIPT = `${ROOT}/deploy.sh`;

export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runDeploy(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 240_000): Promise<ScriptRun> {
  const child = spawn('bash', [DEPLOY_SCRIPT, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } as NodeJS.ProcessEnv,
  });
  const run: ScriptRun = { code: null, stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (run.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ ...run, code });
    });
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes `variables` as a KEY=VALUE env file and returns its path. */
export function envFile(dir: string, variables: Record<string, string>): string {
  const path = join(dir, 'deploy.env');
  writeFileSync(path, `${Object.entries(variables).map(([key, value]) => `${key}=${value}`).join('\n')}\n`);
  return path;
}

/** Lines of `text` that name `variable` (deploy.sh reports one problem per line). */
export function linesNaming(text: string, variable: string): string[] {
  return text.split('\n').filter((line) => new RegExp(`\\b${variable}\\b`).test(line));
}

/** A build from the dist/ scripts/test.sh made: quicker than tsc + vite, same code. */
export const prebuilt = { DEPLOY_BUILD_CMD: 'cp -R dist "$DEPLOY_RELEASE_DIR/dist"' };

/** Deployments of a test file; `removeAll` (in afterAll) deletes their directories. */
export function deploymentFactory() {
  const dirs: string[] = [];
  /** A deployment of its own: temp DEPLOY_DIR, a free port, logs where the log scan reads them. */
  async function create(overrides: Record<string, string> = {}) {
    const dir = tempDir('byok-deploy-');
    dirs.push(dir);
    const port = await freePort();
    const variables: Record<string, string> = {
      KEYCLOAK_URL,
      KEYCLOAK_REALM: REALM,
      KEYCLOAK_CLIENT_ID: SERVICE_CLIENT.clientId,
      KEYCLOAK_CLIENT_SECRET: SERVICE_CLIENT.secret,
      ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      RATE_LIMIT_USER_PER_MINUTE: '0',
      AUDIT_LOG_FILE: `${LOG_DIR}/audit-${process.pid}-deploy-${port}.jsonl`,
      DEPLOY_MODE: 'process',
      DEPLOY_DIR: join(dir, 'deploy'),
      DEPLOY_LOG_FILE: `${LOG_DIR}/service-${process.pid}-deploy-${port}.log`,
      DEPLOY_READY_TIMEOUT: '60',
      ...overrides,
    };
    const file = envFile(dir, variables);
    const url = `http://127.0.0.1:${port}`;
    return {
      dir,
      url,
      port,
      deployDir: variables.DEPLOY_DIR as string,
      logFile: variables.DEPLOY_LOG_FILE as string,
      run: (args: string[], env: Record<string, string> = {}) => runDeploy(['--env-file', file, ...args], env),
      /** A build whose dist/main.js is `source` instead of the service. */
      brokenBuild(name: string, source: string): Record<string, string> {
        const main = join(dir, `${name}.js`);
        writeFileSync(main, source);
        return { DEPLOY_BUILD_CMD: `cp -R dist "$DEPLOY_RELEASE_DIR/dist" && cp "${main}" "$DEPLOY_RELEASE_DIR/dist/main.js"` };
      },
    };
  }
  return {
    create,
    removeAll: () => {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
