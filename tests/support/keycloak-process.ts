/**
 * Stops and resumes the test Keycloak (the process group scripts/keycloak.sh started) with
 * SIGSTOP/SIGCONT: a stopped Keycloak answers nothing, exactly like a hung or partitioned server,
 * and resumes with its data intact, so outage tests need no realm rebuild.
 */
import { readFileSync } from 'node:fs';

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
