/**
 * The supervisor (src/deploy/supervisor.ts) on its own, with small stand-in releases that speak its
 * hand-shake through the real worker modules (dist/deploy/cluster-worker.js, dist/http/drain.js), so
 * each rule is shown quickly and without Keycloak:
 * - a switch keeps the port answering: requests on keep-alive and on new connections all succeed, and
 *   after it only the new release answers;
 * - a new worker that exits, or never gets ready, is given up (with the reason it last reported) and
 *   the serving one is untouched;
 * - a serving worker that dies is started again;
 * - the control socket is its owner's only, refuses releases outside DEPLOY_DIR/releases, and SIGTERM
 *   stops the workers and the supervisor.
 * deploy.sh with the real service: deploy-script.test.ts and deploy-no-dropped-requests.test.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from '../support/deploy-script.js';
import { freePort, until } from '../support/wait.js';

const SUPERVISOR = `${ROOT}/dist/deploy/supervisor.js`;

/** A stand-in service: reports "warming up", gets ready after `readyAfterMs`, answers its release name. */
const goodMain = (readyAfterMs: number) => `
import { createServer } from 'node:http';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onDrainRequest, tellSupervisor, untilReady } from '${ROOT}/dist/deploy/cluster-worker.js';
import { drainServer } from '${ROOT}/dist/http/drain.js';
const release = basename(dirname(dirname(fileURLToPath(import.meta.url))));
const readyAt = Date.now() + ${readyAfterMs};
await untilReady(async () => (Date.now() >= readyAt ? { ready: true, checks: [] } : { ready: false, reason: 'warming up', checks: [] }), {
  intervalMs: 50,
  notReady: (reason) => tellSupervisor({ byok: 'not-ready', reason }),
});
const server = createServer((req, res) => setTimeout(() => res.end(release), 2));
server.listen(Number(process.env.PORT), '127.0.0.1', () => tellSupervisor({ byok: 'serving' }));
onDrainRequest(() => drainServer(server, () => process.exit(0)));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
`;

const neverReadyMain = `
import { tellSupervisor } from '${ROOT}/dist/deploy/cluster-worker.js';
tellSupervisor({ byok: 'not-ready', reason: 'Keycloak unreachable at http://keycloak.invalid' });
setInterval(() => undefined, 1000);
`;

const crashingMain = `throw new Error('this release is broken on purpose');\n`;

let dir: string;
let port: number;
let supervisor: ChildProcess | undefined;
let log = '';

function release(name: string, main: string): string {
  const path = join(dir, 'releases', name);
  mkdirSync(join(path, 'dist'), { recursive: true });
  writeFileSync(join(path, 'dist', 'main.js'), main);
  writeFileSync(join(path, 'package.json'), '{"type":"module"}\n');
  return path;
}

function node(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SUPERVISOR, ...args, '--dir', dir], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const switchTo = (path: string, readyTimeout = 20) =>
  node(['switch', '--release', path, '--ready-timeout', String(readyTimeout), '--stop-timeout', '5'], { PORT: String(port) });
const status = () => node(['status']);
const workers = (text: string) => [...text.matchAll(/worker pid (\d+): release (\S+), (\w+)/g)].map((m) => ({ pid: Number(m[1]), release: m[2], state: m[3] }));

function get(agent: Agent | false): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Keep-alive and new-connection loops until `stop()`; resolves with answers by release and failures. */
function load() {
  let running = true;
  const answers: Record<string, number> = {};
  const failures: string[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  const one = async (a: Agent | false) => {
    while (running) {
      try {
        const body = await get(a);
        answers[body] = (answers[body] ?? 0) + 1;
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
  };
  const loops = [one(agent), one(agent), one(false)];
  return {
    answers,
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return { answers, failures };
    },
  };
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'byok-supervisor-'));
  mkdirSync(join(dir, 'releases'));
  port = await freePort();
  log = '';
  supervisor = spawn(process.execPath, [SUPERVISOR, 'run', '--dir', dir, '--stop-timeout', '5'], { env: { PATH: process.env.PATH ?? '' } });
  supervisor.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  supervisor.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  await until(() => existsSync(join(dir, 'supervisor.sock')), 'the control socket');
});

afterEach(async () => {
  if (supervisor && supervisor.exitCode === null) {
    supervisor.kill('SIGTERM');
    await new Promise((resolve) => supervisor?.once('exit', resolve));
  }
  rmSync(dir, { recursive: true, force: true });
});

test('a switch keeps the port answering: no failed request, and afterwards only the new release answers', async () => {
  expect((await switchTo(release('a', goodMain(200)))).code).toBe(0);
  const traffic = load();
  await until(() => (traffic.answers.a ?? 0) > 50, 'answers from a');
  const switched = await switchTo(release('b', goodMain(500)));
  expect(switched.stderr).toMatch(/release b serves \(worker pid \d+, ready after/);
  expect(switched.stdout).toMatch(/^ready_ms=\d+ drain_ms=\d+ drained=1 pid=\d+$/m);
  expect(switched.code).toBe(0);
  const before = (traffic.answers.b ?? 0) + 50;
  await until(() => (traffic.answers.b ?? 0) > before, 'answers from b');
  const { answers, failures } = await traffic.stop();
  expect(failures).toEqual([]);
  expect(answers.a).toBeGreaterThan(0);
  expect(workers((await status()).stdout)).toEqual([expect.objectContaining({ release: 'b', state: 'serving' })]);
  // What the worker reported while it got ready is in the supervisor's log.
  expect(log).toMatch(/release b\) not ready yet: warming up/);
  // After the switch only b answers: the next requests on fresh connections.
  expect(await get(false)).toBe('b');
}, 60_000);

test('a new worker that exits, or is not ready in time, is given up and the serving one is untouched', async () => {
  expect((await switchTo(release('a', goodMain(0)))).code).toBe(0);
  const traffic = load();
  const crashed = await switchTo(release('crash', crashingMain));
  expect(crashed.code).toBe(10);
  expect(crashed.stderr).toMatch(/the worker of release crash exited during start-up \(exit code 1\)/);
  const stuck = await switchTo(release('never', neverReadyMain), 2);
  expect(stuck.code).toBe(11);
  expect(stuck.stderr).toContain('not ready within 2s (DEPLOY_READY_TIMEOUT); its last readiness report: Keycloak unreachable at http://keycloak.invalid');
  const { answers, failures } = await traffic.stop();
  expect(failures).toEqual([]);
  expect(Object.keys(answers)).toEqual(['a']);
  expect(workers((await status()).stdout)).toEqual([expect.objectContaining({ release: 'a', state: 'serving' })]);
}, 60_000);

test('a serving worker that dies is started again', async () => {
  expect((await switchTo(release('a', goodMain(0)))).code).toBe(0);
  const [first] = workers((await status()).stdout);
  process.kill(first?.pid as number, 'SIGKILL');
  await until(async () => workers((await status()).stdout).some((w) => w.state === 'serving' && w.pid !== first?.pid), 'a new serving worker', 15_000);
  expect(log).toMatch(/exited \(signal SIGKILL\) on its own/);
  expect(await get(false)).toBe('a');
}, 60_000);

test('the control socket is its owner only, refuses releases elsewhere, and SIGTERM stops everything', async () => {
  expect(statSync(join(dir, 'supervisor.sock')).mode & 0o777).toBe(0o600);
  const outside = mkdtempSync(join(tmpdir(), 'byok-elsewhere-'));
  mkdirSync(join(outside, 'dist'));
  writeFileSync(join(outside, 'dist', 'main.js'), crashingMain);
  const refused = await switchTo(outside);
  rmSync(outside, { recursive: true, force: true });
  expect(refused.code).toBe(12);
  expect(refused.stderr).toContain('is not a release directory under');

  expect((await switchTo(release('a', goodMain(0)))).code).toBe(0);
  const [worker] = workers((await status()).stdout);
  supervisor?.kill('SIGTERM');
  await new Promise((resolve) => supervisor?.once('exit', resolve));
  await sleep(100);
  expect(() => process.kill(worker?.pid as number, 0)).toThrow();
  expect(existsSync(join(dir, 'supervisor.sock'))).toBe(false);
  expect((await status()).code).toBe(13);
}, 60_000);
