/**
 * The figures of the realm-walk benchmark (tests/bench/walks.ts, `BENCH_ONLY=walks npm run bench`):
 * medians, the side-by-side table and the targets. Pure functions.
 */
import { round, table, type Target } from './report.js';

export type WalkScope = 'every-owner' | 'holders';

/** One measurement, repeated: a fresh process or instance each round. */
export interface WalkTiming {
  what: 'byok stats' | 'GET /admin/stats';
  scope: WalkScope;
  /** Wall milliseconds per round. */
  rounds: number[];
  medianMs: number;
  /** Owners the walk visited (from `byok stats --json`; the same walk serves both). */
  ownersVisited: number;
}

export interface WalkSize {
  /** Users imported with partialImport (the realm's development users come on top). */
  imported: number;
  /** Users in the realm, as Keycloak counts them. */
  realmUsers: number;
  holders: number;
  importMs: number;
  addKeysMs: number;
  /** `byok index-holders`, once, over the whole realm. */
  indexHoldersMs: number;
  timings: WalkTiming[];
}

export interface WalkResults {
  startedAt: string;
  finishedAt?: string;
  machine: { cpus: number; node: string; loadAverage: number[] };
  settings: { sizes: number[]; holders: number; rounds: number };
  /** `node dist/cli/main.js --help`: what any byok command costs before it does anything (ms per round). */
  cliStartMs: number[];
  sizes: WalkSize[];
  targets?: Target[];
}

/** At most this many milliseconds, cold, at the largest size, walking the holders (issue 15). */
export const WALK_TARGET_MS = 1000;

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median needs at least one value');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
}

export function timing(what: WalkTiming['what'], scope: WalkScope, rounds: number[], ownersVisited: number): WalkTiming {
  return { what, scope, rounds: rounds.map((ms) => round(ms, 1)), medianMs: round(median(rounds), 1), ownersVisited };
}

const thousands = (value: number) => value.toLocaleString('en-US');

/** Targets: both measurements at the largest size, over the holders, at most WALK_TARGET_MS. */
export function walkTargets(results: WalkResults): Target[] {
  const largest = [...results.sizes].sort((a, b) => b.imported - a.imported)[0];
  if (!largest) return [];
  return (['byok stats', 'GET /admin/stats'] as const).map((what) => {
    const found = largest.timings.find((t) => t.what === what && t.scope === 'holders');
    const value = found?.medianMs ?? Number.POSITIVE_INFINITY;
    return { target: `${what} at ${thousands(largest.imported)} users, ${largest.holders} holders, cold: <= ${WALK_TARGET_MS} ms`, value: `${value} ms`, pass: value <= WALK_TARGET_MS };
  });
}

/** The side-by-side table (sizes as columns, before and after each) and the targets; sets `results.targets`. */
export function walksReport(results: WalkResults): string {
  const sizes = [...results.sizes].sort((a, b) => a.imported - b.imported);
  const header = ['median of ' + results.settings.rounds + ' rounds, ms', ...sizes.flatMap((s) => [`${thousands(s.imported)}: every owner`, `${thousands(s.imported)}: holders`])];
  const cell = (size: WalkSize, what: WalkTiming['what'], scope: WalkScope, field: 'medianMs' | 'ownersVisited') => size.timings.find((t) => t.what === what && t.scope === scope)?.[field] ?? '-';
  const rows: (string | number)[][] = [header];
  for (const what of ['byok stats', 'GET /admin/stats'] as const) {
    rows.push([what === 'byok stats' ? 'byok stats (process, cold)' : 'GET /admin/stats (fresh instance)', ...sizes.flatMap((s) => [cell(s, what, 'every-owner', 'medianMs'), cell(s, what, 'holders', 'medianMs')])]);
  }
  rows.push(['owners visited', ...sizes.flatMap((s) => [cell(s, 'byok stats', 'every-owner', 'ownersVisited'), cell(s, 'byok stats', 'holders', 'ownersVisited')])]);
  const setup = sizes.map(
    (s) =>
      `${thousands(s.imported)} users imported (${thousands(s.realmUsers)} in the realm) in ${thousands(Math.round(s.importMs))} ms, ` +
      `${s.holders} given a key in ${thousands(Math.round(s.addKeysMs))} ms; byok index-holders once: ${thousands(Math.round(s.indexHoldersMs))} ms`,
  );
  results.targets = walkTargets(results);
  return [
    table(rows),
    '',
    ...setup,
    `byok start-up alone (node dist/cli/main.js --help): median ${round(median(results.cliStartMs), 1)} ms`,
    `load average at the start: ${results.machine.loadAverage.map((l) => round(l, 2)).join(', ')} (${results.machine.cpus} cores)`,
    '',
    'targets:',
    ...results.targets.map((t) => `  ${t.pass ? 'PASS' : 'MISS'}  ${t.target}: ${t.value}`),
  ].join('\n');
}
