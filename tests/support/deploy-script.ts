/**
 * deploy.sh as a real process: each run gets only PATH and HOME from the test's environment plus what
 * the test gives, so a developer's .env or a Docker engine on the machine cannot change the outcome.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
