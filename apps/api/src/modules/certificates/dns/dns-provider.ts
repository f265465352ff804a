/** Publishes and removes DNS-01 answers (`_acme-challenge.<name> TXT <value>`). */
export interface DnsChallengeProvider {
  /** The zone this provider may change; names at or below it are its. */
  readonly zone: string;
  present(fqdn: string, value: string): Promise<void>;
  cleanup(fqdn: string, value: string): Promise<void>;
}

/** `_acme-challenge.example.com` for both `example.com` and `*.example.com` (RFC 8555 §8.4). */
export function challengeName(domain: string): string {
  return `_acme-challenge.${domain.replace(/^\*\./, '')}`;
}

export function inZone(name: string, zone: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  const z = zone.toLowerCase().replace(/\.$/, '');
  return n === z || n.endsWith(`.${z}`);
}
