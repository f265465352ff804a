import type { RenderedFile } from './fleet-state.js';
import { renderedFile } from './rendered-file.js';
import { safeWord } from './safe-word.js';
import type { SitePlan } from './site-plan.js';
import type { TemplateRenderer } from './template-renderer.js';
import type { UpstreamPlan } from './upstream-plan.js';

const CONF = 0o644;

/**
 * nginx's default server-name hash (buckets of one 64-byte cache line, at most 512 of them)
 * holds names up to ~46 characters and a few hundred names: longer names make `nginx -t` fail,
 * more names make it warn. portico.conf raises the limits only when the sites need it (the
 * host's nginx.conf must then not set them too).
 */
function serverNamesHash(plans: SitePlan[]): { bucketSize: number | null; maxSize: number | null } {
  const names = plans.flatMap((p) => p.hostnames);
  const longest = Math.max(0, ...names.map((h) => h.length));
  const needed = 16 + Math.ceil((longest + 2) / 8) * 8;
  const pow2 = (n: number, min: number) => {
    let size = min;
    while (size < n) size *= 2;
    return size;
  };
  return {
    // Room for the longest name and a few more: a bucket that fits just one overflows as soon
    // as any other name hashes to it.
    bucketSize: needed <= 64 ? null : pow2(needed * 2, 128),
    maxSize: names.length <= 128 ? null : pow2(names.length * 4, 1024),
  };
}

export function siteFile(renderer: TemplateRenderer, plan: SitePlan): RenderedFile {
  const content = renderer.render('nginx/site.conf.njk', { site: plan });
  return renderedFile(`nginx/sites/${safeWord(plan.name, 'site name')}.conf`, CONF, content);
}

export function upstreamFile(renderer: TemplateRenderer, upstream: UpstreamPlan): RenderedFile {
  const content = renderer.render('nginx/upstream.conf.njk', { upstream });
  return renderedFile(`nginx/upstreams/${safeWord(upstream.name, 'upstream name')}.conf`, CONF, content);
}

/** Upstreams the plans route to, once each, by name. */
export function upstreamsOf(plans: SitePlan[]): UpstreamPlan[] {
  const byName = new Map<string, UpstreamPlan>();
  for (const plan of plans) for (const route of plan.routes) byName.set(route.upstream.name, route.upstream);
  return [...byName.keys()].sort().map((name) => byName.get(name) as UpstreamPlan);
}

/** The nginx part of an agent's tree: entry file, snippets, one file per upstream and per site. */
export function nginxTree(renderer: TemplateRenderer, plans: SitePlan[], live: string, acmeRoot: string) {
  return [
    renderedFile(
      'nginx/portico.conf',
      CONF,
      renderer.render('nginx/portico.conf.njk', {
        live,
        serverNamesHash: serverNamesHash(plans),
      }),
    ),
    renderedFile('nginx/snippets/tls.conf', CONF, renderer.render('nginx/snippets/tls.conf.njk', {})),
    renderedFile(
      'nginx/snippets/proxy-forwarded.conf',
      CONF,
      renderer.render('nginx/snippets/proxy-forwarded.conf.njk', {}),
    ),
    renderedFile(
      'nginx/snippets/acme-challenge.conf',
      CONF,
      renderer.render('nginx/snippets/acme-challenge.conf.njk', { acmeRoot }),
    ),
    ...upstreamsOf(plans).map((u) => upstreamFile(renderer, u)),
    ...plans.map((p) => siteFile(renderer, p)),
  ];
}
