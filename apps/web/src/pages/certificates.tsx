import { type FormEvent, useState } from 'react';
import { type ApiError, api, call, type Page } from '../api/client';
import type { Certificate, CertificateOrder, Site } from '../api/views';
import { useSession } from '../auth/session';
import { Badge, Empty, ErrorNote, Field, PageHeader, when } from '../components/ui';
import { useLoad } from '../components/use-load';

export function CertificatesPage() {
  const { can } = useSession();
  const certs = useLoad(
    () => call<Page<Certificate>>(api.GET('/api/v1/certificates', { params: { query: { limit: 200 } } })),
    [],
  );
  const orders = useLoad(
    () =>
      call<Page<CertificateOrder>>(
        api.GET('/api/v1/certificate-orders', { params: { query: { limit: 20 } } }),
      ),
    [],
  );
  const reload = () => {
    certs.reload();
    orders.reload();
  };
  return (
    <>
      <PageHeader title="Certificates" />
      {can('write') ? (
        <div className="columns">
          <Issue onDone={reload} />
          <Upload onDone={reload} />
        </div>
      ) : null}
      <ErrorNote error={certs.error} what="Could not load certificates" />
      {certs.data?.items.length === 0 ? (
        <Empty title="No certificates yet">
          Set a site's TLS to ACME and issue one here, or upload a certificate and key you already have.
        </Empty>
      ) : null}
      {certs.data?.items.length ? (
        <table className="list">
          <thead>
            <tr>
              <th>Domains</th>
              <th>Source</th>
              <th>Status</th>
              <th>Expires</th>
              <th>Renewal</th>
            </tr>
          </thead>
          <tbody>
            {certs.data.items.map((c) => (
              <tr key={c.id}>
                <td>{c.domains.join(', ')}</td>
                <td>{c.source}</td>
                <td>
                  <Badge value={c.revokedAt ? 'revoked' : c.status} />
                </td>
                <td className={c.daysLeft !== null && c.daysLeft < 14 ? 'bad' : ''}>
                  {c.daysLeft === null ? '—' : `in ${c.daysLeft} days`}
                </td>
                <td className="muted">
                  {c.lastRenewalError ? <span className="bad">{c.lastRenewalError}</span> : null}
                  {c.lastRenewalAt
                    ? `renewed ${when(c.lastRenewalAt)}`
                    : c.renewAfter
                      ? `renews after ${new Date(c.renewAfter).toLocaleDateString()}`
                      : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <h2>ACME orders</h2>
      {orders.data?.items.length ? (
        <table className="list">
          <tbody>
            {orders.data.items.map((o) => (
              <tr key={o.id}>
                <td>
                  {o.kind} {o.domains.join(', ')}
                </td>
                <td>
                  <Badge value={o.state} />
                </td>
                <td className="muted">{o.challengeType}</td>
                <td className="muted">{o.problem?.detail ?? o.steps.at(-1)?.step ?? ''}</td>
                <td className="muted">{when(o.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">No orders yet.</p>
      )}
    </>
  );
}

function Issue({ onDone }: { onDone: () => void }) {
  const sites = useLoad(
    () => call<Page<Site>>(api.GET('/api/v1/sites', { params: { query: { limit: 500 } } })),
    [],
  );
  const [siteId, setSiteId] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await call(api.POST('/api/v1/certificates/acme', { body: { siteId } }));
      setError(null);
      onDone();
    } catch (err) {
      setError(err as ApiError);
    }
  };
  return (
    <form className="card form" onSubmit={submit} aria-label="Issue a certificate">
      <h2>Issue with ACME</h2>
      <Field label="Site" error={error?.fieldErrors.siteId}>
        <select value={siteId} onChange={(e) => setSiteId(e.target.value)}>
          <option value="">— pick a site —</option>
          {sites.data?.items.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name} ({s.hostnames.join(', ')})
            </option>
          ))}
        </select>
      </Field>
      <ErrorNote
        error={error && Object.keys(error.fieldErrors).length === 0 ? error : null}
        what="Not ordered"
      />
      <button type="submit" className="primary" disabled={!siteId}>
        Order certificate
      </button>
    </form>
  );
}

function Upload({ onDone }: { onDone: () => void }) {
  const [chainPem, setChain] = useState('');
  const [keyPem, setKey] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const errors = error?.fieldErrors ?? {};
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await call(api.POST('/api/v1/certificates', { body: { chainPem, keyPem } }));
      setChain('');
      setKey('');
      setError(null);
      onDone();
    } catch (err) {
      setError(err as ApiError);
    }
  };
  return (
    <form className="card form" onSubmit={submit} aria-label="Upload a certificate">
      <h2>Upload</h2>
      <Field label="Certificate chain (PEM, leaf first)" error={errors.chainPem}>
        <textarea rows={4} value={chainPem} onChange={(e) => setChain(e.target.value)} />
      </Field>
      <Field label="Private key (PEM)" error={errors.keyPem} hint="stored encrypted, never shown again">
        <textarea rows={4} value={keyPem} onChange={(e) => setKey(e.target.value)} />
      </Field>
      <ErrorNote error={error && Object.keys(errors).length === 0 ? error : null} what="Rejected" />
      <button type="submit" className="primary">
        Upload
      </button>
    </form>
  );
}
