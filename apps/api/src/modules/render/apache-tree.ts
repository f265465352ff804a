import { apacheSitePlan } from './apache-plan.js';
import type { RenderedFile } from './fleet-state.js';
import { renderedFile } from './rendered-file.js';
import { safeWord } from './safe-word.js';
import type { SitePlan } from './site-plan.js';
import type { TemplateRenderer } from './template-renderer.js';

const CONF = 0o644;

/**
 * The Apache modules a set of sites needs, as a2enmod names (module id = `<name>_module`,
 * file = `mod_<name>.so`). Deploy checks they are enabled before switching.
 */
export function apacheModules(plans: SitePlan[]): string[] {
  // portico.conf: Alias for ACME, Require in its <Directory>; every vhost proxies and sets headers.
  const modules = new Set(['alias', 'authz_core', 'headers', 'proxy', 'proxy_http']);
  for (const site of plans) {
    if (site.http.redirect || site.apacheLegacyWebsocket) modules.add('rewrite');
    if (site.apacheLegacyWebsocket) modules.add('proxy_wstunnel');
    if (site.https) modules.add('ssl');
    if (site.https?.stapling) modules.add('socache_shmcb');
    for (const route of site.routes) {
      if (route.upstream.scheme === 'https') modules.add('ssl');
      if (route.balancer === null) continue;
      modules.add('proxy_balancer').add('slotmem_shm');
      modules.add(route.upstream.policy === 'least_conn' ? 'lbmethod_bybusyness' : 'lbmethod_byrequests');
    }
  }
  return [...modules].sort();
}

export function apacheSiteFile(renderer: TemplateRenderer, plan: SitePlan): RenderedFile {
  const content = renderer.render('apache/site.conf.njk', {
    site: { ...plan, apache: apacheSitePlan(plan) },
  });
  return renderedFile(`apache/sites/${safeWord(plan.name, 'site name')}.conf`, CONF, content);
}

/** The Apache part of an agent's tree: entry file, TLS snippet, one file per site. */
export function apacheTree(renderer: TemplateRenderer, plans: SitePlan[], live: string, acmeRoot: string) {
  return [
    renderedFile(
      'apache/portico.conf',
      CONF,
      renderer.render('apache/portico.conf.njk', {
        live,
        acmeRoot,
        modules: apacheModules(plans),
        stapling: plans.some((p) => p.https?.stapling),
      }),
    ),
    renderedFile('apache/snippets/tls.conf', CONF, renderer.render('apache/snippets/tls.conf.njk', {})),
    ...plans.map((p) => apacheSiteFile(renderer, p)),
  ];
}
