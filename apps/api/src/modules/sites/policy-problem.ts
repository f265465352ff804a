/**
 * A policy that validates with http-01 cannot get certificates for wildcard names; saying so
 * when the site is written beats an order that fails later. Null when there is no problem.
 */
export function policyProblem(
  tlsMode: string,
  hostnames: string[],
  policy: { name: string; challenge: string } | null,
): string | null {
  const wildcards = hostnames.filter((h) => h.startsWith('*.'));
  if (tlsMode !== 'acme' || policy?.challenge !== 'http-01' || !wildcards.length) return null;
  return `policy ${policy.name} validates with http-01, which cannot prove wildcard names (${wildcards.join(', ')}): use a dns-01 policy`;
}
