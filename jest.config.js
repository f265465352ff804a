// Jest runs in native ESM mode (NestJS 12 packages are ESM-only); SWC strips types and keeps
// decorator metadata, which Nest's dependency injection reads at run time.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
};

export default {
  maxWorkers: 2,
  // Only honoured at the top level: real servers, hosts and browsers need more than 5 s, and a
  // beforeAll that boots the app must outlast the app's own boot deadline (120 s by default,
  // test/support/test-app.ts) so a slow start is reported with the app's output, not as a hook
  // timeout.
  testTimeout: 300_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/apps/api/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
    },
  ],
};
