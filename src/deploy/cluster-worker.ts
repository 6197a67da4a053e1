/**
 * The service's side of the supervisor's hand-shake (src/deploy/supervisor.ts), used when it runs as
 * a node:cluster worker of a plain-process deployment. It guards the order of a release switch:
 * - the worker takes no connection before it is ready: it listens on the shared port only after the
 *   checks `/readyz` runs (Keycloak under the pinned issuer, the service token, the user profile
 *   policy, the KEK check; src/keycloak/readiness.ts) pass in this very process, and then says
 *   `serving`, after which the supervisor lets the old workers go;
 * - while it waits, it tells the supervisor each new reason it is not ready (deploy.sh shows the last
 *   one when the wait times out);
 * - `drain` from the supervisor stops it the way that fails no request (src/http/drain.ts).
 */
import cluster from 'node:cluster';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReadinessReport } from '../keycloak/readiness.js';
import type { SupervisorMessage, WorkerMessage } from './supervisor.js';

/** Whether this process is a worker of the supervisor (a cluster worker with an IPC channel). */
export function isClusterWorker(): boolean {
  return cluster.isWorker && typeof process.send === 'function';
}

export function tellSupervisor(message: WorkerMessage): void {
  process.send?.(message);
}

/** Calls `handler` when the supervisor asks this worker to drain (a newer release serves). */
export function onDrainRequest(handler: () => void): void {
  process.on('message', (message: SupervisorMessage | undefined) => {
    if (message?.byok === 'drain') handler();
  });
}

/**
 * Resolves once `check` reports ready; checks every `intervalMs` (each check calls Keycloak) and
 * passes each new reason for not being ready to `notReady`. A check that throws counts as not ready.
 * No deadline of its own: the supervisor stops a worker that takes too long (DEPLOY_READY_TIMEOUT).
 */
export async function untilReady(
  check: () => Promise<ReadinessReport>,
  options: { intervalMs: number; notReady: (reason: string) => void; wait?: (ms: number) => Promise<unknown> },
): Promise<void> {
  const wait = options.wait ?? sleep;
  let lastReason: string | undefined;
  for (;;) {
    let reason: string;
    try {
      const report = await check();
      if (report.ready) return;
      reason = report.reason ?? 'not ready';
    } catch (error) {
      reason = `readiness check failed: ${(error as Error).message}`;
    }
    if (reason !== lastReason) options.notReady(reason);
    lastReason = reason;
    await wait(options.intervalMs);
  }
}
