/**
 * The `byok` command line's own behaviour, in process and without Keycloak: help for every command,
 * usage errors with exit code 2, configuration problems with exit code 1 and a message that names
 * the variable but never its value.
 */
import { COMMANDS, runCli } from '../../src/cli/main.js';

const GOOD_ENV = {
  KEYCLOAK_URL: 'http://127.0.0.1:1',
  KEYCLOAK_CLIENT_SECRET: 'x',
  ENCRYPTION_KEYS: `1:${Buffer.alloc(32, 3).toString('base64')}`,
};

async function run(argv: string[], env: Record<string, string | undefined> = GOOD_ENV) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, env, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('byok command line', () => {
  test('without a command it prints the usage to stderr and exits 2; --help lists every command and exits 0', async () => {
    const none = await run([]);
    expect([none.code, none.stdout]).toEqual([2, '']);
    expect(none.stderr).toContain('byok <command>');
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const command of COMMANDS) expect(help.stdout).toContain(`  ${command} `);
  });

  test.each(COMMANDS)('"%s --help" describes the command and exits 0 without touching Keycloak', async (command) => {
    const help = await run([command, '--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(`byok ${command}`);
    expect(help.stdout.toLowerCase()).toContain('environment');
  });

  test.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['rewrap', '--bogus'], "Unknown option '--bogus'"],
    [['rewrap', 'extra'], 'rewrap takes no arguments, got 1 argument'],
    [['rewrap', '--concurrency', '0'], '--concurrency must be a whole number from 1 to 32'],
    [['migrate-legacy', '--concurrency', 'many'], '--concurrency must be a whole number from 1 to 32'],
    [['stats', '--json=yes'], "Option '--json' does not take an argument"],
    [['set-tier', 'alice'], 'set-tier takes <username|user id> <tier>, got 1 argument'],
    [['set-tier', 'alice', 'gold'], 'unknown tier "gold"; one of free, trial, starter, professional, enterprise'],
    [['doctor', '--fix'], "Unknown option '--fix'"],
  ])('usage error %j: exit 2 and "%s"', async (argv, message) => {
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
  });

  test('bad configuration: exit 1 listing the problems, before any connection', async () => {
    const result = await run(['rewrap'], { KEYCLOAK_URL: 'http://127.0.0.1:1', ENCRYPTION_KEYS: '1:short' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('KEYCLOAK_CLIENT_SECRET is required');
    expect(result.stderr).toContain('ENCRYPTION_KEYS entry 1 (version 1)');
  });

  test('migrate-legacy checks LEGACY_ENCRYPTION_KEY first and never prints it', async () => {
    const missing = await run(['migrate-legacy', '--dry-run']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('LEGACY_ENCRYPTION_KEY is required');
    const wrong = 'dGhpcy1pcy10b28tc2hvcnQtZm9yLWZlcm5ldA';
    const bad = await run(['migrate-legacy', '--dry-run'], { ...GOOD_ENV, LEGACY_ENCRYPTION_KEY: wrong });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/LEGACY_ENCRYPTION_KEY decodes to \d+ bytes, a Fernet key has exactly 32/);
    expect(bad.stderr + bad.stdout).not.toContain(wrong);
  });

  test('Keycloak unreachable: exit 1 with the error code, not a stack trace', async () => {
    const result = await run(['stats', '--quiet'], { ...GOOD_ENV, KEYCLOAK_TIMEOUT_MS: '500' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^byok: (KEYCLOAK_UNAVAILABLE|failed): /);
    expect(result.stderr).not.toContain('    at ');
  });
});
