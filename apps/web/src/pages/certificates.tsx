import { Fragment, useState } from 'react';
import { api, call } from '../api/client';
import type { Certificate, CertificateOrder } from '../api/types';
import { useSession } from '../auth/session';
import { Badge, Empty, ErrorNote, PageHeader, when } from '../components/ui';
import { useLoad } from '../components/use-load';
import { AcmeAccounts, Issue, Upload } from './certificate-forms';

export function CertificatesPage() {
  const { can } = useSession();
  const certs = useLoad(
    () => call(api.GET('/api/v1/certificates', { params: { query: { limit: 200 } } })),
    [],
  );
  const orders = useLoad(
    () => call(api.GET('/api/v1/certificate-orders', { params: { query: { limit: 20 } } })),
    [],
  );
  const [open, setOpen] = useState<string | null>(null);
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
        <table className="list" data-testid="certificates">
          <thead>
            <tr>
              <th>Domains</th>
              <th>Source</th>
              <th>Status</th>
              <th>Expires</th>
              <th>Renewal</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {certs.data.items.map((c) => (
              <Fragment key={c.id}>
                <tr data-certificate={c.domains[0]}>
                  <td>{c.domains.join(', ')}</td>
                  <td>{c.source}</td>
                  <td>
                    <Badge value={c.revokedAt ? 'revoked' : c.status} />
                  </td>
                  <td
                    className={c.daysLeft !== null && c.daysLeft < 14 ? 'bad' : ''}
                    title={c.notAfter ?? ''}
                    data-testid="expiry"
                  >
                    {c.daysLeft === null
                      ? '—'
                      : `in ${c.daysLeft} days (${new Date(c.notAfter ?? '').toLocaleDateString()})`}
                  </td>
                  <td className="muted">
                    {c.lastRenewalError ? <span className="bad">{c.lastRenewalError}</span> : null}
                    {c.source === 'uploaded'
                      ? 'not renewed by Portico: upload the next one'
                      : c.lastRenewalAt
                        ? `renewed ${when(c.lastRenewalAt)}`
                        : c.renewAfter
                          ? `renews after ${new Date(c.renewAfter).toLocaleDateString()}`
                          : ''}
                  </td>
                  <td>
                    <button
                      type="button"
                      className="link"
                      aria-expanded={open === c.id}
                      onClick={() => setOpen(open === c.id ? null : c.id)}
                    >
                      {open === c.id ? 'hide' : 'details'}
                    </button>
                  </td>
                </tr>
                {open === c.id ? (
                  <tr>
                    <td colSpan={6}>
                      <CertificateDetail cert={c} />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            ))}
          </tbody>
        </table>
      ) : null}
      <h2>ACME orders</h2>
      {orders.data?.items.length ? (
        <OrderTable orders={orders.data.items} />
      ) : (
        <p className="muted">No orders yet.</p>
      )}
      <AcmeAccounts />
    </>
  );
}

/** One certificate's facts and its renewal history (every ACME order made for it). */
function CertificateDetail({ cert }: { cert: Certificate }) {
  const history = useLoad(
    () =>
      call(
        api.GET('/api/v1/certificate-orders', {
          params: { query: { certificateId: cert.id, limit: 50 } },
        }),
      ),
    [cert.id],
  );
  return (
    <div className="card" data-testid="certificate-detail">
      <dl className="facts">
        <dt>Issuer</dt>
        <dd>{cert.issuer ?? '—'}</dd>
        <dt>Serial</dt>
        <dd>
          <code>{cert.serial ?? '—'}</code>
        </dd>
        <dt>Valid</dt>
        <dd>
          {cert.notBefore ? new Date(cert.notBefore).toLocaleString() : '—'} →{' '}
          {cert.notAfter ? new Date(cert.notAfter).toLocaleString() : '—'}
        </dd>
        <dt>Private key</dt>
        <dd>{cert.hasKey ? 'stored sealed (never shown)' : 'none yet'}</dd>
      </dl>
      <h3>Renewal history</h3>
      <ErrorNote error={history.error} what="Could not load the orders" />
      {history.data?.items.length ? (
        <OrderTable orders={history.data.items} />
      ) : history.data ? (
        <p className="muted" data-testid="no-renewals">
          {cert.source === 'uploaded'
            ? 'Uploaded certificates are not ordered or renewed by Portico: upload the replacement before it expires.'
            : 'No order yet.'}
        </p>
      ) : null}
    </div>
  );
}

function OrderTable({ orders }: { orders: CertificateOrder[] }) {
  return (
    <table className="list">
      <thead>
        <tr>
          <th>Order</th>
          <th>State</th>
          <th>Challenge</th>
          <th>Last step or problem</th>
          <th>Attempts</th>
          <th>Started</th>
        </tr>
      </thead>
      <tbody>
        {orders.map((o) => (
          <tr key={o.id} data-order={o.kind}>
            <td>
              {o.kind} {o.domains.join(', ')}
            </td>
            <td>
              <Badge value={o.state} />
            </td>
            <td className="muted">{o.challengeType}</td>
            <td className="muted">{o.problem?.detail ?? o.steps.at(-1)?.step ?? ''}</td>
            <td className="muted">{o.attempts}</td>
            <td className="muted">{when(o.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
