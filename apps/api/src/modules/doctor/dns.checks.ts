import { lookup, Resolver } from 'node:dns/promises';
import { reason } from '../health/http-request.js';
import { check, type DoctorCheck } from './doctor-codes.js';
import type { DoctorContext } from './doctor-context.js';

/**
 * Each hostname must resolve to the agents that serve it. With `servers` (DOCTOR_DNS_SERVERS)
 * those are asked directly, as the public would; otherwise the system resolver (and /etc/hosts).
 */
export async function dnsChecks(
  ctx: DoctorContext,
  servers: string[],
  timeoutMs: number,
): Promise<DoctorCheck[]> {
  const expected = new Set(ctx.agents.flatMap((a) => [a.row.address, a.address]));
  if (expected.size === 0) {
    return [
      check('DNS_RESOLVES', 'skip', 'no agent serves the site yet', {}, 'add agents to the site and deploy'),
    ];
  }
  const checks: DoctorCheck[] = [];
  for (const host of ctx.hostnames) {
    let addresses: string[];
    try {
      addresses = await resolveAll(host, servers, timeoutMs);
    } catch (error) {
      addresses = [];
      checks.push({
        ...check(
          'DNS_RESOLVES',
          'fail',
          `${host} does not resolve: ${reason(error)}`,
          { servers: servers.length ? servers : 'system', expected: [...expected] },
          `add an A/AAAA record for ${host} pointing at ${[...expected].join(', ')}`,
        ),
        subject: host,
      });
      continue;
    }
    const evidence = { servers: servers.length ? servers : 'system', addresses, expected: [...expected] };
    const foreign = addresses.filter((a) => !expected.has(a));
    const served = addresses.filter((a) => expected.has(a));
    const fix = `point ${host} at the agents that serve it: ${[...expected].join(', ')}`;
    const c =
      served.length === 0
        ? check(
            'DNS_RESOLVES',
            'fail',
            `${host} resolves to ${addresses.join(', ')}, none of the site's agents`,
            evidence,
            fix,
          )
        : foreign.length > 0
          ? check(
              'DNS_RESOLVES',
              'warn',
              `${host} also resolves to ${foreign.join(', ')}, which serve(s) no copy of the site`,
              evidence,
              fix,
            )
          : check('DNS_RESOLVES', 'pass', `${host} → ${addresses.join(', ')}`, evidence);
    checks.push({ ...c, subject: host });
  }
  return checks;
}

async function resolveAll(host: string, servers: string[], timeoutMs: number): Promise<string[]> {
  if (servers.length === 0) {
    const all = await lookup(host, { all: true });
    return [...new Set(all.map((a) => a.address))];
  }
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  resolver.setServers(servers);
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
  const addresses = [
    ...(v4.status === 'fulfilled' ? v4.value : []),
    ...(v6.status === 'fulfilled' ? v6.value : []),
  ];
  if (addresses.length === 0) throw v4.status === 'rejected' ? v4.reason : new Error('no A/AAAA records');
  return addresses;
}
