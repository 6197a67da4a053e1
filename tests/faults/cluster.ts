/**
 * What the fault-injection suite works with: three service processes sharing a redis-server of the
 * suite's own and the "faults" Keycloak, requests spread over them in turn, the truth read straight
 * from Keycloak's admin API, and the table of what each scenario showed.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fromAttributeValues } from '../../src/keycloak/attribute-codec.js';
import { masterAdmin } from '../support/keycloak.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';

const ROOT = new URL('../../', import.meta.url).pathname;

export interface Reply {
  status: number;
  /** Status, and the error code when there is one: what a failure list shows. */
  outcome: string;
  retryAfter: string | null;
  body: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface Cluster {
  redis: TestRedis;
  instances: ServiceProcess[];
  /** One request to instance `index` (modulo the number of instances). */
  call(index: number, method: string, path: string, token: string, body?: unknown): Promise<Reply>;
  /** The same, on the next instance in turn (round-robin over all three). */
  next(method: string, path: string, token: string, body?: unknown): Promise<Reply>;
  stop(): Promise<void>;
}

export async function startCluster(size: number, overrides: Record<string, string> = {}): Promise<Cluster> {
  const redis = await startTestRedis();
  // A prefix of this run's own: a Redis key or channel of another run can never meet ours.
  const prefix = `faults-${process.pid}-${randomBytes(3).toString('hex')}:`;
  const instances: ServiceProcess[] = [];
  try {
    for (let i = 0; i < size; i += 1) {
      instances.push(await startServiceProcess(`faults-${i + 1}`, { REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, ...overrides }));
    }
  } catch (error) {
    await Promise.all(instances.map((s) => s.stop()));
    await redis.stop();
    throw error;
  }
  let turn = 0;
  const call = async (index: number, method: string, path: string, token: string, body?: unknown): Promise<Reply> => {
    const target = instances[index % instances.length] as ServiceProcess;
    const response = await fetch(`${target.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as Record<string, any>) : {}; // eslint-disable-line @typescript-eslint/no-explicit-any
    const code = parsed.error?.code as string | undefined;
    return { status: response.status, outcome: code ? `${response.status} ${code}` : String(response.status), retryAfter: response.headers.get('retry-after'), body: parsed };
  };
  return {
    redis,
    instances,
    call,
    next: (method, path, token, body) => call(turn++, method, path, token, body),
    async stop() {
      await Promise.all(instances.map((s) => s.stop()));
      await redis.stop();
    },
  };
}

/** Whether every instance says (on /readyz) that it has Redis. */
export async function redisUpEverywhere(cluster: Cluster): Promise<boolean> {
  const states = await Promise.all(
    cluster.instances.map(async (s) => {
      const body = (await (await fetch(`${s.url}/readyz`)).json()) as { checks?: Array<{ name: string; ok: boolean }> };
      return body.checks?.find((c) => c.name === 'redis')?.ok === true;
    }),
  );
  return states.every(Boolean);
}

/** The key ids stored for `userId` and `provider`, read straight from Keycloak (not through the service). */
export async function storedKeyIds(userId: string, provider: string): Promise<string[]> {
  const user = await (await masterAdmin()).users.findOne({ id: userId });
  const read = fromAttributeValues(user?.attributes?.[`byok_${provider}_keys`] ?? []);
  if (read.problems.length > 0) throw new Error(`unreadable stored keys for ${provider}: ${JSON.stringify(read.problems)}`);
  return [...new Set(read.envelopes.map((e) => e.keyId))];
}

/** Every byok_* attribute of a user as Keycloak holds it (values sorted: Keycloak keeps no order). */
export async function storedByokAttributes(userId: string): Promise<Record<string, string[]>> {
  const user = await (await masterAdmin()).users.findOne({ id: userId });
  return Object.fromEntries(
    Object.entries(user?.attributes ?? {})
      .filter(([name]) => name.startsWith('byok_'))
      .map(([name, values]) => [name, [...(values as string[])].sort()]),
  );
}

/** Acknowledged key ids (201) that Keycloak does not hold. */
export async function lostKeys(userId: string, acknowledged: ReadonlyArray<{ provider: string; id: string }>): Promise<string[]> {
  const byProvider = new Map<string, Set<string>>();
  for (const { provider } of acknowledged) {
    if (!byProvider.has(provider)) byProvider.set(provider, new Set(await storedKeyIds(userId, provider)));
  }
  return acknowledged.filter(({ provider, id }) => !byProvider.get(provider)?.has(id)).map(({ id }) => id);
}

/**
 * `work` over and over, `concurrency` at a time with `pauseMs` between one worker's calls, until the
 * returned stop() is awaited. The pause keeps the load steady without starving a Keycloak that is
 * starting on the same two cores.
 */
export function loop<R>(concurrency: number, pauseMs: number, work: (index: number) => Promise<R>): { results: R[]; stop(): Promise<R[]> } {
  const results: R[] = [];
  let running = true;
  let next = 0;
  const workers = Array.from({ length: concurrency }, async () => {
    while (running) {
      results.push(await work(next++));
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  });
  return {
    results,
    async stop() {
      running = false;
      await Promise.all(workers);
      return results;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The table.

export interface ScenarioRow {
  scenario: string;
  requests: number;
  failures: number;
  keysLost: number;
  result: 'PASS' | 'FAIL';
  /** What the scenario measured beyond the counts (served counts, times). */
  notes: string;
}

export function renderTable(rows: readonly ScenarioRow[]): string {
  const cells = [['scenario', 'requests', 'failures', 'keys lost', 'result', 'notes'], ...rows.map((r) => [r.scenario, r.requests, r.failures, r.keysLost, r.result, r.notes].map(String))];
  const widths = (cells[0] as string[]).map((_, c) => Math.max(...cells.map((row) => (row[c] as string).length)));
  const line = (row: string[]) => row.map((cell, c) => (c >= 1 && c <= 3 ? cell.padStart(widths[c] as number) : cell.padEnd(widths[c] as number))).join(' | ').trimEnd();
  return [line(cells[0] as string[]), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.slice(1).map(line)].join('\n');
}

export function writeReport(rows: readonly ScenarioRow[], extra: Record<string, unknown>): string {
  const dir = `${ROOT}.data/faults`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/latest.json`, `${JSON.stringify({ finishedAt: new Date().toISOString(), ...extra, scenarios: rows }, null, 2)}\n`);
  return `${dir}/latest.json`;
}
