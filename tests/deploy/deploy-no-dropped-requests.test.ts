/**
 * A plain-process deploy and a rollback drop no request (docs/operations.md#deploying): loops of
 * resolves and of `/readyz` + `/api` reads, over keep-alive connections and over a new connection for
 * every request, run without pause while `deploy.sh` switches to a second release and while
 * `deploy.sh rollback` switches back, against the real test Keycloak. Every request must be answered
 * 200 with what it asked for: a refused connection, a reset, a hang-up or a 5xx is a failure.
 *
 * It also proves the switch happened under the loops' feet: the process that answers changes (the
 * worker's pid, read from `deploy.sh status`), and each switch had requests in flight.
 */
import { existsSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent as UndiciAgent, fetch as undiciFetch } from 'undici';
import { deploymentFactory, prebuilt, ROOT } from '../support/deploy-script.js';
import { INTERNAL_CLIENT } from '../support/env.js';
import { clientToken, createTestUser, userToken } from '../support/keycloak.js';
import { testApiKey } from '../support/secrets.js';

const SLOW = 400_000;

const deployments = deploymentFactory();
afterAll(() => deployments.removeAll());

interface Answer {
  status: number;
  body: string;
}

/** One request with node:http: `agent` false means a new connection (and `Connection: close`). */
function call(url: string, options: { method?: string; headers?: Record<string, string>; body?: string; agent: HttpAgent | false }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers, agent: options.agent, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end(options.body);
  });
}

interface Outcome {
  loop: string;
  start: number;
  end: number;
  failure?: string;
}

/** Runs `once` back to back until `stop` is set; every attempt is an outcome, failures included. */
async function loop(name: string, outcomes: Outcome[], stop: { now: boolean }, once: () => Promise<string | undefined>, pauseMs = () => 0) {
  while (!stop.now) {
    const pause = pauseMs();
    if (pause > 0) await sleep(pause);
    const start = Date.now();
    let failure: string | undefined;
    try {
      failure = await once();
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      failure = `${(error as { code?: string }).code ?? cause?.code ?? ''} ${(error as Error).message}`.trim();
    }
    outcomes.push({ loop: name, start, end: Date.now(), ...(failure === undefined ? {} : { failure }) });
    // A refused connection fails in microseconds: pause so failures count time down, not spin speed.
    if (failure !== undefined) await sleep(20);
  }
}

const expect200 = (answer: Answer, mustContain: string): string | undefined =>
  answer.status === 200 && answer.body.includes(mustContain) ? undefined : `HTTP ${answer.status} ${answer.body.slice(0, 160)}`;

const workerPid = (status: string) => /worker pid (\d+)/.exec(status)?.[1];

beforeAll(() => {
  if (!existsSync(`${ROOT}/dist/main.js`)) throw new Error('dist/ is missing: run npm run build (scripts/test.sh does)');
});

test('loops of resolves and reads, keep-alive and not, see no failed request across a deploy and a rollback', async () => {
  const d = await deployments.create({ RATE_LIMIT_INTERNAL_PER_SECOND: '0', LOG_LEVEL: 'warn' });
  const agents: Array<{ destroy(): unknown }> = [];
  try {
    const first = await d.run([], prebuilt);
    expect(first.stderr).toContain('deployed release');
    expect(first.code).toBe(0);

    // A user with a key, stored through the deployed service; an internal service's token.
    const user = await createTestUser({ tier: 'starter' });
    const token = await userToken(user);
    const added = await fetch(`${d.url}/api/v1/byok/keys/add`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'openai', apiKey: testApiKey('openai'), label: 'under load' }),
    });
    expect(added.status).toBe(201);
    const keyId = ((await added.json()) as { id: string }).id;
    const internal = await clientToken(INTERNAL_CLIENT);
    const resolveBody = JSON.stringify({ userId: user.id, provider: 'openai', allowSystemFallback: false });
    const resolveHeaders = { authorization: `Bearer ${internal}`, 'content-type': 'application/json' };
    const keepAlive = () => {
      const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
      agents.push(agent);
      return agent;
    };
    const pool = new UndiciAgent({ connections: 2 });
    agents.push(pool);

    const outcomes: Outcome[] = [];
    const stop = { now: false };
    const resolveWith = (agent: HttpAgent | false) => async () =>
      expect200(await call(`${d.url}/api/v1/internal/resolve`, { method: 'POST', headers: resolveHeaders, body: resolveBody, agent }), keyId);
    const readsWith = (agent: HttpAgent | false) => async () =>
      expect200(await call(`${d.url}/readyz`, { agent }), '"ready"') ??
      expect200(await call(`${d.url}/api/v1/byok/keys`, { headers: { authorization: `Bearer ${token}` }, agent }), keyId);
    const loops = [
      loop('resolve, keep-alive (node:http)', outcomes, stop, resolveWith(keepAlive())),
      loop('resolve, keep-alive (node:http), second', outcomes, stop, resolveWith(keepAlive())),
      loop('resolve, a new connection each', outcomes, stop, resolveWith(false)),
      loop('resolve, keep-alive (undici pool)', outcomes, stop, async () => {
        const response = await undiciFetch(`${d.url}/api/v1/internal/resolve`, { method: 'POST', headers: resolveHeaders, body: resolveBody, dispatcher: pool });
        return expect200({ status: response.status, body: await response.text() }, keyId);
      }),
      loop('/readyz + /api, keep-alive', outcomes, stop, readsWith(keepAlive())),
      loop('/readyz + /api, a new connection each', outcomes, stop, readsWith(false)),
      // Connections left idle for a while, so that some are idle when their worker starts draining and
      // carry their next request after that (the request must not meet a reset).
      ...[1, 2, 3].map((n) =>
        loop(`resolve, keep-alive, idle up to 3 s in between (${n})`, outcomes, stop, resolveWith(keepAlive()), () => Math.floor(Math.random() * 3000)),
      ),
    ];

    const window = async (args: string[], env: Record<string, string>) => {
      const start = Date.now();
      const run = await d.run(args, env);
      return { run, start, end: Date.now() };
    };
    await sleep(1000);
    const before = workerPid((await d.run(['status'])).stdout);
    const deploy = await window([], prebuilt);
    const afterDeploy = workerPid((await d.run(['status'])).stdout);
    await sleep(1000);
    const rollback = await window(['rollback'], {});
    const afterRollback = workerPid((await d.run(['status'])).stdout);
    await sleep(1000);
    stop.now = true;
    await Promise.all(loops);

    const failures = outcomes.filter((outcome) => outcome.failure !== undefined);
    const during = (w: { start: number; end: number }) => outcomes.filter((o) => o.end >= w.start && o.start <= w.end).length;
    const summary = {
      requests: outcomes.length,
      failures: failures.length,
      duringDeploy: during(deploy),
      duringRollback: during(rollback),
      deployScriptMs: { deploy: deploy.end - deploy.start, rollback: rollback.end - rollback.start },
      byLoop: Object.fromEntries([...new Set(outcomes.map((o) => o.loop))].map((name) => [name, outcomes.filter((o) => o.loop === name).length])),
      switchLines: [...deploy.run.stderr.split('\n'), ...rollback.run.stderr.split('\n')].filter((line) => /switch|drain|ready after|serving/i.test(line)),
      failuresByKind: failures.reduce<Record<string, number>>((kinds, { failure }) => {
        const kind = /^(HTTP \d+|[A-Z_]+)/.exec(failure ?? '')?.[1] ?? 'other';
        return { ...kinds, [kind]: (kinds[kind] ?? 0) + 1 };
      }, {}),
      firstFailures: failures.slice(0, 10),
    };
    process.stdout.write(`deploy under load: ${JSON.stringify(summary, null, 2)}\n`);

    expect(deploy.run.code).toBe(0);
    expect(rollback.run.code).toBe(0);
    // The release that answers changed twice while the loops ran.
    expect(before).toBeDefined();
    expect(afterDeploy).toBeDefined();
    expect(afterDeploy).not.toBe(before);
    expect(afterRollback).not.toBe(afterDeploy);
    expect(summary.requests).toBeGreaterThanOrEqual(2000);
    expect(summary.duringDeploy).toBeGreaterThanOrEqual(200);
    expect(summary.duringRollback).toBeGreaterThanOrEqual(200);
    // Every loop started must have run (a loop with no request at all would not be in byLoop).
    expect(Object.keys(summary.byLoop)).toHaveLength(loops.length);
    for (const [name, count] of Object.entries(summary.byLoop)) expect(count).toBeGreaterThanOrEqual(name.includes('idle') ? 5 : 50);
    expect(failures).toEqual([]);
  } finally {
    for (const agent of agents) agent.destroy();
    await d.run(['stop']);
  }
}, SLOW);
