/**
 * The runtime still gets security fixes: Node.js 20 reached end of life on 2026-04-30. The suites, the
 * service processes they start (the `node` first on PATH) and the Docker image all run the Node major
 * that package.json's `engines` and the pinned download of scripts/lib.sh name.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const major = (version: string) => Number(version.replace(/^v/, '').split('.')[0]);

const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
const declaredMajor = Number(/^>=\s*(\d+)$/.exec(engines)?.[1]);
const lib = read('scripts/lib.sh');
const pinned = /^NODE_PIN_VERSION="?(\d+\.\d+\.\d+)"?/m.exec(lib)?.[1];

describe('runtime', () => {
  test('package.json declares Node 24 or newer (an LTS line that still gets security fixes)', () => {
    expect(declaredMajor).toBeGreaterThanOrEqual(24);
  });

  test('the tests run on the declared Node major or newer', () => {
    expect(major(process.versions.node)).toBeGreaterThanOrEqual(declaredMajor);
  });

  test('the node first on PATH, which starts the service processes, is the declared major or newer', () => {
    const onPath = execFileSync('node', ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
    expect(major(onPath)).toBeGreaterThanOrEqual(declaredMajor);
  });

  test('the Node the scripts install is pinned to an exact version of the declared major', () => {
    expect(pinned).toBeDefined();
    expect(major(pinned as string)).toBe(declaredMajor);
  });

  test('every stage of the Docker image starts from the declared Node major', () => {
    const images = [...read('Dockerfile').matchAll(/^FROM\s+(\S+)/gm)].map((match) => match[1] as string);
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image).toMatch(new RegExp(`^node:${declaredMajor}(\\.|-|$)`));
  });
});
