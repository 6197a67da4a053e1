// Jest in ESM mode (the Keycloak admin client is ESM-only): run with NODE_OPTIONS=--experimental-vm-modules
// (the npm scripts do). Type checking is done once by `tsc` in scripts/test.sh; ts-jest only transpiles.
const common = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
};

export default {
  // Integration tests wait on a real Keycloak (realm creation takes seconds on 2 cores).
  testTimeout: 60_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/tests/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/tests/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/support/global-setup.ts',
      slowTestThreshold: 30,
    },
    // Stops the shared test Keycloak for a while: run alone, after the integration suites (scripts/test.sh does).
    { ...common, displayName: 'outage', testMatch: ['<rootDir>/tests/outage/**/*.test.ts'], globalSetup: '<rootDir>/tests/support/global-setup.ts' },
    // A real browser (Debian's Chromium through playwright-core) against the service and the test Keycloak.
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/tests/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/support/global-setup.ts',
      slowTestThreshold: 60,
    },
    // Fault injection: three service processes, a Redis and the "faults" Keycloak, both stopped and
    // restarted for real. scripts/test-faults.sh (npm run test:faults) starts that Keycloak first.
    {
      ...common,
      displayName: 'faults',
      testMatch: ['<rootDir>/tests/faults/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/support/global-setup.ts',
      slowTestThreshold: 120,
    },
    // deploy.sh in plain-process mode against the test Keycloak, the realm import and the Compose file:
    // builds and starts the service as a process, so it runs as a pass of its own (scripts/test.sh).
    {
      ...common,
      displayName: 'deploy',
      testMatch: ['<rootDir>/tests/deploy/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/support/global-setup.ts',
      slowTestThreshold: 120,
    },
    // Reads what the other suites logged; run it after them (scripts/test.sh does: npm run test:logscan).
    { ...common, displayName: 'logscan', testMatch: ['<rootDir>/tests/logscan/**/*.test.ts'] },
  ],
};
