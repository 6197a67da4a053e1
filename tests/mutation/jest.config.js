// Jest configuration for mutation testing (stryker.config.mjs): the unit project of jest.config.js
// alone (a file with `projects` would also start the integration suites and their global setup),
// limited to the unit tests that exercise the mutated modules. STRYKER_TESTS=tiers,key-record
// narrows them further while iterating on one module (every static mutant runs all of them).
import jestConfig from '../../jest.config.js';

const { displayName: _name, testMatch: _match, ...unit } = jestConfig.projects.find((project) => project.displayName === 'unit');

const TESTS = process.env.STRYKER_TESTS?.split(',') ?? [
  'envelope', 'envelope-rules', 'known-answer', 'keyring', 'keyring-rules', 'kek-check', 'attribute-codec', 'attribute-codec-rules', 'url-policy', 'url-policy-rules', 'key-record', 'tiers',
];

export default {
  ...unit,
  rootDir: '../..',
  testMatch: TESTS.map((name) => `<rootDir>/tests/unit/${name}.test.ts`),
};
