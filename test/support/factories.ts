import { randomBytes } from 'node:crypto';

// Valid API documents with unique names; tests override only what they are about.

export const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

export function upstreamDoc(overrides: Record<string, unknown> = {}) {
  return {
    name: uniqueName('up'),
    targets: [{ host: '10.0.0.10', port: 8080 }],
    ...overrides,
  };
}

export function siteDoc(upstream: string, overrides: Record<string, unknown> = {}) {
  const name = typeof overrides.name === 'string' ? overrides.name : uniqueName('site');
  return {
    name,
    hostnames: [`${name}.example.test`],
    routes: [{ pathPrefix: '/', upstream }],
    ...overrides,
  };
}

export function agentDoc(overrides: Record<string, unknown> = {}) {
  return { name: uniqueName('agent'), address: '192.0.2.10', ...overrides };
}

export function serviceDoc(overrides: Record<string, unknown> = {}) {
  return { name: uniqueName('svc'), execStart: '/usr/bin/env sleep infinity', ...overrides };
}
