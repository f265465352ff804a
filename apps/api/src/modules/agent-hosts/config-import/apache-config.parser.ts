import {
  emptySite,
  type ImportedFile,
  type ImportProposal,
  ProposalBuilder,
  type ProposedSite,
  type ProposedTarget,
  parseTarget,
} from './import-proposal.js';

interface Directive {
  name: string;
  args: string[];
  line: number;
  block?: Directive[];
}

const HARMLESS = new Set(
  [
    'ProxyPassReverse',
    'ProxyPreserveHost',
    'ProxyRequests',
    'SSLEngine',
    'SSLCertificateFile',
    'SSLCertificateKeyFile',
    'SSLCertificateChainFile',
    'SSLProtocol',
    'SSLCipherSuite',
    'ErrorLog',
    'CustomLog',
    'LogLevel',
    'RewriteEngine',
    'RewriteCond',
    'ServerAdmin',
    'Include',
    'IncludeOptional',
  ].map((d) => d.toLowerCase()),
);

/** Proposes Portico sites and upstreams from hand-written Apache virtual hosts. */
export class ApacheConfigParser {
  parse(files: ImportedFile[]): ImportProposal {
    const out = new ProposalBuilder();
    const parsed = files.map((f) => ({ source: f.path, directives: ApacheConfigParser.tokenize(f.content) }));
    // Balancers first: a ProxyPass may name one defined elsewhere.
    for (const { source, directives } of parsed) {
      for (const d of walk(directives)) if (is(d, 'Proxy') && d.block) this.balancer(out, d, source);
    }
    for (const { source, directives } of parsed) {
      for (const d of directives) {
        if (is(d, 'VirtualHost') && d.block) this.virtualHost(out, d, source);
        else if (!is(d, 'Proxy') && !is(d, 'Listen') && !is(d, 'IfModule')) {
          out.unmap(source, d.line, d.name, 'outside a VirtualHost');
        }
      }
    }
    return out.build();
  }

  private balancer(out: ProposalBuilder, d: Directive, source: string): void {
    const name = /^balancer:\/\/([^/]+)\/?$/.exec(d.args[0] ?? '')?.[1];
    if (!name) return;
    const targets: ProposedTarget[] = [];
    let policy: 'round_robin' | 'least_conn' = 'round_robin';
    for (const m of d.block ?? []) {
      if (is(m, 'BalancerMember')) {
        const t = parseTarget(m.args[0] ?? '');
        const factor = Number(
          /^loadfactor=(\d+)$/i.exec(m.args.find((a) => /^loadfactor=/i.test(a)) ?? '')?.[1] ?? 1,
        );
        if (t) targets.push({ scheme: t.scheme, host: t.host, port: t.port, weight: factor });
        else out.unmap(source, m.line, 'BalancerMember', `cannot read member ${m.args[0]}`);
      } else if (is(m, 'ProxySet') && m.args.some((a) => /^lbmethod=bybusyness$/i.test(a)))
        policy = 'least_conn';
    }
    out.addUpstream({ name, targets, policy, source });
  }

  private virtualHost(out: ProposalBuilder, vhost: Directive, source: string): void {
    const site = emptySite(source);
    site.listen.push(...vhost.args);
    site.tls = vhost.args.some((a) => /:443$/.test(a));
    for (const d of vhost.block ?? []) {
      const name = d.name.toLowerCase();
      if (name === 'servername') site.hostnames.unshift(d.args[0] ?? '');
      else if (name === 'serveralias') site.hostnames.push(...d.args);
      else if (name === 'sslengine' && /^on$/i.test(d.args[0] ?? '')) site.tls = true;
      else if (name === 'proxypass') this.route(out, site, d.args[0] ?? '', d.args.slice(1), d, source);
      else if (name === 'location' && d.block) this.location(out, site, d, source);
      else if (name === 'header') this.header(site, d.args, 'response');
      else if (name === 'requestheader') this.header(site, d.args, 'upstream');
      else if (name === 'proxytimeout') site.readTimeoutSec = Number(d.args[0]) || null;
      else if (name === 'limitrequestbody') site.maxBodyMb = Math.ceil(Number(d.args[0]) / 1048576) || null;
      else if (name === 'redirect' && d.args.some((a) => /^https:\/\//.test(a))) site.httpsRedirect = true;
      else if (name === 'rewriterule' && /^https:\/\//.test(d.args[1] ?? '')) site.httpsRedirect = true;
      else if (name === 'proxy')
        continue; // balancer, read above
      else if (!HARMLESS.has(name))
        out.unmap(source, d.line, d.name, 'VirtualHost directive without a Portico equivalent');
    }
    site.hostnames = site.hostnames.filter(Boolean);
    if (site.hostnames.length === 0) {
      out.unmap(
        source,
        vhost.line,
        `VirtualHost ${vhost.args.join(' ')}`,
        'no ServerName: a catch-all is not imported',
      );
      return;
    }
    out.addSite(site);
  }

  private location(out: ProposalBuilder, site: ProposedSite, d: Directive, source: string): void {
    for (const s of d.block ?? []) {
      if (is(s, 'ProxyPass')) this.route(out, site, d.args[0] ?? '', s.args, s, source);
      else if (!HARMLESS.has(s.name.toLowerCase())) {
        out.unmap(source, s.line, s.name, `Location ${d.args[0]}: directive without a Portico equivalent`);
      }
    }
  }

  private route(
    out: ProposalBuilder,
    site: ProposedSite,
    path: string,
    args: string[],
    d: Directive,
    source: string,
  ) {
    const [url = '', ...params] = args;
    if (url === '!') {
      out.unmap(source, d.line, `ProxyPass ${path} !`, 'exclusions are not supported');
      return;
    }
    if (/upgrade=websocket/i.test(params.join(' ')) || /^wss?:/i.test(url)) site.websocket = true;
    const streaming = params.some((p) => /^flushpackets=on$/i.test(p));
    const balancer = /^balancer:\/\/([^/]+)\/?$/.exec(url)?.[1];
    if (balancer && out.hasUpstream(balancer)) {
      site.routes.push({ pathPrefix: path, upstream: out.upstreamName(balancer), streaming });
      return;
    }
    const t = parseTarget(url);
    // The target's path replaces the matched prefix: only an identical path keeps URLs as they are.
    const bare = (p: string) => p.replace(/\/+$/, '');
    if (!t || bare(t.path) !== bare(path)) {
      out.unmap(
        source,
        d.line,
        `ProxyPass ${path} ${url}`,
        'target that is not a plain http(s) URL or rewrites the path',
      );
      return;
    }
    // WebSocket-only targets (ws://) go to the same backend over http.
    const upstream = out.upstreamFor({ scheme: t.scheme, host: t.host, port: t.port, weight: 1 }, source);
    if (!site.routes.some((r) => r.pathPrefix === path))
      site.routes.push({ pathPrefix: path, upstream, streaming });
  }

  private header(site: ProposedSite, args: string[], where: 'response' | 'upstream'): void {
    const rest = args[0]?.toLowerCase() === 'always' ? args.slice(1) : args;
    const [action = '', name = '', value = ''] = rest;
    if (!/^(set|add|append)$/i.test(action)) return;
    if (where === 'response' && name.toLowerCase() === 'strict-transport-security') site.hsts = true;
    else (where === 'response' ? site.responseHeaders : site.upstreamHeaders).push({ name, value });
  }

  /** Apache syntax: one directive per line (`\` continues), `<Section args>` … `</Section>`. */
  static tokenize(text: string): Directive[] {
    const root: Directive[] = [];
    const stack: Directive[][] = [root];
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const lineNo = i + 1;
      let line = lines[i]!.trim();
      while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i]!.trim()}`;
      if (line === '' || line.startsWith('#')) continue;
      const current = stack[stack.length - 1]!;
      const close = /^<\/([A-Za-z]+)\s*>$/.exec(line);
      const open = /^<([A-Za-z]+)\s*([^>]*)>$/.exec(line);
      if (close) {
        if (stack.length > 1) stack.pop();
      } else if (open) {
        const d: Directive = { name: open[1]!, args: words(open[2]!), line: lineNo, block: [] };
        current.push(d);
        stack.push(d.block!);
      } else {
        const [name = '', ...args] = words(line);
        current.push({ name, args, line: lineNo });
      }
    }
    return root;
  }
}

function words(text: string): string[] {
  return [...text.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

function is(d: Directive, name: string): boolean {
  return d.name.toLowerCase() === name.toLowerCase();
}

function* walk(directives: Directive[]): Generator<Directive> {
  for (const d of directives) {
    yield d;
    if (d.block) yield* walk(d.block);
  }
}
