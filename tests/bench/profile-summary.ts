// Summarises a V8 CPU profile (.cpuprofile, written by `BENCH_CPU_PROF=1 npm run bench` under
// .data/bench/profiles) as text, so a run can be read without Chrome DevTools:
//   node --import tsx tests/bench/profile-summary.ts <file.cpuprofile> [--top N] [--filter TEXT]
//        [--window FROM-TO] [--timeline]
// prints self time by function (name, file:line), self time by file or package (node_modules/<name>,
// node:<internal>, the project's own files), and, for the functions whose file contains TEXT (for
// example `dist/gateway` or `dist/`), their total time (self plus everything they called on the same
// stack). --window keeps the samples between FROM and TO seconds after the profile's start (a
// measured run, not the start-up); --timeline prints the busy share of each second, to find it.
// A server's profile covers its whole life: divide by the requests it served to compare servers.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const args = process.argv.slice(2);
const option = (name: string) => {
  const at = args.indexOf(name);
  return at < 0 ? undefined : args[at + 1];
};
const file = args[0];
if (!file || file.startsWith('--')) {
  process.stderr.write('usage: node --import tsx tests/bench/profile-summary.ts <file.cpuprofile> [--top N] [--filter TEXT] [--window FROM-TO] [--timeline]\n');
  process.exit(64);
}
const top = Number(option('--top') ?? 30);
const filter = option('--filter');
const [fromS, toS] = (option('--window') ?? '0-1e9').split('-').map(Number) as [number, number];
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
// Piped into head: stop quietly when the reader has had enough.
process.stdout.on('error', () => process.exit(0));

// Each sample's time since the start, to keep those in the window.
const sampleAt: number[] = [];
let clock = 0;
for (const delta of profile.timeDeltas) sampleAt.push((clock += delta));
const inWindow = (i: number) => (sampleAt[i] ?? 0) >= fromS * 1e6 && (sampleAt[i] ?? 0) < toS * 1e6;

// Self time per node: each sample's delta belongs to the node sampled.
const selfUs = new Map<number, number>();
let totalUs = 0;
profile.samples.forEach((id, i) => {
  if (!inWindow(i)) return;
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  totalUs += profile.timeDeltas[i] ?? 0;
});
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const idleIds = new Set(profile.nodes.filter((node) => node.callFrame.functionName === '(idle)').map((node) => node.id));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

const shortUrl = (url: string) => {
  if (url === '') return '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return `node_modules/${modules[1]}`;
  const project = /\/(dist|src|tests|scripts)\/(.*)$/.exec(url);
  return project ? `${project[1]}/${project[2]}` : url;
};
const where = (node: ProfileNode) => {
  const { url, lineNumber } = node.callFrame;
  if (url === '') return '';
  const project = /\/((?:dist|src|tests|scripts)\/.*|node_modules\/.*)$/.exec(url)?.[1] ?? url;
  return `${project}:${lineNumber + 1}`;
};
const label = (node: ProfileNode) => `${node.callFrame.functionName || '(anonymous)'} ${where(node)}`.trim();

function add(map: Map<string, number>, key: string, us: number): void {
  map.set(key, (map.get(key) ?? 0) + us);
}

const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  if (!node) continue;
  add(byFunction, label(node), us);
  add(byFile, shortUrl(node.callFrame.url), us);
}

// Total time of filtered functions: a sample counts once for each distinct matching frame on its stack.
const inclusive = new Map<string, number>();
if (filter) {
  profile.samples.forEach((id, i) => {
    if (!inWindow(i)) return;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const node = byId.get(at);
      if (node && node.callFrame.url.includes(filter)) seen.add(label(node));
    }
    for (const key of seen) add(inclusive, key, profile.timeDeltas[i] ?? 0);
  });
}

const print = (title: string, map: Map<string, number>) => {
  process.stdout.write(`\n${title}\n`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${(us / 1000).toFixed(1).padStart(9)} ms ${((us / totalUs) * 100).toFixed(1).padStart(5)} %  ${key}\n`);
  }
};
if (args.includes('--timeline')) {
  const busy: number[] = [];
  profile.samples.forEach((id, i) => {
    const second = Math.floor((sampleAt[i] ?? 0) / 1e6);
    if (!idleIds.has(id)) busy[second] = (busy[second] ?? 0) + (profile.timeDeltas[i] ?? 0);
  });
  process.stdout.write(`busy share per second: ${Array.from(busy, (us, second) => `${second}:${Math.round((us ?? 0) / 1e4)}%`).join(' ')}\n`);
}
const idleUs = [...selfUs].reduce((sum, [id, us]) => sum + (idleIds.has(id) ? us : 0), 0);
process.stdout.write(`${file}: ${(totalUs / 1e6).toFixed(1)} s in the window, ${((totalUs - idleUs) / 1e6).toFixed(2)} s busy (not idle)\n`);
print('self time by function', byFunction);
print('self time by file or package', byFile);
if (filter) print(`total time (self and callees) of functions in files matching "${filter}"`, inclusive);
