/**
 * Node processes of the project (the built service, dist/main.js, or a script) as real processes, for
 * suites that need several instances the way they run in production (own ports, own memory, only
 * Redis and Keycloak shared) and for the benchmark. Each process logs (and writes its audit log)
 * under .data/test-logs by default, where the log scan looks for secrets.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { serviceEnv } from './env.js';
import { freePort } from './wait.js';
import { LOG_DIR } from './secrets.js';

const ENTRY = new URL('../../dist/main.js', import.meta.url).pathname;

export interface ServiceProcess {
  name: string;
  url: string;
  port: number;
  pid: number;
  logFile: string;
  /** Whether the process has exited (crashed or stopped). */
  readonly exited: boolean;
  /** SIGTERM (graceful: the final usage flush runs), SIGKILL after 15 s. */
  stop(): Promise<void>;
}

export interface NodeProcessOptions {
  /** The whole environment besides PATH and PORT (nothing else is inherited). */
  env: Record<string, string | undefined>;
  /** Answers 2xx once the process is ready; `'/'` takes any HTTP answer (a server with no GET route). */
  readyPath?: string;
  readyTimeoutMs?: number;
  /** Where the process's stdout and stderr go (truncated); default .data/test-logs/service-<pid>-<name>.log. */
  logFile?: string;
  /** Node options placed before the script (e.g. --cpu-prof). */
  nodeArgs?: string[];
}

/** Starts `node <script>` on a free loopback port (PORT) and resolves once `readyPath` answers. */
export async function startNodeProcess(name: string, script: string, options: NodeProcessOptions): Promise<ServiceProcess> {
  if (!existsSync(script)) throw new Error(`${script} is missing: run npm run build (scripts/test.sh, scripts/test-faults.sh and scripts/bench.sh do)`);
  const logFile = options.logFile ?? `${LOG_DIR}/service-${process.pid}-${name}.log`;
  mkdirSync(dirname(logFile), { recursive: true });
  const port = await freePort();
  const fd = openSync(logFile, options.logFile === undefined ? 'a' : 'w');
  const env = { PATH: process.env.PATH, ...options.env, PORT: String(port) };
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), script], { env: env as NodeJS.ProcessEnv, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.once('exit', () => child.kill('SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  const readyPath = options.readyPath ?? '/healthz';
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  let last = 'no answer';
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited during start-up (code ${child.exitCode}); see ${logFile}`);
    try {
      const response = await fetch(`${url}${readyPath}`, { signal: AbortSignal.timeout(2000) });
      const text = await response.text();
      if (response.ok || readyPath === '/') break;
      last = `${response.status} ${text.slice(0, 300)}`;
    } catch (error) {
      last = (error as Error).message; // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} did not answer ${readyPath} in time (last: ${last}); see ${logFile}`);
    await sleep(100);
  }
  return {
    name,
    url,
    port,
    pid: child.pid as number,
    logFile,
    get exited() {
      return child.exitCode !== null || child.signalCode !== null;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Starts `node dist/main.js` with the test realm's environment (tests/support/env.ts) plus
 * `overrides` (an undefined value removes a variable); resolves once /healthz (or `options.readyPath`) answers.
 */
export async function startServiceProcess(
  name: string,
  overrides: Record<string, string | undefined> = {},
  options: Omit<NodeProcessOptions, 'env'> & { entry?: string } = {},
): Promise<ServiceProcess> {
  mkdirSync(LOG_DIR, { recursive: true });
  const env = serviceEnv({
    HOST: '127.0.0.1',
    LOG_LEVEL: 'debug',
    AUDIT_LOG_FILE: `${LOG_DIR}/audit-${process.pid}-${name}.jsonl`,
    ...overrides,
  });
  const { entry = ENTRY, ...rest } = options;
  return startNodeProcess(name, entry, { ...rest, env });
}
