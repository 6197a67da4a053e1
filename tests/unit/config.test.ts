import { readFileSync } from 'node:fs';
import { BOOTSTRAP_VARIABLES, loadBootstrapConfig } from '../../src/config/bootstrap-config.js';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../src/config/config.js';
import { parseEnvFile } from '../../src/config/env-file.js';

const validKeys = `1:${Buffer.alloc(32, 1).toString('base64')}`;
const valid = { KEYCLOAK_URL: 'http://127.0.0.1:8080/', KEYCLOAK_CLIENT_SECRET: 's3cret', ENCRYPTION_KEYS: validKeys };

function problemsOf(env: Record<string, string | undefined>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  test('applies defaults and derives the pinned issuer', () => {
    const config = loadConfig(valid);
    expect(config.port).toBe(8787);
    expect(config.host).toBe('127.0.0.1');
    expect(config.keycloak).toMatchObject({
      url: 'http://127.0.0.1:8080',
      realm: 'byok',
      issuer: 'http://127.0.0.1:8080/realms/byok',
      clientId: 'byok-service',
    });
    expect(config.keyring.activeVersion).toBe(1);
  });

  test('the token audience is the service client id: by default, and only that (Keycloak introspects only for a client in aud)', () => {
    expect(loadConfig(valid).keycloak.tokenAudience).toBe('byok-service');
    expect(loadConfig({ ...valid, KEYCLOAK_CLIENT_ID: 'vault', TOKEN_AUDIENCE: '' }).keycloak.tokenAudience).toBe('vault');
    expect(loadConfig({ ...valid, KEYCLOAK_CLIENT_ID: 'vault', TOKEN_AUDIENCE: 'vault' }).keycloak.tokenAudience).toBe('vault');
    expect(problemsOf({ ...valid, TOKEN_AUDIENCE: 'byok-vault' })).toEqual([expect.stringMatching(/^TOKEN_AUDIENCE must be KEYCLOAK_CLIENT_ID \(byok-service\) or unset/)]);
  });

  test('the config is frozen: nothing can change it after start-up', () => {
    const config = loadConfig(valid);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.keycloak)).toBe(true);
    expect(() => {
      (config.keycloak as { url: string }).url = 'http://evil';
    }).toThrow(TypeError);
  });

  test('lists every problem at once, naming each variable', () => {
    const problems = problemsOf({ ENCRYPTION_KEYS: '1:tooshort', PORT: '70000', LOG_LEVEL: 'loud' });
    const text = problems.join('\n');
    expect(text).toContain('KEYCLOAK_URL is required');
    expect(text).toContain('KEYCLOAK_CLIENT_SECRET is required');
    expect(text).toContain('PORT must be a whole number from 0 to 65535');
    expect(text).toContain('LOG_LEVEL must be one of');
    expect(text).toMatch(/ENCRYPTION_KEYS entry 1 \(version 1\): key decodes to \d+ bytes/);
    expect(problems).toHaveLength(5);
  });

  test('rejects a Keycloak URL that is not http(s) or carries a query', () => {
    expect(problemsOf({ ...valid, KEYCLOAK_URL: 'ftp://kc' }).join()).toContain('KEYCLOAK_URL must be an http(s) URL');
    expect(problemsOf({ ...valid, KEYCLOAK_URL: 'http://kc?x=1' }).join()).toContain('KEYCLOAK_URL must be an http(s) URL');
  });

  test('scale-out settings: REDIS_URL must be redis:// or rediss://; rate limits default to 600/min per user and off for internal clients', () => {
    expect(problemsOf({ ...valid, REDIS_URL: 'http://127.0.0.1:6379' }).join()).toContain('REDIS_URL must be a redis:// or rediss:// URL');
    expect(problemsOf({ ...valid, RATE_LIMIT_USER_PER_MINUTE: '-1' }).join()).toContain('RATE_LIMIT_USER_PER_MINUTE');
    expect(problemsOf({ ...valid, FALLBACK_PROVIDER: 'nope' }).join()).toContain('FALLBACK_PROVIDER must be one of');
    expect(loadConfig({ ...valid, REDIS_URL: '', FALLBACK_PROVIDER: '' })).toMatchObject({ scale: { redisUrl: undefined }, resolution: { fallbackProvider: undefined } });
    const config = loadConfig({ ...valid, REDIS_URL: 'redis://127.0.0.1:6380/2' });
    expect(config.scale).toMatchObject({ redisUrl: 'redis://127.0.0.1:6380/2', keyPrefix: 'byok:', lockTtlMs: 30_000, lockWaitMs: 15_000 });
    expect(config.rateLimits).toEqual({ userPerMinute: 600, internalPerSecond: 0, keyTestsPerMinute: 10 });
    expect(loadConfig(valid).scale.redisUrl).toBeUndefined();
  });

  test('the error message never contains the client secret', () => {
    const secret = 'super-secret-value';
    expect(problemsOf({ KEYCLOAK_CLIENT_SECRET: secret }).join()).not.toContain(secret);
  });
});

describe('an empty variable means the default (as copied from .env.example)', () => {
  const required = new Set(Object.keys(valid));
  /** The config as data: the keyring's key lookups are closures, compared by what they serve. */
  const comparable = (env: Record<string, string | undefined>) => {
    const config = loadConfig(env);
    return { ...config, keyring: { versions: config.keyring.versions, activeVersion: config.keyring.activeVersion, activeKey: config.keyring.activeKey() } };
  };

  test.each(CONFIG_VARIABLES.filter((name) => !required.has(name)))('%s= (empty or blank) gives the same config as leaving it out', (name) => {
    expect(comparable({ ...valid, [name]: '' })).toEqual(comparable(valid));
    expect(comparable({ ...valid, [name]: '  ' })).toEqual(comparable(valid));
  });

  test('a required variable left empty is reported as missing', () => {
    expect(problemsOf({ ...valid, KEYCLOAK_CLIENT_SECRET: '' })).toEqual([expect.stringContaining('KEYCLOAK_CLIENT_SECRET is required')]);
    expect(problemsOf({ ...valid, KEYCLOAK_URL: '' })).toEqual([expect.stringContaining('KEYCLOAK_URL is required')]);
  });

  test('.env.example, copied as it is with only the required values filled in, gives exactly the defaults', () => {
    const example = parseEnvFile(readFileSync(new URL('../../.env.example', import.meta.url), 'utf8'));
    expect(comparable({ ...example, ...valid })).toEqual(comparable(valid));
  });

  const bootstrapBase = { KEYCLOAK_URL: 'http://127.0.0.1:8080', KEYCLOAK_ADMIN_USERNAME: 'admin', KEYCLOAK_ADMIN_PASSWORD: 'pw' };
  test.each(BOOTSTRAP_VARIABLES.filter((name) => !(name in bootstrapBase)))('bootstrap-realm: %s= (empty) gives the same config as leaving it out', (name) => {
    const base = bootstrapBase;
    expect(loadBootstrapConfig({ ...base, [name]: '' })).toEqual(loadBootstrapConfig(base));
  });
});
