/**
 * The built service (dist/main.js) as real processes, for suites that need several instances the
 * way they run in production: own ports, own memory, only Redis and Keycloak shared. Each process
 * logs (and writes its audit log) under .data/test-logs, where the log scan looks for secrets.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { serviceEnv } from './env.js';
import { freePort } from './wait.js';
import { LOG_DIR } from './secrets.js';

const ENTRY = new URL('../../dist/main.js', import.meta.url).pathname;

export interface ServiceProcess {
  name: string;
  url: string;
  /** SIGTERM (graceful: the final usage flush runs), SIGKILL after 15 s. */
  stop(): Promise<void>;
}

/** Starts `node dist/main.js` with the test realm's environment plus `overrides`; resolves once /healthz answers. */
export async function startServiceProcess(name: string, overrides: Record<string, string | undefined> = {}): Promise<ServiceProcess> {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run npm run build (scripts/test.sh and scripts/test-faults.sh do)`);
  mkdirSync(LOG_DIR, { recursive: true });
  const port = await freePort();
  const logFile = `${LOG_DIR}/service-${process.pid}-${name}.log`;
  const fd = openSync(logFile, 'a');
  const env = serviceEnv({
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'debug',
    AUDIT_LOG_FILE: `${LOG_DIR}/audit-${process.pid}-${name}.jsonl`,
    ...overrides,
  });
  const child: ChildProcess = spawn(process.execPath, [ENTRY], { env: { PATH: process.env.PATH, ...env } as NodeJS.ProcessEnv, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.once('exit', () => child.kill('SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`${name} exited during start-up (code ${child.exitCode}); see ${logFile}`);
    try {
      if ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (attempt > 300) throw new Error(`${name} did not answer /healthz within 30 s; see ${logFile}`);
    await sleep(100);
  }
  return {
    name,
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
