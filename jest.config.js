// Two projects: unit tests (pure, no root, no sockets) and integration tests
// (root, network namespaces, real packets). ts-jest only transpiles; `tsc
// --noEmit` does the type checking once for the whole tree.
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/unit'],
      testMatch: ['**/*.test.ts'],
      transform,
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/integration'],
      testMatch: ['**/*.test.ts'],
      // Kills and names what a failed test left running, so jest exits instead of waiting on it.
      globalTeardown: '<rootDir>/test/integration/integration-teardown.ts',
      transform,
    },
  ],
};
