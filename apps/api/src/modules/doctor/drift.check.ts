import type { DriftService } from '../deployments/drift.service.js';
import { reason } from '../health/http-request.js';
import { check, type DoctorCheck } from './doctor-codes.js';
import type { DoctorAgent } from './doctor-context.js';

/** The live files on the host equal what Portico last deployed there (DriftService). */
export async function driftCheck(drift: DriftService, agent: DoctorAgent): Promise<DoctorCheck> {
  const on = (c: DoctorCheck): DoctorCheck => ({ ...c, agentId: agent.spec.id, agentName: agent.spec.name });
  try {
    const report = await drift.check(agent.spec.id);
    const evidence = {
      deployed: report.deployed,
      liveRevision: report.liveRevision,
      changed: report.changed,
      modeChanged: report.modeChanged,
      missing: report.missing,
      extra: report.extra,
      handEdited: report.handEdited,
      hookInstalled: report.hookInstalled,
    };
    if (!report.deployed)
      return on(
        check(
          'CONFIG_DRIFT',
          'warn',
          'nothing deployed to this agent yet',
          evidence,
          'deploy the agent: POST /api/v1/deployments',
        ),
      );
    if (report.inSync)
      return on(check('CONFIG_DRIFT', 'pass', `in sync with revision ${report.deployed.revision}`, evidence));
    const files = [...report.changed, ...report.modeChanged, ...report.missing, ...report.extra];
    return on(
      check(
        'CONFIG_DRIFT',
        'fail',
        `live config differs from what Portico deployed: ${files.slice(0, 5).join(', ') || 'hook or live link'}${
          report.handEdited.length ? ` (hand-edited: ${report.handEdited.join(', ')})` : ''
        }`,
        evidence,
        'move the hand edit into Portico (site settings, headers) and redeploy; a redeploy overwrites it',
      ),
    );
  } catch (error) {
    return on(
      check('CONFIG_DRIFT', 'skip', `drift not checked: ${reason(error)}`, {}, 'check the agent connection'),
    );
  }
}
