/**
 * The supervisor of plain-process deployments (deploy.sh, docs/operations.md#deploying). It guards
 * one promise: switching releases (a deploy, a rollback) refuses no connection and fails no request.
 *
 * It runs the service as node:cluster workers, started from the release directory. The port belongs
 * to the cluster, not to a worker: it stays open while at least one worker listens on it, and any
 * worker listening accepts. A switch starts a worker of the new release next to the serving one; that
 * worker listens only once the checks `/readyz` runs pass in it (Keycloak, the service token, the user
 * profile policy, the KEK check) and then says `serving` (src/deploy/cluster-worker.ts). Only then are
 * the old workers told to drain: they stop accepting, answer what reaches them with
 * `Connection: close` and exit once their connections are gone (src/http/drain.ts); a worker still
 * there after the stop timeout is killed. A new worker that exits, or is not ready in time, is stopped,
 * and the old ones never noticed. A serving worker that dies on its own is started again (1 s, 2 s, …
 * up to 30 s apart while it keeps failing).
 *
 * Control: HTTP on a Unix socket, DEPLOY_DIR/supervisor.sock (mode 0600): `GET /status`, and
 * `POST /switch` with the release directory and the service's environment, answered with one JSON
 * line per step and the result last. The same file is its client (`switch`, `status`), so deploy.sh
 * needs nothing else. Releases outside DEPLOY_DIR/releases are refused.
 *
 * Self-contained on purpose (node: modules only): deploy.sh copies this file out of the release that
 * starts the supervisor (DEPLOY_DIR/supervisor.mjs), so pruning old releases never removes the code of
 * the running supervisor or of its client, and the supervisor does not change with every release.
 * If it is killed, Node's cluster ends its workers at once; it does little so that it does not die.
 */
import cluster, { type Worker } from 'node:cluster';
import { chmodSync, existsSync, realpathSync, unlinkSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Changes when the control requests or the worker messages change; `status` says which one runs. */
export const PROTOCOL = 1;

/** Worker → supervisor. */
export type WorkerMessage = { byok: 'not-ready'; reason: string } | { byok: 'serving' };
/** Supervisor → worker. */
export type SupervisorMessage = { byok: 'drain' };

export interface SwitchRequest {
  /** A directory under DEPLOY_DIR/releases with dist/main.js. */
  release: string;
  /** The service's environment (deploy.sh has removed what the service must not get). */
  env: Record<string, string>;
  readyTimeoutMs: number;
  stopTimeoutMs: number;
}

export type SwitchOutcome = 'switched' | 'exited' | 'not_ready' | 'refused';

export interface SwitchResult {
  outcome: SwitchOutcome;
  message: string;
  release?: string;
  pid?: number;
  /** From the new worker's start to its `serving`. */
  readyMs?: number;
  /** From telling the old workers to drain until the last one exited. */
  drainMs?: number;
  /** How many workers were drained (0 when nothing served before). */
  drained?: number;
}

type WorkerState = 'starting' | 'serving' | 'draining' | 'stopping';

export interface SupervisorStatus {
  protocol: number;
  pid: number;
  /** The release the supervisor keeps serving (and starts again after a crash). */
  release: string | undefined;
  switching: boolean;
  restartInMs: number | undefined;
  workers: Array<{ pid: number | undefined; release: string; state: WorkerState; since: string }>;
}

/** Client exit codes (deploy.sh maps them). */
export const EXIT = { switched: 0, notServing: 1, exited: 10, not_ready: 11, refused: 12, unreachable: 13, usage: 64 } as const;

interface Exit {
  code: number | null;
  signal: string | null;
}

interface Member {
  worker: Worker;
  release: string;
  state: WorkerState;
  /** A restart after a crash (waits for readiness without a deadline) or a switch's candidate. */
  purpose: 'switch' | 'restart';
  startedAt: number;
  since: number;
  servingAt: number | undefined;
  lastReason: string | undefined;
  exit: Exit | undefined;
  /** true once the worker says `serving`; false when it exits first. */
  serving: Promise<boolean>;
  exited: Promise<Exit>;
}

const RESTART_MAX_MS = 30_000;
/** A worker that served this long before dying was fine: the restart delay starts again at 1 s. */
const RESTART_RESET_MS = 60_000;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const describeExit = (exit: Exit | undefined) => (exit?.signal ? `signal ${exit.signal}` : `exit code ${exit?.code ?? '?'}`);

/** A delay that can be cancelled, so a settled race leaves no timer behind. */
function timer(ms: number): { done: Promise<'timeout'>; cancel: () => void } {
  let handle: NodeJS.Timeout | undefined;
  const done = new Promise<'timeout'>((resolve) => (handle = setTimeout(() => resolve('timeout'), ms)));
  return { done, cancel: () => clearTimeout(handle) };
}

export function createSupervisor(options: { releasesDir: string; log: (line: string) => void; now?: () => number }) {
  const now = options.now ?? Date.now;
  const log = options.log;
  const releasesDir = realpathSync(options.releasesDir);
  const members = new Map<number, Member>();
  let active: { release: string; env: Record<string, string> } | undefined;
  let switching = false;
  let stopping = false;
  let restart: { handle: NodeJS.Timeout; at: number } | undefined;
  let restartFailures = 0;

  const name = (member: Member) => `worker pid ${member.worker.process.pid} (release ${basename(member.release)})`;
  const live = () => [...members.values()].some((member) => member.state === 'serving' || member.state === 'starting');

  /** The release directory `path` names, when it is one of ours and has a build; throws otherwise. */
  function releaseDir(path: string): string {
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      throw new Error(`release ${path} does not exist`);
    }
    if (dirname(real) !== releasesDir) throw new Error(`${path} is not a release directory under ${releasesDir}`);
    if (!existsSync(join(real, 'dist', 'main.js'))) throw new Error(`release ${basename(real)} has no dist/main.js`);
    return real;
  }

  function spawn(release: string, env: Record<string, string>, purpose: Member['purpose']): Member {
    cluster.setupPrimary({ exec: join(release, 'dist', 'main.js'), args: [], silent: false });
    const worker = cluster.fork(env);
    let settleServing: (serving: boolean) => void = () => undefined;
    let settleExit: (exit: Exit) => void = () => undefined;
    const member: Member = {
      worker,
      release,
      state: 'starting',
      purpose,
      startedAt: now(),
      since: now(),
      servingAt: undefined,
      lastReason: undefined,
      exit: undefined,
      serving: new Promise((resolve) => (settleServing = resolve)),
      exited: new Promise((resolve) => (settleExit = resolve)),
    };
    members.set(worker.id, member);
    worker.on('message', (message: WorkerMessage | undefined) => {
      if (message?.byok === 'not-ready' && typeof message.reason === 'string') {
        member.lastReason = message.reason.slice(0, 500);
        log(`${name(member)} not ready yet: ${member.lastReason}`);
      } else if (message?.byok === 'serving' && member.state === 'starting') {
        member.state = 'serving';
        member.servingAt = member.since = now();
        log(`${name(member)} serves (ready after ${seconds(member.servingAt - member.startedAt)})`);
        settleServing(true);
      }
    });
    // A send to a worker that just died; its exit is handled below.
    worker.on('error', (error: Error) => log(`${name(member)}: ${error.message}`));
    worker.on('exit', (code: number | null, signal: string | null) => {
      members.delete(worker.id);
      const unexpected = member.state === 'serving' || (member.state === 'starting' && member.purpose === 'restart');
      member.exit = { code, signal };
      log(`${name(member)} exited (${describeExit(member.exit)})${unexpected && !stopping ? ' on its own' : ''}`);
      settleServing(false);
      settleExit(member.exit);
      if (member.servingAt !== undefined && now() - member.servingAt >= RESTART_RESET_MS) restartFailures = 0;
      if (unexpected) restartIfNothingServes();
    });
    return member;
  }

  /** After a crash (or a failed switch with nothing left): start the active release again, later. */
  function restartIfNothingServes(): void {
    if (stopping || switching || restart || !active || live()) return;
    const delay = Math.min(RESTART_MAX_MS, 1000 * 2 ** restartFailures);
    log(`no worker serves; starting release ${basename(active.release)} again in ${seconds(delay)}`);
    restart = {
      at: now() + delay,
      handle: setTimeout(() => {
        restart = undefined;
        if (stopping || switching || !active || live()) return;
        restartFailures += 1;
        spawn(active.release, active.env, 'restart');
      }, delay),
    };
  }

  /** Stops `member`: a serving worker drains, any other gets SIGTERM; SIGKILL after `timeoutMs`. */
  async function retire(member: Member, timeoutMs: number): Promise<void> {
    if (member.exit) return;
    if (member.state === 'serving') {
      member.state = 'draining';
      member.worker.send({ byok: 'drain' } satisfies SupervisorMessage);
    } else {
      member.state = 'stopping';
      member.worker.process.kill('SIGTERM');
    }
    member.since = now();
    const deadline = timer(timeoutMs);
    const outcome = await Promise.race([member.exited, deadline.done]);
    deadline.cancel();
    if (outcome === 'timeout') {
      log(`${name(member)} did not stop within ${seconds(timeoutMs)}; killing it`);
      member.worker.process.kill('SIGKILL');
      await member.exited;
    }
  }

  async function switchTo(request: SwitchRequest, progress: (line: string) => void): Promise<SwitchResult> {
    if (stopping) return { outcome: 'refused', message: 'the supervisor is stopping' };
    if (switching) return { outcome: 'refused', message: 'another switch is running' };
    let release: string;
    try {
      release = releaseDir(request.release);
    } catch (error) {
      return { outcome: 'refused', message: (error as Error).message };
    }
    const id = basename(release);
    const say = (line: string) => {
      log(line);
      progress(line);
    };
    switching = true;
    try {
      if (restart) {
        clearTimeout(restart.handle);
        restart = undefined;
      }
      const candidate = spawn(release, request.env, 'switch');
      const pid = candidate.worker.process.pid;
      say(`started a worker of release ${id} (pid ${pid}); it takes connections once ready`);
      const deadline = timer(request.readyTimeoutMs);
      const ready = await Promise.race([candidate.serving, deadline.done]);
      deadline.cancel();
      if (ready === false) {
        return { outcome: 'exited', release: id, message: `the worker of release ${id} exited during start-up (${describeExit(candidate.exit)})` };
      }
      if (ready === 'timeout') {
        await retire(candidate, request.stopTimeoutMs);
        const last = candidate.lastReason
          ? `its last readiness report: ${candidate.lastReason}`
          : 'it reported no readiness at all (a build that does not speak the supervisor hand-shake?)';
        return { outcome: 'not_ready', release: id, message: `not ready within ${request.readyTimeoutMs / 1000}s (DEPLOY_READY_TIMEOUT); ${last}` };
      }
      active = { release, env: request.env };
      restartFailures = 0;
      const readyMs = (candidate.servingAt ?? now()) - candidate.startedAt;
      const old = [...members.values()].filter((member) => member !== candidate);
      say(`release ${id} serves (worker pid ${pid}, ready after ${seconds(readyMs)})${old.length ? `; draining ${old.map(name).join(', ')}` : ''}`);
      const drainStarted = now();
      await Promise.all(old.map((member) => retire(member, request.stopTimeoutMs)));
      const drainMs = now() - drainStarted;
      if (old.length) say(`the old worker${old.length > 1 ? 's' : ''} drained and exited after ${seconds(drainMs)}`);
      return { outcome: 'switched', release: id, pid, readyMs, drainMs, drained: old.length, message: `release ${id} serves` };
    } finally {
      switching = false;
      restartIfNothingServes();
    }
  }

  async function stop(timeoutMs: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    if (restart) clearTimeout(restart.handle);
    log('stopping every worker (SIGTERM: requests in flight are answered, usage is flushed)');
    await Promise.all(
      [...members.values()].map((member) => {
        if (member.state !== 'draining') member.state = 'stopping';
        return retire(member, timeoutMs);
      }),
    );
  }

  /** SIGHUP (the audit log was rotated) to the workers that installed their handlers. */
  function forward(signal: NodeJS.Signals): void {
    for (const member of members.values()) if (member.state === 'serving' || member.state === 'draining') member.worker.process.kill(signal);
  }

  function status(): SupervisorStatus {
    return {
      protocol: PROTOCOL,
      pid: process.pid,
      release: active && basename(active.release),
      switching,
      restartInMs: restart && Math.max(0, restart.at - now()),
      workers: [...members.values()].map((member) => ({
        pid: member.worker.process.pid,
        release: basename(member.release),
        state: member.state,
        since: new Date(member.since).toISOString(),
      })),
    };
  }

  return { switchTo, stop, forward, status };
}

export type Supervisor = ReturnType<typeof createSupervisor>;

// ---------------------------------------------------------------------------------------------
// The control socket

const MAX_BODY_BYTES = 1 << 20;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy(new Error('request too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const isMs = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 3_600_000;

/** The body of `POST /switch`; throws naming what is wrong. */
export function parseSwitchRequest(text: string): SwitchRequest {
  const body = JSON.parse(text) as Partial<Record<keyof SwitchRequest, unknown>>;
  if (typeof body.release !== 'string' || body.release === '') throw new Error('release must be a directory');
  if (!body.env || typeof body.env !== 'object' || Object.values(body.env).some((value) => typeof value !== 'string')) {
    throw new Error('env must map names to strings');
  }
  if (!isMs(body.readyTimeoutMs) || !isMs(body.stopTimeoutMs)) throw new Error('readyTimeoutMs and stopTimeoutMs must be whole milliseconds up to an hour');
  return { release: body.release, env: body.env as Record<string, string>, readyTimeoutMs: body.readyTimeoutMs, stopTimeoutMs: body.stopTimeoutMs };
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
}

export function controlListener(supervisor: Supervisor, log: (line: string) => void) {
  return (req: IncomingMessage, res: ServerResponse) => {
    // A client gone mid-switch: the switch goes on; what it would have been told is in the log.
    res.on('error', () => undefined);
    if (req.method === 'GET' && req.url === '/status') return answer(res, 200, supervisor.status());
    if (req.method === 'POST' && req.url === '/switch') {
      void readBody(req)
        .then(parseSwitchRequest)
        .then(
          async (body) => {
            res.writeHead(200, { 'content-type': 'application/x-ndjson' });
            const line = (value: unknown) => {
              if (!res.destroyed && !res.writableEnded) res.write(`${JSON.stringify(value)}\n`);
            };
            const result = await supervisor.switchTo(body, (progress) => line({ progress }));
            line({ result });
            res.end();
          },
          (error: Error) => answer(res, 400, { error: error.message }),
        )
        .catch((error: Error) => {
          log(`switch failed: ${error.stack ?? error.message}`);
          if (!res.headersSent) answer(res, 500, { error: error.message });
          else res.end();
        });
      return;
    }
    answer(res, 404, { error: 'GET /status or POST /switch' });
  };
}

// ---------------------------------------------------------------------------------------------
// Command line: `run` (the supervisor), `switch` and `status` (its client)

/** Unix sockets have a path limit of about 107 bytes. */
const SOCKET_PATH_MAX = 100;

function flags(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i] ?? '';
    const value = argv[i + 1];
    if (!flag.startsWith('--') || value === undefined) throw new Error(`unexpected argument ${flag}`);
    out[flag.slice(2)] = value;
  }
  return out;
}

const socketOf = (dir: string) => join(dir, 'supervisor.sock');

function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function run(options: Record<string, string>): Promise<void> {
  const dir = options.dir;
  const stopTimeoutMs = Number(options['stop-timeout'] ?? '30') * 1000;
  if (!dir || !isMs(stopTimeoutMs)) throw new Error('usage: supervisor run --dir DEPLOY_DIR [--stop-timeout SECONDS]');
  const socketPath = socketOf(dir);
  if (socketPath.length > SOCKET_PATH_MAX) throw new Error(`the control socket path ${socketPath} is longer than ${SOCKET_PATH_MAX} bytes: use a shorter DEPLOY_DIR`);
  if (existsSync(socketPath)) {
    if (await socketAnswers(socketPath)) throw new Error(`a supervisor already answers at ${socketPath}`);
    unlinkSync(socketPath); // left by one that was killed
  }
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} supervisor: ${line}\n`);
  // Workers accept on the shared listening socket themselves (no hand-off of every connection
  // through this process); frozen at the first fork.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  const supervisor = createSupervisor({ releasesDir: join(dir, 'releases'), log });
  const control = createServer(controlListener(supervisor, log));
  // Its death would end every worker at once (Node's cluster): a bug is logged, not fatal.
  process.on('uncaughtException', (error) => log(`unexpected error: ${error.stack ?? error.message}`));
  process.on('unhandledRejection', (reason) => log(`unexpected error: ${String((reason as Error)?.stack ?? reason)}`));
  process.umask(0o077);
  await new Promise<void>((resolve, reject) => {
    control.once('error', reject);
    control.listen(socketPath, resolve);
  });
  chmodSync(socketPath, 0o600);
  log(`pid ${process.pid} ready; control socket ${socketPath}`);

  const shutdown = () => {
    void supervisor.stop(stopTimeoutMs).then(() => {
      control.close();
      try {
        unlinkSync(socketPath);
      } catch {
        // already gone
      }
      log('stopped');
      process.exit(0);
    });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  process.on('SIGHUP', () => supervisor.forward('SIGHUP'));
}

/** One control request; `onLine` gets each line of the answer. Rejects when nothing answers. */
function ask(dir: string, method: string, path: string, body: string | undefined, onLine: (line: string) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socketOf(dir), method, path, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        pending += chunk;
        let end: number;
        while ((end = pending.indexOf('\n')) >= 0) {
          onLine(pending.slice(0, end));
          pending = pending.slice(end + 1);
        }
      });
      res.on('end', () => {
        if (pending) onLine(pending);
        resolve(res.statusCode ?? 0);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function clientSwitch(options: Record<string, string>): Promise<number> {
  const { dir, release } = options;
  if (!dir || !release) throw new Error('usage: supervisor switch --dir DEPLOY_DIR --release DIR [--ready-timeout S] [--stop-timeout S]');
  // This process was given the service's environment (deploy.sh), and passes it on as it is.
  const env = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const body = JSON.stringify({
    release,
    env,
    readyTimeoutMs: Number(options['ready-timeout'] ?? '60') * 1000,
    stopTimeoutMs: Number(options['stop-timeout'] ?? '30') * 1000,
  } satisfies SwitchRequest);
  let result: SwitchResult | undefined;
  let refusal: string | undefined;
  const status = await ask(dir, 'POST', '/switch', body, (line) => {
    const parsed = JSON.parse(line) as { progress?: string; result?: SwitchResult; error?: string };
    if (parsed.progress) process.stderr.write(`==> ${parsed.progress}\n`);
    if (parsed.result) result = parsed.result;
    if (parsed.error) refusal = parsed.error;
  });
  if (!result) {
    process.stderr.write(`${refusal ?? `the supervisor gave no result (HTTP ${status}); see its log`}\n`);
    return status === 400 ? EXIT.refused : EXIT.unreachable;
  }
  if (result.outcome !== 'switched') process.stderr.write(`${result.message}\n`);
  // For deploy.sh and the performance notes: how long the switch took.
  else process.stdout.write(`ready_ms=${result.readyMs ?? ''} drain_ms=${result.drainMs ?? ''} drained=${result.drained ?? ''} pid=${result.pid ?? ''}\n`);
  return EXIT[result.outcome];
}

async function clientStatus(options: Record<string, string>): Promise<number> {
  if (!options.dir) throw new Error('usage: supervisor status --dir DEPLOY_DIR');
  let text = '';
  await ask(options.dir, 'GET', '/status', undefined, (line) => (text += line));
  const status = JSON.parse(text) as SupervisorStatus;
  const lines = [`supervisor pid ${status.pid} (protocol ${status.protocol}), release ${status.release ?? 'none'}${status.switching ? ', switching' : ''}`];
  for (const worker of status.workers) lines.push(`worker pid ${worker.pid}: release ${worker.release}, ${worker.state} since ${worker.since}`);
  if (status.restartInMs !== undefined) lines.push(`restart: release ${status.release} in ${seconds(status.restartInMs)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return status.workers.some((worker) => worker.state === 'serving') ? EXIT.switched : EXIT.notServing;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  try {
    const options = flags(rest);
    if (command === 'run') return await run(options);
    if (command === 'switch' || command === 'status') {
      const code = await (command === 'switch' ? clientSwitch(options) : clientStatus(options)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') {
          process.stderr.write(`no supervisor answers at ${socketOf(options.dir ?? '')}\n`);
          return EXIT.unreachable;
        }
        throw error;
      });
      process.exit(code);
    }
    process.stderr.write('usage: supervisor run|switch|status --dir DEPLOY_DIR …\n');
    process.exit(EXIT.usage);
  } catch (error) {
    process.stderr.write(`supervisor: ${(error as Error).message}\n`);
    process.exit(command === 'run' ? 1 : EXIT.usage);
  }
}

/** Run as a program (node supervisor.mjs …), not imported; paths compared after resolving links. */
function isEntryPoint(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}
if (isEntryPoint()) void main(process.argv.slice(2));
