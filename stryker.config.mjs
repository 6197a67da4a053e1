// Mutation testing (npm run test:mutation = scripts/mutation.sh, which runs this configuration once
// per module with that module's unit tests; not part of scripts/test.sh or CI). Stryker changes one
// thing at a time in the security-critical modules below and runs the tests that cover it; a change
// no test notices ("survived") is a property nothing pins. Scores: docs/mutation-testing.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  // Jest runs the TypeScript tests as ES modules (see jest.config.js).
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  jest: {
    projectType: 'custom',
    // The unit project alone, limited to the tests of these modules (see that file).
    configFile: 'tests/mutation/jest.config.js',
    enableFindRelatedTests: false,
  },
  mutate: [
    'src/crypto/envelope.ts',
    'src/providers/url-policy.ts',
    'src/keycloak/attribute-codec.ts',
    'src/crypto/keyring.ts',
    'src/vault/key-record.ts',
    'src/vault/tiers.ts',
  ],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  incremental: true,
  incrementalFile: '.data/stryker/incremental.json',
  tempDirName: '.data/stryker/tmp',
  ignorePatterns: ['.data', 'dist', 'ui', 'deploy', 'coverage'],
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: '.data/stryker/mutation.json' },
  thresholds: { high: 90, low: 90, break: null },
  timeoutMS: 10_000,
};
