import { describe, expect, it } from '@jest/globals';
import { AppError } from '../../common/errors/app-error.js';
import { DeployError } from '../deploy/deploy.error.js';
import { deploymentStatusOf, resultOfError, resultOfOutcome, upstreamWarning } from './target-result.js';

describe('deploymentStatusOf', () => {
  it('succeeds only when every target converged (changed or already in place)', () => {
    expect(deploymentStatusOf(['succeeded', 'unchanged', 'succeeded'])).toBe('succeeded');
    expect(deploymentStatusOf(['unchanged'])).toBe('succeeded');
  });

  it('is partially_failed when some converged and failed when none did; a rollback is a failure', () => {
    expect(deploymentStatusOf(['succeeded', 'failed'])).toBe('partially_failed');
    expect(deploymentStatusOf(['unchanged', 'rolled_back'])).toBe('partially_failed');
    expect(deploymentStatusOf(['failed', 'rolled_back'])).toBe('failed');
  });
});

describe('deploymentStatusOf with upstream warnings', () => {
  it('is succeeded_with_warnings when every target converged and one saw upstream errors', () => {
    const warned = { status: 'succeeded', warning: 'upstream errors: a:80/ answered 502' };
    expect(deploymentStatusOf([warned, { status: 'unchanged' }])).toBe('succeeded_with_warnings');
    expect(deploymentStatusOf([warned, { status: 'failed' }])).toBe('partially_failed');
    expect(deploymentStatusOf([{ status: 'succeeded', warning: null }])).toBe('succeeded');
  });
});

describe('upstreamWarning', () => {
  it('names each check that got 502/503/504, and nothing else', () => {
    const check = (hostHeader: string) => ({ port: 80, hostHeader, path: '/' });
    expect(
      upstreamWarning([
        { check: check('a'), ok: true, status: 200 },
        { check: check('b'), ok: true, status: 502 },
        { check: check('c'), ok: true, status: 504 },
      ]),
    ).toBe(
      'upstream errors: b:80/ answered 502, c:80/ answered 504 ' +
        '(the proxy serves the new config; its backend did not answer)',
    );
    expect(upstreamWarning([{ check: check('a'), ok: true, status: 404 }])).toBeNull();
  });
});

describe('resultOfOutcome', () => {
  const base = { revision: '7', durationMs: 12 };

  it('keeps the validator output in the log and names the step in the error', () => {
    const r = resultOfOutcome({
      ...base,
      status: 'failed',
      step: 'validate',
      reason: 'the staged config does not validate',
      validatorOutput: 'nginx: [emerg] unknown directive "proxy_passs"\n',
    });
    expect(r.status).toBe('failed');
    expect(r.error).toBe('validate: the staged config does not validate');
    expect(r.log.join('\n')).toMatch(/validator output:\nnginx: \[emerg\] unknown directive/);
  });

  it('puts the SSH code first when the SSH layer failed', () => {
    const r = resultOfOutcome({
      ...base,
      status: 'failed',
      step: 'inspect',
      reason: 'lost',
      code: 'SSH_FAILED',
    });
    expect(r.error).toBe('SSH_FAILED: inspect: lost');
  });

  it('maps rolled_back to rolled_back and rollback_failed to failed with a clear code', () => {
    expect(
      resultOfOutcome({
        ...base,
        status: 'rolled_back',
        step: 'reload',
        reason: 'exit 1',
        restoredTarget: 'revisions/6',
        checks: [],
      }),
    ).toMatchObject({ status: 'rolled_back', error: 'reload: exit 1' });
    const failed = resultOfOutcome({
      ...base,
      status: 'rollback_failed',
      step: 'verify',
      reason: 'x',
      rollbackError: 'y',
    });
    expect(failed).toMatchObject({
      status: 'failed',
      error: 'ROLLBACK_FAILED: verify: x; the rollback failed too: y',
    });
  });

  it('maps deployed to succeeded and unchanged to unchanged', () => {
    expect(resultOfOutcome({ ...base, status: 'unchanged', liveRevision: '6' }).status).toBe('unchanged');
    const deployed = resultOfOutcome({
      ...base,
      status: 'deployed',
      liveTarget: 'revisions/7',
      previousTarget: 'revisions/6',
      uploaded: ['a'],
      copied: ['b'],
      removed: [],
      restartedUnits: [],
      checks: [{ check: { port: 80, hostHeader: 'x.test' }, ok: true, status: 200 }],
    });
    expect(deployed).toMatchObject({ status: 'succeeded', error: null });
    expect(deployed.log).toContain('check x.test:80/ -> 200');
  });
});

describe('resultOfError', () => {
  it('names the code of a DeployError or AppError, and INTERNAL for anything else', () => {
    expect(resultOfError(new DeployError('HOST_UNREACHABLE', 'h:22 is unreachable')).error).toBe(
      'HOST_UNREACHABLE: h:22 is unreachable',
    );
    expect(resultOfError(new AppError('AGENT_KEY_MISSING', 'no key')).error).toBe(
      'AGENT_KEY_MISSING: no key',
    );
    expect(resultOfError(new Error('boom')).error).toBe('INTERNAL: boom');
  });
});
