/**
 * .env.example documents every variable (docs/operations.md) with its default: the variables are taken from the
 * code that reads them (the config schemas, the byok command, deploy.sh and the Compose file), not
 * from a list kept by hand, and the values the file gives are shown to be the defaults.
 */
import { readFileSync } from 'node:fs';
import { BOOTSTRAP_VARIABLES } from '../../src/config/bootstrap-config.js';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config/config.js';
import { ROOT } from '../support/deploy-script.js';

const read = (path: string) => readFileSync(`${ROOT}/${path}`, 'utf8');
const example = read('.env.example');

/** The KEY=VALUE lines of .env.example. */
const documented = new Map(
  example
    .split('\n')
    .map((line) => /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => [match[1] as string, match[2] as string]),
);

const matches = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].map((match) => match[1] as string);
const deployScripts = ['deploy.sh', 'scripts/deploy-lib.sh', 'scripts/deploy-compose.sh'].map(read).join('\n');
const cliSources = ['src/cli/migrate-legacy.ts', 'src/cli/context.ts', 'src/cli/main.ts'].map(read).join('\n');

/** Per-provider families: documented by naming each member, not one line each. */
const providerFamily = (name: string) => /^[A-Z]+_(API_KEY|BASE_URL)$/.test(name) && name !== 'OPENAI_API_KEY' && name !== 'OPENAI_BASE_URL';

const variablesInCode = {
  'the service config schema': [...CONFIG_VARIABLES],
  'byok bootstrap-realm': [...BOOTSTRAP_VARIABLES],
  'the byok command': matches(cliSources, /\benv\.([A-Z][A-Z0-9_]+)/g),
  'deploy.sh': matches(deployScripts, /\$\{(DEPLOY_[A-Z_]+|HOST|PORT|BYOK_PORT)[:}-]/g),
  'docker-compose.keycloak.yml': matches(read('docker-compose.keycloak.yml'), /\$\{([A-Z][A-Z0-9_]*)[:}?-]/g),
};

describe('.env.example', () => {
  test.each(Object.entries(variablesInCode))('documents every variable %s reads', (_reader, variables) => {
    expect(variables.length).toBeGreaterThan(0);
    const missing = [...new Set(variables)].filter((name) => (providerFamily(name) ? !example.includes(name) : !documented.has(name)));
    expect(missing).toEqual([]);
  });

  test('documents no variable that nothing reads', () => {
    const read = new Set(Object.values(variablesInCode).flat());
    expect([...documented.keys()].filter((name) => !read.has(name))).toEqual([]);
  });

  test('the service values it gives are the defaults (only the required ones need filling in)', () => {
    const required = { KEYCLOAK_URL: 'http://127.0.0.1:8080', KEYCLOAK_CLIENT_SECRET: 'x', ENCRYPTION_KEYS: `1:${Buffer.alloc(32, 1).toString('base64')}` };
    const fromExample = Object.fromEntries([...documented].filter(([name]) => CONFIG_VARIABLES.includes(name)));
    // The keyring holds closures; its versions stand for it (the KEK comes from `required` in both).
    const comparable = (config: ReturnType<typeof loadConfig>) => ({ ...config, keyring: config.keyring.versions });
    expect(comparable(loadConfig({ ...fromExample, ...required }))).toEqual(comparable(loadConfig(required)));
  });

  test("deploy.sh's values are its defaults", () => {
    // Every ${DEPLOY_X:-default} with a literal default (DEPLOY_DIR's and DEPLOY_LOG_FILE's are paths built from others).
    const defaults = new Map<string, string>();
    for (const match of deployScripts.matchAll(/\$\{(DEPLOY_[A-Z_]+):-([^}$]+)\}/g)) defaults.set(match[1] as string, match[2] as string);
    expect(defaults.size).toBeGreaterThan(3);
    for (const [name, value] of defaults) expect([name, documented.get(name)]).toEqual([name, value]);
    // DEPLOY_DIR's default is a path under the project; the file gives it relative to the project.
    expect(deployScripts).toContain('DEPLOY_DIR="${DEPLOY_DIR:-$ROOT/.data/deploy}"');
    expect(documented.get('DEPLOY_DIR')).toBe('.data/deploy');
  });
});
