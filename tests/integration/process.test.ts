/**
 * The built service as a process (dist/, made by `npm run build`; scripts/test.sh builds first):
 * bad configuration stops it with every problem named, a good one serves and stops gracefully.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { serviceEnv } from '../support/env.js';

const entry = new URL('../../dist/main.js', import.meta.url).pathname;

function run(env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, [entry], { env: { PATH: process.env.PATH, ...env } as NodeJS.ProcessEnv });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output, exited };
}

beforeAll(() => {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build (scripts/test.sh does)`);
});

describe('the service process', () => {
  test('bad configuration stops it with exit code 78 and a message naming each problem', async () => {
    const { output, exited } = run({ ENCRYPTION_KEYS: '1:not-a-key', KEYCLOAK_CLIENT_SECRET: 'x', PORT: 'eighty' });
    expect(await exited).toBe(78);
    expect(output.stderr).toContain('Invalid configuration');
    expect(output.stderr).toContain('KEYCLOAK_URL is required');
    expect(output.stderr).toMatch(/ENCRYPTION_KEYS entry 1 \(version 1\): key decodes to \d+ bytes, needs exactly 32/);
    expect(output.stderr).toContain('PORT must be a whole number');
    expect(output.stdout).toBe('');
  });

  test('a good configuration serves, and SIGTERM stops it cleanly with exit code 0', async () => {
    const { child, output, exited } = run(serviceEnv({ PORT: '0', LOG_LEVEL: 'info' }));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line: ${output.stdout}${output.stderr}`)), 15_000);
      child.stdout.on('data', () => {
        const match = /"url":"(http:[^"]+)".*byok-vault listening/.exec(output.stdout);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output.stdout).toContain('"msg":"stopped"');
  });
});
