import { uniqueName } from '../support/factories.js';

/**
 * A small but complete fleet document: two agents (nginx, apache), two upstreams, two sites
 * (one routing to both upstreams, one with headers) and a service. Names are unique per call.
 */
export function fleetDocument() {
  const p = uniqueName('f');
  const names = {
    edge: `${p}-edge`,
    apache: `${p}-apache`,
    api: `${p}-api`,
    web: `${p}-web`,
    shop: `${p}-shop`,
    blog: `${p}-blog`,
    worker: `${p}-worker`,
  };
  const doc = {
    apiVersion: 'portico/v1',
    kind: 'Fleet',
    agents: [
      { name: names.edge, address: '192.0.2.10', labels: { env: 'prod' } },
      {
        name: names.apache,
        address: '192.0.2.11',
        flavor: 'apache',
        httpPort: 8080,
        // A host without systemd: the overrides must survive export, apply and restore.
        hostOverrides: { units: null, keepRevisions: 3 },
      },
    ],
    upstreams: [
      { name: names.api, targets: [{ host: '10.0.0.10', port: 8080 }], policy: 'least_conn' },
      {
        name: names.web,
        targets: [
          { host: '10.0.0.20', port: 3000, weight: 2 },
          { host: '10.0.0.21', port: 3000 },
        ],
      },
    ],
    sites: [
      {
        name: names.shop,
        hostnames: [`${names.shop}.example.test`],
        routes: [
          { pathPrefix: '/', upstream: names.web },
          { pathPrefix: '/api/', upstream: names.api, streaming: true },
        ],
        agents: [names.edge, names.apache],
        labels: { env: 'prod' },
      },
      {
        name: names.blog,
        hostnames: [`${names.blog}.example.test`, `www.${names.blog}.example.test`],
        routes: [{ pathPrefix: '/', upstream: names.web }],
        responseHeaders: [{ name: 'X-Frame-Options', value: 'DENY' }],
        agents: [names.edge],
      },
    ],
    services: [
      {
        name: names.worker,
        execStart: '/usr/bin/env sleep infinity',
        agents: [names.edge],
        environment: { A: '1' },
      },
    ],
  };
  return { doc, names };
}

export type FleetDoc = ReturnType<typeof fleetDocument>['doc'];
