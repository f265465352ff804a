import { Injectable } from '@nestjs/common';
import type { AgentProbes } from '../health/agent-probes.js';
import type { ProbeResult } from '../health/health-check.js';
import { DriftService } from './drift.service.js';

/**
 * The periodic drift check: a hand edit on a host shows up as a warning on the agent (it still
 * serves, so it degrades but never goes down). Unreachable or refused hosts fail the check. It
 * skips agents a deploy (or recovery) holds, so it never reads a host mid-switch.
 */
@Injectable()
export class DriftProbe implements Pick<AgentProbes, 'drift'> {
  constructor(private readonly drifts: DriftService) {}

  async drift(agentId: string): Promise<ProbeResult> {
    const started = Date.now();
    try {
      const report = await this.drifts.checkIdle(agentId);
      const latencyMs = Date.now() - started;
      // A deploy holds the agent: what the host has now says nothing (the next check looks again).
      if (!report) return { outcome: 'ok', latencyMs, message: 'skipped: the agent is busy', skipped: true };
      if (!report.deployed) return { outcome: 'ok', latencyMs, message: 'nothing deployed yet' };
      const counts = {
        changed: report.changed.length + report.modeChanged.length,
        missing: report.missing.length,
        extra: report.extra.length,
      };
      if (report.inSync) return { outcome: 'ok', latencyMs, message: 'in sync with the last deployment' };
      const summary = Object.entries(counts)
        .filter(([, n]) => n > 0)
        .map(([what, n]) => `${n} ${what}`)
        .join(', ');
      return {
        outcome: 'warn',
        latencyMs,
        message: `config drift: ${summary || 'live revision differs'}`,
        detail: {
          ...counts,
          files: [...report.changed, ...report.modeChanged, ...report.missing, ...report.extra].slice(0, 20),
        },
      };
    } catch (error) {
      return { outcome: 'fail', latencyMs: Date.now() - started, message: (error as Error).message };
    }
  }
}
