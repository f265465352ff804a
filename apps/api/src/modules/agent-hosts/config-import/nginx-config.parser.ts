import {
  emptySite,
  type ImportedFile,
  type ImportProposal,
  ProposalBuilder,
  type ProposedSite,
  parseTarget,
} from './import-proposal.js';

interface Directive {
  name: string;
  args: string[];
  line: number;
  block?: Directive[];
}

// proxy_set_header lines every Portico site gets anyway; anything else is a custom header.
const STANDARD_UPSTREAM_HEADERS = /^(host|x-real-ip|x-forwarded-(for|proto|host|port)|upgrade|connection)$/i;
// Directives that carry no meaning Portico has to keep (it renders its own equivalents).
const HARMLESS = new Set([
  'ssl_certificate',
  'ssl_certificate_key',
  'ssl_protocols',
  'ssl_ciphers',
  'ssl_prefer_server_ciphers',
  'ssl_session_cache',
  'ssl_session_timeout',
  'access_log',
  'error_log',
  'proxy_http_version',
  'proxy_redirect',
  'proxy_cache_bypass',
  'include',
]);

/** Proposes Portico sites and upstreams from hand-written nginx server and upstream blocks. */
export class NginxConfigParser {
  parse(files: ImportedFile[]): ImportProposal {
    const out = new ProposalBuilder();
    const parsed = files.map((f) => ({ source: f.path, directives: NginxConfigParser.tokenize(f.content) }));
    // Upstream blocks first: a proxy_pass may name one defined in another file.
    for (const { source, directives } of parsed) {
      for (const d of flatten(directives))
        if (d.name === 'upstream' && d.block) this.upstream(out, d, source);
    }
    for (const { source, directives } of parsed) {
      for (const d of flatten(directives)) {
        if (d.name === 'server' && d.block) this.server(out, d.block, source);
        else if (!['upstream', 'http', 'server'].includes(d.name)) {
          out.unmap(source, d.line, d.name, 'outside a server block');
        }
      }
    }
    return out.build();
  }

  private upstream(out: ProposalBuilder, d: Directive, source: string): void {
    const targets = [];
    let policy: 'round_robin' | 'least_conn' | 'ip_hash' = 'round_robin';
    for (const s of d.block ?? []) {
      if (s.name === 'least_conn' || s.name === 'ip_hash') policy = s.name;
      else if (s.name === 'server') {
        const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(s.args[0] ?? '');
        const weight = Number(
          /^weight=(\d+)$/.exec(s.args.find((a) => a.startsWith('weight=')) ?? '')?.[1] ?? 1,
        );
        if (m)
          targets.push({
            scheme: 'http' as const,
            host: m[1]!.replace(/^\[|\]$/g, ''),
            port: Number(m[2] ?? 80),
            weight,
          });
        else out.unmap(source, s.line, 'server', `cannot read upstream server ${s.args.join(' ')}`);
      } else if (s.name !== 'keepalive')
        out.unmap(source, s.line, s.name, 'upstream option without a Portico equivalent');
    }
    out.addUpstream({ name: d.args[0] ?? 'upstream', targets, policy, source });
  }

  private server(out: ProposalBuilder, block: Directive[], source: string): void {
    const site: ProposedSite = emptySite(source);
    for (const d of block) {
      switch (d.name) {
        case 'listen':
          site.listen.push(d.args.join(' '));
          if (d.args.includes('ssl')) site.tls = true;
          break;
        case 'server_name':
          site.hostnames.push(...d.args.filter((h) => h !== '_' && h !== '""'));
          break;
        case 'location':
          this.location(out, site, d, source);
          break;
        case 'return':
          if (/^30[1278]$/.test(d.args[0] ?? '') && /^https:\/\//.test(d.args[1] ?? ''))
            site.httpsRedirect = true;
          else out.unmap(source, d.line, 'return', `return ${d.args.join(' ')} is not a proxy route`);
          break;
        case 'add_header':
          if (d.args[0]?.toLowerCase() === 'strict-transport-security') site.hsts = true;
          else site.responseHeaders.push({ name: d.args[0] ?? '', value: d.args[1] ?? '' });
          break;
        case 'client_max_body_size':
          site.maxBodyMb = sizeMb(d.args[0] ?? '');
          break;
        default:
          if (!this.proxySetting(site, d) && !HARMLESS.has(d.name)) {
            out.unmap(source, d.line, d.name, 'server directive without a Portico equivalent');
          }
      }
    }
    if (site.hostnames.length === 0) {
      out.unmap(
        source,
        block[0]?.line ?? 0,
        'server',
        'server block without server_name (a catch-all) is not imported',
      );
      return;
    }
    out.addSite(site);
  }

  private location(out: ProposalBuilder, site: ProposedSite, d: Directive, source: string): void {
    if (d.args.length !== 1) {
      out.unmap(
        source,
        d.line,
        `location ${d.args.join(' ')}`,
        'regex and exact-match locations are not supported',
      );
      return;
    }
    const pathPrefix = d.args[0]!;
    let upstream: string | null = null;
    let streaming = false;
    for (const s of d.block ?? []) {
      if (s.name === 'proxy_pass') {
        upstream = this.proxyTarget(out, s.args[0] ?? '', pathPrefix, source);
        if (!upstream)
          out.unmap(source, s.line, `proxy_pass ${s.args[0]}`, 'target with variables or a path rewrite');
      } else if (s.name === 'proxy_buffering' && s.args[0] === 'off') streaming = true;
      else if (!this.proxySetting(site, s) && !HARMLESS.has(s.name)) {
        out.unmap(source, s.line, s.name, `location ${pathPrefix}: directive without a Portico equivalent`);
      }
    }
    if (upstream) site.routes.push({ pathPrefix, upstream, streaming });
  }

  /** Settings Portico has per site, wherever they appear. True when handled. */
  private proxySetting(site: ProposedSite, d: Directive): boolean {
    if (d.name === 'proxy_read_timeout') site.readTimeoutSec = seconds(d.args[0] ?? '');
    else if (d.name === 'proxy_send_timeout') return true;
    else if (d.name === 'proxy_set_header') {
      const [name = '', value = ''] = d.args;
      if (/^upgrade$/i.test(name)) site.websocket = true;
      if (!STANDARD_UPSTREAM_HEADERS.test(name)) site.upstreamHeaders.push({ name, value });
    } else return false;
    return true;
  }

  private proxyTarget(out: ProposalBuilder, url: string, pathPrefix: string, source: string): string | null {
    const target = parseTarget(url);
    if (!target || url.includes('$')) return null;
    // With a URI part, nginx replaces the location prefix by it: only a no-op replacement maps.
    const uri = /^[a-z]+:\/\/[^/]+(\/.*)?$/i.exec(url)?.[1];
    if (uri !== undefined && uri !== pathPrefix) return null;
    const named = /^https?:\/\/([A-Za-z0-9_.-]+)\/?$/.exec(url)?.[1];
    if (named && out.hasUpstream(named)) return out.upstreamName(named);
    return out.upstreamFor(
      { scheme: target.scheme, host: target.host, port: target.port, weight: 1 },
      source,
    );
  }

  /** nginx syntax: words, quoted strings, `;`, `{`, `}` and `#` comments. */
  static tokenize(text: string): Directive[] {
    const root: Directive[] = [];
    const stack: Directive[][] = [root];
    let words: string[] = [];
    let wordsLine = 1;
    let line = 1;
    const re = /(#[^\n]*)|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|([{};])|([^\s{};"'#]+)|(\n)/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (m[5]) line++;
      else if (m[1]) continue;
      else if (m[3]) {
        const [name = '', ...args] = words;
        const current = stack[stack.length - 1]!;
        if (m[3] === ';' && words.length > 0) current.push({ name, args, line: wordsLine });
        else if (m[3] === '{') {
          const d: Directive = { name, args, line: wordsLine, block: [] };
          current.push(d);
          stack.push(d.block!);
        } else if (m[3] === '}' && stack.length > 1) stack.pop();
        words = [];
      } else {
        if (words.length === 0) wordsLine = line;
        const word = m[2] ? m[2].slice(1, -1) : m[4]!;
        words.push(word);
        line += (m[0].match(/\n/g) ?? []).length;
      }
    }
    return root;
  }
}

/** Top-level directives with `http { … }` opened up (a file may be a whole nginx.conf). */
function flatten(directives: Directive[]): Directive[] {
  return directives.flatMap((d) => (d.name === 'http' && d.block ? d.block : [d]));
}

function seconds(value: string): number | null {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(value);
  if (!m) return null;
  const n = Number(m[1]);
  return m[2] === 'ms' ? Math.ceil(n / 1000) : m[2] === 'm' ? n * 60 : m[2] === 'h' ? n * 3600 : n;
}

function sizeMb(value: string): number | null {
  const m = /^(\d+)([kKmMgG])?$/.exec(value);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  return unit === 'g'
    ? n * 1024
    : unit === 'm'
      ? n
      : unit === 'k'
        ? Math.ceil(n / 1024)
        : Math.ceil(n / 1048576);
}
