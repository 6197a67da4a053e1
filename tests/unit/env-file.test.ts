/**
 * `byok --env-file` reads the same .env as deploy.sh (scripts/deploy-lib.sh `load_env_file`) and
 * Docker Compose: data, never shell.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvFileError, parseEnvFile, withEnvFile } from '../../src/config/env-file.js';
import { UsageError } from '../../src/cli/args.js';
import { takeEnvFileOption } from '../../src/cli/main.js';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('parseEnvFile', () => {
  test('KEY=VALUE lines, comments, blank lines, export, one pair of quotes; empty values are left out', () => {
    const text = ['# comment', '', '  HOST=0.0.0.0', 'export PORT=9000', 'A="quoted # not a comment"', "B='single'", 'C=', 'D=""', 'E=x=y', 'F="unbalanced'].join('\n');
    expect(parseEnvFile(text)).toEqual({ HOST: '0.0.0.0', PORT: '9000', A: 'quoted # not a comment', B: 'single', E: 'x=y', F: '"unbalanced' });
  });

  test('is never run as shell: $(...), backticks and $VAR stay literal', () => {
    expect(parseEnvFile('A=$(touch /tmp/pwned)\nB=`id`\nC=$HOME')).toEqual({ A: '$(touch /tmp/pwned)', B: '`id`', C: '$HOME' });
  });

  test('a malformed line names the file and line and what precedes "=", never the value', () => {
    expect(() => parseEnvFile('OK=1\nnot a line=s3cret-value', '.env')).toThrow(new EnvFileError('.env:2: not a KEY=VALUE line: not a line'));
    expect(() => parseEnvFile('1ABC=x')).toThrow(EnvFileError);
  });

  test('reads a file the same way deploy.sh does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'byok-envfile-'));
    try {
      const file = join(dir, '.env');
      writeFileSync(file, ['# c', 'A="one two"', "export B='x'", 'C=', 'D=$(echo no)', 'E=kept'].join('\n'));
      const script = `source "${ROOT}scripts/lib.sh"; source "${ROOT}scripts/deploy-lib.sh"; load_env_file "$1"; for n in A B C D E; do printf '%s=%s|' "$n" "\${!n-<unset>}"; done`;
      const bash = spawnSync('bash', ['-c', script, 'bash', file], { env: { PATH: process.env.PATH, E: 'from-env' }, encoding: 'utf8' });
      expect(bash.stdout).toBe('A=one two|B=x|C=<unset>|D=$(echo no)|E=from-env|');
      const merged = withEnvFile({ E: 'from-env' }, file);
      expect(['A', 'B', 'C', 'D', 'E'].map((n) => `${n}=${merged[n] ?? '<unset>'}|`).join('')).toBe(bash.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('--env-file on the byok command line', () => {
  test('is taken from any position, in both spellings; the rest goes to the command', () => {
    expect(takeEnvFileOption(['--env-file', '.env', 'stats', '--json'])).toEqual({ rest: ['stats', '--json'], envFile: '.env' });
    expect(takeEnvFileOption(['set-tier', 'alice', 'starter', '--env-file=prod.env'])).toEqual({ rest: ['set-tier', 'alice', 'starter'], envFile: 'prod.env' });
    expect(takeEnvFileOption(['doctor'])).toEqual({ rest: ['doctor'], envFile: undefined });
  });

  test('without a file, or given twice, is a usage error', () => {
    expect(() => takeEnvFileOption(['doctor', '--env-file'])).toThrow(UsageError);
    expect(() => takeEnvFileOption(['--env-file', '--json'])).toThrow(UsageError);
    expect(() => takeEnvFileOption(['--env-file=a', '--env-file=b', 'doctor'])).toThrow('--env-file given twice');
  });
});
