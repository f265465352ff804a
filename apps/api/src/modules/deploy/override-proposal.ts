import type { HostSettings } from './host-settings.js';

/** Host settings a test proposes when the defaults cannot work on the host it saw. */
export interface OverrideProposal {
  /** Why, one line per setting. */
  reasons: string[];
  reloadCommand?: string;
  statusCommand?: string;
  /** null: Portico does not manage systemd units on this host. */
  units?: null;
}

const SYSTEMCTL = /(^|[\s;&|(])systemctl\s/;

export function usesSystemctl(command: string): boolean {
  return SYSTEMCTL.test(command);
}

/**
 * On a host without systemd, every systemctl command of the settings is replaced by what the
 * proxy itself offers: the reload is the validate command's binary and arguments with the reload
 * switch (so a custom config path carries over), the status a process lookup, units unmanaged.
 * null when nothing needs to change.
 */
export function proposeOverrides(settings: HostSettings, systemd: boolean): OverrideProposal | null {
  if (systemd) return null;
  const proposal: OverrideProposal = { reasons: [] };
  if (usesSystemctl(settings.reloadCommand)) {
    proposal.reloadCommand = reloadFromValidate(settings);
    proposal.reasons.push(
      `reloadCommand: "${settings.reloadCommand}" needs systemd; "${proposal.reloadCommand}" signals the proxy directly`,
    );
  }
  if (usesSystemctl(settings.statusCommand)) {
    proposal.statusCommand =
      settings.flavor === 'nginx' ? 'pgrep -x nginx >/dev/null' : "pgrep -x 'apache2|httpd' >/dev/null";
    proposal.reasons.push(
      `statusCommand: "${settings.statusCommand}" needs systemd; "${proposal.statusCommand}" looks for the process`,
    );
  }
  if (settings.units && Object.values(settings.units).some((c) => usesSystemctl(String(c)))) {
    proposal.units = null;
    proposal.reasons.push('units: systemd units cannot be managed on this host; services are left alone');
  }
  return proposal.reasons.length > 0 ? proposal : null;
}

/** `nginx -t -c X` → `nginx -c X -s reload`; `apache2ctl configtest` → `apache2ctl graceful`. */
function reloadFromValidate(settings: HostSettings): string {
  const validate = settings.validateCommand.trim();
  if (settings.flavor === 'nginx') {
    const m = /^(\S*nginx)((?:\s+\S+)*)$/.exec(validate);
    const args = m ? m[2]!.replace(/\s+-t\b/, '') : '';
    return `${m?.[1] ?? 'nginx'}${args} -s reload`;
  }
  const ctl = /^(\S*apache2?ctl)\s+(configtest|-t)\b/.exec(validate);
  if (ctl) return `${ctl[1]} graceful`;
  const bin = /^(\S*(?:apache2|httpd))((?:\s+\S+)*)$/.exec(validate);
  if (bin) return `${bin[1]}${bin[2]!.replace(/\s+-t\b/, '')} -k graceful`;
  return 'apachectl graceful';
}
