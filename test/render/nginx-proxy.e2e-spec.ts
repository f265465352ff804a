import { describe, jest } from '@jest/globals';
import { describeProxyBehaviour } from './proxy-behaviour.js';

// jest ignores testTimeout inside `projects`; real servers need more than the 5 s default.
jest.setTimeout(120_000);

describe('nginx running the rendered tree', () => describeProxyBehaviour({ flavor: 'nginx' }));
