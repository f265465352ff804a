import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SshHost } from '../../test/fixtures/ssh-host.js';

export const ANSIBLE_HOSTNAME = 'bench-ansible.test';

const PLAYBOOK = `- hosts: fleet
  gather_facts: false
  tasks:
    - name: Render the site
      ansible.builtin.template:
        src: site.conf.j2
        dest: "{{ sites_dir }}/bench-ansible.conf"
        mode: "0644"
      register: site
    - name: Validate the whole proxy config
      ansible.builtin.command: "{{ validate_cmd }}"
      when: site.changed
    - name: Reload
      ansible.builtin.command: "{{ reload_cmd }}"
      when: site.changed
    - name: Verify the site answers through the host's own listener
      ansible.builtin.uri:
        url: "http://{{ listen }}:{{ http_port }}/"
        headers:
          Host: ${ANSIBLE_HOSTNAME}
        status_code: 200
      register: answer
      until: answer.status == 200
      retries: 10
      delay: 1
      when: site.changed
`;

const TEMPLATE = `server {
    listen {{ listen }}:{{ http_port }};
    server_name ${ANSIBLE_HOSTNAME};
    location / {
        return 200 "{{ body }}\\n";
    }
}
`;

/**
 * The peer: an Ansible playbook doing the same job for one site (template, validate, reload,
 * verify), tuned the way its documentation recommends for speed: pipelining, forks = hosts,
 * no fact gathering, SSH multiplexing.
 */
export class AnsibleFanout {
  private readonly dir: string;

  constructor(hosts: SshHost[]) {
    this.dir = mkdtempSync(join(tmpdir(), 'portico-bench-ansible-'));
    mkdirSync(join(this.dir, 'cp'));
    const key = hosts[0]!.clientKey.privateKey;
    writeFileSync(join(this.dir, 'id'), key, { mode: 0o600 });
    writeFileSync(
      join(this.dir, 'ansible.cfg'),
      `[defaults]
inventory = ${this.dir}/inventory.yml
forks = ${hosts.length}
host_key_checking = False
gathering = explicit
interpreter_python = /usr/bin/python3
retry_files_enabled = False
[ssh_connection]
pipelining = True
control_path_dir = ${this.dir}/cp
ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o LogLevel=ERROR
`,
    );
    const inventory = {
      fleet: {
        vars: { ansible_user: 'root', ansible_ssh_private_key_file: join(this.dir, 'id') },
        hosts: Object.fromEntries(
          hosts.map((h, i) => [
            `host${i}`,
            {
              ansible_host: h.address,
              ansible_port: h.sshPort,
              sites_dir: h.proxy.sitesDir,
              validate_cmd: h.settings().validateCommand,
              reload_cmd: h.settings().reloadCommand,
              listen: h.address,
              http_port: h.httpPort,
            },
          ]),
        ),
      },
    };
    // JSON is YAML: the inventory plugin reads it as is.
    writeFileSync(join(this.dir, 'inventory.yml'), JSON.stringify(inventory, null, 1));
    writeFileSync(join(this.dir, 'playbook.yml'), PLAYBOOK);
    writeFileSync(join(this.dir, 'site.conf.j2'), TEMPLATE);
  }

  /** Runs the playbook with the site answering `body`; resolves with wall time in ms. */
  async run(body: string): Promise<number> {
    const started = performance.now();
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn('ansible-playbook', ['playbook.yml', '-e', `body=${body}`], {
        cwd: this.dir,
        env: { ...process.env, ANSIBLE_CONFIG: join(this.dir, 'ansible.cfg'), ANSIBLE_NOCOLOR: '1' },
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0
          ? resolve(out)
          : reject(new Error(`ansible-playbook exited ${code}:\n${out.slice(-3000)}`)),
      );
    });
    if (/unreachable=[1-9]|failed=[1-9]/.test(output))
      throw new Error(`ansible reported failures:\n${output.slice(-3000)}`);
    return performance.now() - started;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
