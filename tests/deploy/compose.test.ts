/**
 * docker-compose.keycloak.yml (docs/operations.md) as the Docker client parses it: Keycloak on PostgreSQL with
 * the realm import, Redis, and byok-vault built from the Dockerfile with REDIS_URL pointing at Redis;
 * a missing required variable stops Compose with its name. Needs no Docker engine: `config` only
 * parses. scripts/lib.sh's ensure_compose_validator finds `docker compose` or installs Debian's
 * docker-compose; without either the tests are skipped, and the test names say why.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/deploy-script.js';

const validator = (() => {
  const found = spawnSync('bash', ['-c', 'source scripts/lib.sh && ensure_compose_validator'], { cwd: ROOT, encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim().split(/\s+/) : undefined;
})();
const withValidator = validator ? test : test.skip;
const why = validator ? `(${validator.join(' ')})` : '(SKIPPED: neither `docker compose` nor `docker-compose` is available)';

const SAMPLE = {
  KEYCLOAK_URL: 'https://id.example.com',
  KEYCLOAK_ADMIN_PASSWORD: 'sample-admin-password',
  KEYCLOAK_CLIENT_SECRET: 'sample-client-secret',
  ENCRYPTION_KEYS: `1:${Buffer.alloc(32, 9).toString('base64')}`,
};

// An empty env file instead of the project's .env, which a developer may have.
const emptyEnvFile = join(mkdtempSync(join(tmpdir(), 'byok-compose-')), 'empty.env');
writeFileSync(emptyEnvFile, '');

function compose(args: string[], env: Record<string, string>) {
  const [command, ...prefix] = validator as string[];
  return spawnSync(command as string, [...prefix, '-f', `${ROOT}/docker-compose.keycloak.yml`, '--env-file', emptyEnvFile, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    // Only PATH and HOME of the test's environment.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });
}

describe(`docker-compose.keycloak.yml ${why}`, () => {
  withValidator('parses with the required variables, with the services, volumes and wiring the deployment needs', () => {
    const config = compose(['config'], SAMPLE);
    expect(config.stderr).not.toMatch(/error|invalid/i);
    expect(config.status).toBe(0);
    const services = compose(['config', '--services'], SAMPLE).stdout.trim().split('\n').sort();
    expect(services).toEqual(['byok-vault', 'keycloak', 'postgres', 'redis']);
    const volumes = compose(['config', '--volumes'], SAMPLE).stdout.trim().split('\n').sort();
    expect(volumes).toEqual(['byok-audit', 'keycloak-db']);
    const text = config.stdout;
    // Keycloak on PostgreSQL, importing the realm file generated from the bootstrap plan.
    expect(text).toMatch(/KC_DB: postgres/);
    expect(text).toMatch(/KC_DB_URL: jdbc:postgresql:\/\/postgres:5432\/keycloak/);
    expect(text).toContain('--import-realm');
    expect(text).toContain('--hostname=https://id.example.com');
    expect(text).toMatch(/deploy\/keycloak\/byok-realm\.json:\/opt\/keycloak\/data\/import\/byok-realm\.json/);
    // The service: built from the Dockerfile, shared state in Redis, the pinned issuer.
    expect(text).toMatch(/build:\s+context: \/?[^\n]*/);
    expect(text).toContain('REDIS_URL: redis://redis:6379');
    expect(text).toContain('KEYCLOAK_URL: https://id.example.com');
    expect(text).toMatch(/KEYCLOAK_CLIENT_SECRET: sample-client-secret/);
  });

  withValidator('the byok-vault container gets ENCRYPTION_KEYS but no Keycloak admin credential or legacy key (an explicit environment, no env_file)', () => {
    const text = compose(['config'], { ...SAMPLE, KEYCLOAK_ADMIN_USERNAME: 'sample-admin-user', LEGACY_ENCRYPTION_KEY: 'sample-legacy-key' }).stdout;
    const service = /^ {2}byok-vault:\n((?: {3,}.*\n|\n)*)/m.exec(text)?.[1] ?? '';
    expect(service).toContain('ENCRYPTION_KEYS');
    for (const operatorOnly of ['KEYCLOAK_ADMIN', 'sample-admin-password', 'sample-admin-user', 'LEGACY_ENCRYPTION_KEY', 'sample-legacy-key', 'env_file']) {
      expect(service).not.toContain(operatorOnly);
    }
  });

  withValidator.each(Object.keys(SAMPLE))('stops with the name of a missing %s', (variable) => {
    const env: Record<string, string> = { ...SAMPLE };
    delete env[variable];
    const config = compose(['config', '-q'], env);
    expect(config.status).not.toBe(0);
    expect(config.stderr).toContain(variable);
  });
});

test('the Dockerfile builds the service the Compose file runs', () => {
  const dockerfile = readFileSync(`${ROOT}/Dockerfile`, 'utf8');
  expect(dockerfile).toMatch(/CMD \["node", "dist\/main\.js"\]/);
  expect(dockerfile).toMatch(/HEALTHCHECK .*\/readyz/);
});
