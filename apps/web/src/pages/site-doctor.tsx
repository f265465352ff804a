import { useState } from 'react';
import { type ApiError, api, call } from '../api/client';
import type { DoctorReport } from '../api/types';
import { useSession } from '../auth/session';
import { Badge, ErrorNote } from '../components/ui';

const ORDER = { fail: 0, warn: 1, pass: 2, skip: 3 } as const;

/** Runs the doctor for a saved site and shows each check, problems first, with its fix. */
export function SiteDoctor({ siteId }: { siteId: string }) {
  const { can } = useSession();
  const [report, setReport] = useState<DoctorReport | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [running, setRunning] = useState(false);

  const run = async () => {
    setRunning(true);
    setError(null);
    try {
      const result = await call(
        api.POST('/api/v1/sites/{id}/doctor', { params: { path: { id: siteId } }, body: {} }),
      );
      setReport(result);
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setRunning(false);
    }
  };

  const checks = [...(report?.checks ?? [])].sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  return (
    <section className="card doctor" data-testid="doctor">
      <div className="row">
        <h3>Doctor</h3>
        <button type="button" onClick={run} disabled={running || !can('deploy')}>
          {running ? 'Checking the site from Portico and its agents…' : 'Run doctor'}
        </button>
        {report ? (
          <span data-testid="doctor-status">
            <Badge value={report.status} /> in {(report.durationMs / 1000).toFixed(1)} s
          </span>
        ) : null}
      </div>
      {!can('deploy') ? <p className="muted">Running the doctor needs the deploy permission.</p> : null}
      <ErrorNote error={error} what="The doctor could not run" />
      {checks.length ? (
        <table>
          <thead>
            <tr>
              <th>check</th>
              <th>where</th>
              <th>result</th>
              <th>what to do</th>
            </tr>
          </thead>
          <tbody>
            {checks.map((c) => (
              <tr
                key={`${c.code}-${c.agentId ?? ''}-${c.subject ?? ''}`}
                data-code={c.code}
                data-status={c.status}
              >
                <td>
                  <Badge value={c.status} /> <code>{c.code}</code>
                </td>
                <td>{[c.agentName, c.subject].filter(Boolean).join(' · ')}</td>
                <td>{c.message}</td>
                <td>{c.status === 'fail' || c.status === 'warn' ? c.remediation : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
