import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { AppError } from '../errors/app-error.js';

/**
 * Ranges no outbound connection may reach unless OUTBOUND_ALLOW names them: link-local (cloud
 * metadata services live at 169.254.169.254 and fd00:ec2::254), "this network", multicast and
 * broadcast. An operator who may add a health check or a DNS provider must not be able to turn
 * Portico into a scanner of its own cloud's metadata.
 */
export const DEFAULT_DENY = [
  '169.254.0.0/16',
  'fe80::/10',
  'fd00:ec2::254/128',
  '0.0.0.0/8',
  '::/128',
  '224.0.0.0/4',
  '255.255.255.255/32',
  'ff00::/8',
] as const;

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Parses a CIDR or a bare address (as /32 or /128). Throws on anything else. */
export function parseRange(text: string): Range {
  if (text.includes('/')) return ipaddr.parseCIDR(text);
  const address = ipaddr.parse(text);
  return [address, address.kind() === 'ipv4' ? 32 : 128];
}

export class OutboundDenied extends AppError {
  constructor(
    readonly address: string,
    readonly range: string,
  ) {
    super('OUTBOUND_DENIED', `refused by the outbound policy: ${address} is in ${range}`, {
      address,
      range,
    });
  }
}

/**
 * The one allow/deny list for every connection Portico opens (health probes, the doctor, ACME,
 * DNS providers): a name is resolved first, every address it resolves to is checked, and the
 * caller connects to the checked address, so nothing is sent to a denied range and a second
 * resolution cannot swap in another address. Deny = DEFAULT_DENY + OUTBOUND_DENY; an address in
 * OUTBOUND_ALLOW is allowed even when a deny range covers it.
 */
export class OutboundPolicy {
  private readonly deny: { text: string; range: Range }[];
  private readonly allow: { text: string; range: Range }[];

  constructor(deny: readonly string[], allow: readonly string[]) {
    this.deny = [...DEFAULT_DENY, ...deny].map((text) => ({ text, range: parseRange(text) }));
    this.allow = allow.map((text) => ({ text, range: parseRange(text) }));
  }

  /** Throws OutboundDenied when `address` (an IP) may not be connected to. */
  check(address: string): void {
    const ip = ipaddr.process(address.replace(/^\[|\]$/g, ''));
    const within = (r: { range: Range }) => ip.kind() === r.range[0].kind() && ip.match(r.range);
    if (this.allow.some(within)) return;
    const denied = this.deny.find(within);
    if (denied) throw new OutboundDenied(ip.toString(), denied.text);
  }

  /**
   * A `lookup` for net/http/https agents: the connection goes to an address this policy
   * checked, so a client library (axios in acme-client) cannot reach a denied range by name.
   */
  readonly lookup = (
    hostname: string,
    options: { all?: boolean } | number,
    callback: (
      error: Error | null,
      address: string | { address: string; family: number }[],
      family?: number,
    ) => void,
  ): void => {
    this.resolve(hostname).then(
      (address) => {
        const family = isIP(address);
        if (typeof options === 'object' && options.all) callback(null, [{ address, family }]);
        else callback(null, address, family);
      },
      (error: Error) => callback(error, ''),
    );
  };

  /**
   * The address to connect to for `host`: an IP is checked as it is; a name is resolved and
   * every address it has must pass (a name that also points into a denied range is refused).
   */
  async resolve(host: string): Promise<string> {
    const bare = host.replace(/^\[|\]$/g, '');
    if (isIP(bare)) {
      this.check(bare);
      return bare;
    }
    const addresses = await lookup(bare, { all: true, verbatim: true });
    for (const { address } of addresses) this.check(address);
    const first = addresses[0];
    if (!first) throw new Error(`cannot resolve ${host}`);
    return first.address;
  }
}
