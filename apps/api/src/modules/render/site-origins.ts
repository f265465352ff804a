import type { SiteSpec } from './fleet-state.js';

// A site's public addresses as clients see them. Public ports are assumed to be the standard
// ones: an agent listening elsewhere sits behind port mapping that clients never see.

/** Every origin browsers may load the site from (CORS allow-lists). */
export function siteOrigins(site: SiteSpec): string[] {
  const schemes = site.tlsMode === 'off' ? ['http'] : site.httpsRedirect ? ['https'] : ['http', 'https'];
  return site.hostnames.flatMap((host) => schemes.map((scheme) => `${scheme}://${host}`));
}

/** The site's canonical URL (first hostname that is not a wildcard), or null. */
export function siteUrl(site: SiteSpec): string | null {
  const host = site.hostnames.find((h) => !h.includes('*'));
  if (host === undefined) return null;
  return `${site.tlsMode === 'off' ? 'http' : 'https'}://${host}`;
}
