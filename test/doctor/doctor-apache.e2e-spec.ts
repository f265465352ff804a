import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, jest } from '@jest/globals';
import type { RegisteredAgent } from '../fleet/fleet-setup.js';
import {
  alarmCodes,
  alarms,
  DoctorBench,
  notPassed,
  OPEN_WEBUI_CODES,
  statuses,
  withCode,
} from './doctor-bench.js';
import { handEdit, legacyHandshake, port80Turns, tls1Turns } from './hand-edit.js';

// The doctor on an Apache agent: the same Open WebUI site, rendered as VirtualHosts with
// mod_proxy (upgrade=websocket, flushpackets) and mod_rewrite's redirect, on a real Apache with
// mod_ssl behind real sshd. Healthy first with every check run, then breakages named.
jest.setTimeout(120_000);

let bench: DoctorBench;
let apache: RegisteredAgent;

DoctorBench.forFile('doctor_apache', ['apache'], (b) => {
  bench = b;
  apache = b.agent(0);
});

const siteFile = (name: string) => `apache/sites/${name}.conf`;

describe('the doctor on an Apache agent', () => {
  it('finds nothing wrong with a healthy Open WebUI site, and runs every check', async () => {
    const site = await bench.webuiSite();
    // testssl stays off (the nginx suite runs it): its scan is the slow part of a doctor run.
    const report = await bench.doctor(site.siteId, { streamPath: '/stream' });
    expect(alarms(report)).toEqual([]);
    expect(report.status).toBe('pass');
    expect(notPassed(report, OPEN_WEBUI_CODES)).toEqual([]);
    // mod_rewrite's redirect keeps the raw URI: %20 and the query, untouched.
    expect(withCode(report, 'HTTP_REDIRECT')[0]?.evidence.location).toBe(
      `https://${site.hostname}:${bench.httpsPort(apache)}/portico-doctor/a%20b?q=1&r=x%2Fy`,
    );
    // flushpackets=on: the stream arrives in pieces through Apache too.
    const live = withCode(report, 'STREAMING').find((c) => c.agentId === apache.id);
    expect(live?.evidence.chunks).toBeGreaterThanOrEqual(3);
    expect(String(withCode(report, 'CONFIG_VALID')[0]?.evidence.command)).toMatch(/^apache2 -t /);
    expect(withCode(report, 'TLS_PROTOCOLS')[0]?.evidence).toMatchObject({
      negotiated: 'TLSv1.3',
      legacyAccepted: [],
    });
  });

  it('WS_UPGRADE fails when WebSocket is off: without upgrade=websocket Apache drops the Upgrade', async () => {
    const site = await bench.webuiSite({ websocket: false });
    expect(readFileSync(join(apache.host.configRoot, 'live', siteFile(site.name)), 'utf8')).not.toContain(
      'upgrade=websocket',
    );
    const report = await bench.doctor(site.siteId);
    const [ws] = withCode(report, 'WS_UPGRADE');
    expect(ws?.status).toBe('fail');
    expect(ws?.evidence).toMatchObject({ websocketEnabled: false, status: 200 });
    expect(ws?.remediation).toBe('set websocket: true on the site and redeploy');
    expect(alarmCodes(report)).toEqual(['WS_UPGRADE']);
  });

  it('CONFIG_VALID and CONFIG_DRIFT fail after a hand edit breaks the Apache config', async () => {
    const site = await bench.webuiSite();
    // Not reloaded (the reload would fail): Apache keeps serving the last good config.
    const undo = await handEdit(
      apache.host,
      siteFile(site.name),
      (t) => `${t}ProxyPasss / http://127.0.0.1:9/\n`,
      { reload: false },
    );
    try {
      const report = await bench.doctor(site.siteId);
      const [valid] = withCode(report, 'CONFIG_VALID');
      expect(valid?.status).toBe('fail');
      expect(String(valid?.evidence.output)).toContain("Invalid command 'ProxyPasss'");
      expect(valid?.remediation).toContain('the next reload would fail');
      const [drift] = withCode(report, 'CONFIG_DRIFT');
      expect(drift?.status).toBe('fail');
      expect(drift?.evidence.handEdited).toEqual([siteFile(site.name)]);
      // What is running still works: the live checks through Apache do not blame it.
      expect(alarmCodes(report)).toEqual(['CONFIG_DRIFT', 'CONFIG_VALID']);
    } finally {
      await undo();
    }
    expect(alarmCodes(await bench.doctor(site.siteId))).toEqual([]);
  });

  it('HTTP_REDIRECT warns when a hand edit turns the RewriteRule into a 302', async () => {
    const site = await bench.webuiSite();
    const undo = await handEdit(
      apache.host,
      siteFile(site.name),
      (t) => t.replaceAll('R=301', 'R=302'),
      port80Turns(apache.host, site.hostname, 301, 302),
    );
    try {
      const report = await bench.doctor(site.siteId);
      const [redirect] = withCode(report, 'HTTP_REDIRECT');
      expect(redirect?.status).toBe('warn');
      expect(redirect?.evidence).toMatchObject({ status: 302, location: redirect?.evidence.expected });
      expect(statuses(report, 'ACME_PATH')).toEqual(['pass']);
      expect(alarmCodes(report)).toEqual(['CONFIG_DRIFT', 'HTTP_REDIRECT']);
    } finally {
      await undo();
    }
  });

  it('TLS_PROTOCOLS fails when a hand edit lets Apache speak TLS 1.0 and 1.1', async () => {
    const site = await bench.webuiSite();
    const port = bench.httpsPort(apache);
    expect(await legacyHandshake(apache.host, port, site.hostname, '-tls1')).toBeNull();
    const undo = await handEdit(
      apache.host,
      'apache/snippets/tls.conf',
      (t) =>
        t
          .replace(/^SSLProtocol .*$/m, 'SSLProtocol all')
          .replace(/^SSLCipherSuite .*$/m, 'SSLCipherSuite DEFAULT:@SECLEVEL=0'),
      tls1Turns(apache.host, port, site.hostname),
    );
    try {
      const report = await bench.doctor(site.siteId);
      const [protocols] = withCode(report, 'TLS_PROTOCOLS');
      expect(protocols?.status).toBe('fail');
      expect(protocols?.evidence.legacyAccepted).toEqual(['TLSv1', 'TLSv1.1']);
      expect(alarmCodes(report)).toEqual(['CONFIG_DRIFT', 'TLS_PROTOCOLS']);
    } finally {
      await undo();
    }
  });
});
