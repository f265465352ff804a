// Runs the render benchmark with the same TypeScript transform as the tests:
//   NODE_OPTIONS=--experimental-vm-modules npx jest -c bench/render/jest.config.js
export default {
  rootDir: '../..',
  testMatch: ['<rootDir>/bench/render/**/*.bench.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2023',
        },
        module: { type: 'es6' },
      },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
  testTimeout: 120_000,
};
