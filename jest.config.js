/**
 * Two projects: `unit` (pure logic, no services) and `integration` (real PostgreSQL + real S3, prepared
 * once by the global setup in test/). Both run TypeScript sources through ts-jest in ESM mode, because
 * NestJS 12 ships only ES modules.
 *
 * The suffix picks the project (README, "Layout"): `<name>.spec.ts` next to `<name>.ts` is a unit test;
 * `<name>.int-spec.ts` is an integration test, next to the module it covers, under apps/<app>/test/ when it
 * drives one app over HTTP across modules, under test/e2e/ when it drives the whole stack. The console's
 * own `*.spec.ts` under apps/admin run in Vitest (`ng test`), not here.
 */
const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^@extplat/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json' }],
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/apps/admin/'],
};

export default {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts', '<rootDir>/tools/**/*.spec.mjs'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,test}/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.mjs',
      globalTeardown: '<rootDir>/test/global-teardown.mjs',
    },
  ],
  // A global option: jest ignores it inside a project. Integration tests start servers and processes.
  testTimeout: 60_000,
};
