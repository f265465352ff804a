import type { ProxyFlavor } from '../render/fleet-state.js';

export type OsFamily = 'debian' | 'rhel';

/** Command templates for systemd units; `{unit}` is replaced by the quoted unit file name. */
export interface UnitCommands {
  /** Where unit symlinks go (they point into `<configRoot>/live/systemd/`). */
  unitDir: string;
  daemonReload: string;
  /** Enables and (re)starts a changed or new unit. */
  restart: string;
  /** Stops and disables a unit that left the tree. */
  stop: string;
  /** Exit 0 when the unit runs. */
  isActive: string;
}

/** Everything the engine needs to know about one host; the flavor matters only through these. */
export interface HostSettings {
  flavor: ProxyFlavor;
  /** Directory Portico owns: revisions/, live -> revisions/<id>, acme/. */
  configRoot: string;
  /** Checks the host's whole proxy config (which includes `<configRoot>/live/...` via the hook). */
  validateCommand: string;
  reloadCommand: string;
  /** Exit 0 while the proxy's processes run (the health check `agent:<id>:process`). */
  statusCommand: string;
  versionCommand: string;
  /** Lists loaded modules (Apache); null when the flavor has none to check. */
  modulesCommand: string | null;
  requiredModules: string[];
  /** The one file in the host's own config that includes Portico's tree. */
  hookPath: string;
  /** Where hand-written site configs live, for import. */
  importDirs: string[];
  /** null on hosts without systemd: units are still staged and verified, never started. */
  units: UnitCommands | null;
  /** Prefix that verifies unit files given as arguments; null skips unit validation. */
  unitVerifyCommand: string | null;
  /** Address the host's own proxy listens on, as seen from the host (verify connects there). */
  verifyAddress: string;
  /** Revision trees kept on the host besides the live one. */
  keepRevisions: number;
  /** Pause after a reload before verifying, so old workers have handed over. */
  settleMs: number;
  /** How long verify keeps retrying a check that does not answer yet. */
  verifyTimeoutMs: number;
}

const SYSTEMD: UnitCommands = {
  unitDir: '/etc/systemd/system',
  daemonReload: 'systemctl daemon-reload',
  restart: 'systemctl enable -q {unit} && systemctl restart {unit}',
  stop: 'systemctl disable -q --now {unit}',
  isActive: 'systemctl is-active -q {unit}',
};

type FlavorDefaults = Pick<
  HostSettings,
  | 'validateCommand'
  | 'reloadCommand'
  | 'statusCommand'
  | 'versionCommand'
  | 'modulesCommand'
  | 'requiredModules'
  | 'hookPath'
  | 'importDirs'
>;

const DEFAULTS: Record<OsFamily, Record<ProxyFlavor, FlavorDefaults>> = {
  debian: {
    nginx: {
      validateCommand: 'nginx -t',
      reloadCommand: 'systemctl reload nginx',
      statusCommand: 'systemctl is-active -q nginx',
      versionCommand: 'nginx -v',
      modulesCommand: null,
      requiredModules: [],
      // Debian's nginx.conf includes conf.d/*.conf inside http {}, which is where the hook belongs.
      hookPath: '/etc/nginx/conf.d/portico.conf',
      importDirs: ['/etc/nginx/sites-enabled', '/etc/nginx/conf.d'],
    },
    apache: {
      validateCommand: 'apache2ctl configtest',
      reloadCommand: 'apache2ctl graceful',
      statusCommand: 'systemctl is-active -q apache2',
      versionCommand: 'apache2 -v',
      modulesCommand: 'apache2ctl -M',
      requiredModules: ['proxy_module', 'proxy_http_module', 'headers_module'],
      hookPath: '/etc/apache2/conf-enabled/portico.conf',
      importDirs: ['/etc/apache2/sites-enabled'],
    },
  },
  rhel: {
    nginx: {
      validateCommand: 'nginx -t',
      reloadCommand: 'systemctl reload nginx',
      statusCommand: 'systemctl is-active -q nginx',
      versionCommand: 'nginx -v',
      modulesCommand: null,
      requiredModules: [],
      hookPath: '/etc/nginx/conf.d/portico.conf',
      importDirs: ['/etc/nginx/conf.d'],
    },
    apache: {
      validateCommand: 'httpd -t',
      reloadCommand: 'systemctl reload httpd',
      statusCommand: 'systemctl is-active -q httpd',
      versionCommand: 'httpd -v',
      modulesCommand: 'httpd -M',
      requiredModules: ['proxy_module', 'proxy_http_module', 'headers_module'],
      hookPath: '/etc/httpd/conf.d/portico.conf',
      importDirs: ['/etc/httpd/conf.d'],
    },
  },
};

/** Settings for a stock Debian/Ubuntu or RHEL host, with per-agent overrides on top. */
export function hostSettings(
  flavor: ProxyFlavor,
  overrides: Partial<HostSettings> = {},
  family: OsFamily = 'debian',
): HostSettings {
  return {
    flavor,
    configRoot: '/etc/portico',
    ...DEFAULTS[family][flavor],
    units: SYSTEMD,
    unitVerifyCommand: 'systemd-analyze verify',
    verifyAddress: '127.0.0.1',
    keepRevisions: 5,
    settleMs: 250,
    verifyTimeoutMs: 5_000,
    ...overrides,
  };
}

/** The single line that hooks Portico's live tree into the host's own config. */
export function hookLine(settings: Pick<HostSettings, 'flavor' | 'configRoot'>): string {
  return settings.flavor === 'nginx'
    ? `include ${settings.configRoot}/live/nginx/portico.conf;\n`
    : `IncludeOptional ${settings.configRoot}/live/apache/portico.conf\n`;
}
