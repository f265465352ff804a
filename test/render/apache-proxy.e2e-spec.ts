import { describe, jest } from '@jest/globals';
import { describeProxyBehaviour } from './proxy-behaviour.js';

// jest ignores testTimeout inside `projects`; real servers need more than the 5 s default.
jest.setTimeout(120_000);

describe('Apache running the rendered tree', () => describeProxyBehaviour({ flavor: 'apache' }));

// Before 2.4.47 Portico writes mod_proxy_wstunnel rewrite rules instead of upgrade=websocket;
// today's Apache still runs them, so the legacy style is proven for real too.
describe('Apache running the legacy (pre-2.4.47) WebSocket style', () =>
  describeProxyBehaviour({ flavor: 'apache', proxyVersion: '2.4.46' }));
