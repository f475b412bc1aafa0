/** One config for unit specs (next to their code) and end-to-end specs (test/). */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testRegex: '\\.(spec|e2e-spec)\\.ts$',
  roots: ['<rootDir>/packages', '<rootDir>/src', '<rootDir>/plugins', '<rootDir>/test'],
  // The kit's TypeScript source, as ts-node runs it (packages/plugin-kit/entry.js), never a stale dist/.
  moduleNameMapper: {
    '^@itinera/plugin-kit$': '<rootDir>/packages/plugin-kit/src/index.ts',
    '^@itinera/plugin-kit/(testing|host)$': '<rootDir>/packages/plugin-kit/src/$1.ts',
  },
  modulePathIgnorePatterns: ['<rootDir>/packages/[^/]+/dist/', '<rootDir>/dist/'],
  globalSetup: '<rootDir>/test/harness/global-setup.ts',
  globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
  maxWorkers: 2,
  testTimeout: 60000,
};
