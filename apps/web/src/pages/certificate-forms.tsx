import { type FormEvent, useState } from 'react';
import { type ApiError, api, call } from '../api/client';
import { useSession } from '../auth/session';
import { ErrorNote, Field, when } from '../components/ui';
import { useLoad } from '../components/use-load';

/** An ACME order for a site whose TLS is ACME. */
export function Issue({ onDone }: { onDone: () => void }) {
  const sites = useLoad(() => call(api.GET('/api/v1/sites', { params: { query: { limit: 500 } } })), []);
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

/** Upload a chain and key; the API's checks (key match, order, expiry, names) say why it refuses. */
export function Upload({ onDone }: { onDone: () => void }) {
  const [chainPem, setChain] = useState('');
  const [keyPem, setKey] = useState('');
  const [caPem, setCa] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const errors = error?.fieldErrors ?? {};
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await call(
        api.POST('/api/v1/certificates', { body: { chainPem, keyPem, ...(caPem.trim() ? { caPem } : {}) } }),
      );
      setChain('');
      setKey('');
      setCa('');
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
        <textarea name="chainPem" rows={4} value={chainPem} onChange={(e) => setChain(e.target.value)} />
      </Field>
      <Field label="Private key (PEM)" error={errors.keyPem} hint="stored encrypted, never shown again">
        <textarea name="keyPem" rows={4} value={keyPem} onChange={(e) => setKey(e.target.value)} />
      </Field>
      <Field
        label="Root CA (PEM, optional)"
        error={errors.caPem}
        hint="only for a private CA: the chain is checked against it"
      >
        <textarea name="caPem" rows={2} value={caPem} onChange={(e) => setCa(e.target.value)} />
      </Field>
      <ErrorNote error={error && Object.keys(errors).length === 0 ? error : null} what="Rejected" />
      <button type="submit" className="primary">
        Upload
      </button>
    </form>
  );
}

/** The ACME accounts orders use; an admin registers one with a CA (its key never leaves Portico). */
export function AcmeAccounts() {
  const { can } = useSession();
  const accounts = useLoad(() => call(api.GET('/api/v1/acme-accounts')), []);
  const [directory, setDirectory] = useState('letsencrypt-staging');
  const [email, setEmail] = useState('');
  const [agreed, setAgreed] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const errors = error?.fieldErrors ?? {};
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await call(
        api.POST('/api/v1/acme-accounts', {
          // The API refuses a missing agreement with a field error; send what the box says.
          body: { directory, ...(email ? { email } : {}), termsOfServiceAgreed: agreed as true },
        }),
      );
      setError(null);
      accounts.reload();
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section>
      <h2>ACME accounts</h2>
      <ErrorNote error={accounts.error} what="Could not load ACME accounts" />
      {accounts.data?.length ? (
        <table className="list" data-testid="acme-accounts">
          <tbody>
            {accounts.data.map((a) => (
              <tr key={a.id}>
                <td>
                  <code>{a.directoryUrl}</code>
                </td>
                <td>{a.email ?? <span className="muted">no contact</span>}</td>
                <td className="muted">registered {when(a.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : accounts.data ? (
        <p className="muted">No ACME account yet: ordering a certificate needs one.</p>
      ) : null}
      {can('admin') ? (
        <form className="card form narrow" onSubmit={submit} aria-label="Add an ACME account">
          <Field
            label="Directory"
            error={errors.directory}
            hint="letsencrypt, letsencrypt-staging or your CA's directory URL"
          >
            <input name="directory" value={directory} onChange={(e) => setDirectory(e.target.value)} />
          </Field>
          <Field label="Contact email" error={errors.email}>
            <input name="acme-email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
          </Field>
          <label className="inline">
            <input type="checkbox" checked={agreed} onChange={(e) => setAgreed(e.target.checked)} />I agree to
            the CA's terms of service
          </label>
          {errors.termsOfServiceAgreed ? (
            <p className="field-error">You must agree to the CA's terms of service.</p>
          ) : null}
          <ErrorNote error={error && Object.keys(errors).length === 0 ? error : null} what="Not registered" />
          <div className="row">
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Registering…' : 'Register account'}
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
