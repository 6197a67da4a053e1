/**
 * Stops and resumes the test Keycloak (the process group scripts/keycloak.sh started) with
 * SIGSTOP/SIGCONT: a stopped Keycloak answers nothing, exactly like a hung or partitioned server,
 * and resumes with its data intact, so outage tests need no realm rebuild.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const PID_FILE = process.env.BYOK_TEST_KEYCLOAK_PID_FILE ?? new URL('../../.data/keycloak/test/keycloak.pid', import.meta.url).pathname;

function groupId(): number {
  const pid = Number(readFileSync(PID_FILE, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`no Keycloak pid in ${PID_FILE}: start it with scripts/keycloak.sh start test`);
  return pid;
}

export function stopKeycloak(): void {
  process.kill(-groupId(), 'SIGSTOP');
}

export function resumeKeycloak(): void {
  process.kill(-groupId(), 'SIGCONT');
}

/**
 * scripts/keycloak.sh `action` `instance` (start, stop, reset) for suites with a Keycloak of their own
 * (faults, import); `env` is added to the test's environment (the import instance reads
 * KEYCLOAK_CLIENT_SECRET and PUBLIC_URL for the realm file's placeholders). Rejects when it fails.
 */
export async function keycloakScript(action: 'start' | 'stop' | 'reset', instance: 'faults' | 'import', env: Record<string, string> = {}): Promise<void> {
  const root = new URL('../../', import.meta.url).pathname;
  await promisify(execFile)(`${root}scripts/keycloak.sh`, [action, instance], { cwd: root, env: { ...process.env, ...env }, timeout: 420_000 });
}
