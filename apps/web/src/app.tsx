import { Link, Route, Switch, useLocation } from 'wouter';
import type { Permission } from './api/client';
import { SessionProvider, useSession } from './auth/session';
import { AgentsPage } from './pages/agents';
import { AuditPage } from './pages/audit';
import { CertificatesPage } from './pages/certificates';
import { DeploymentsPage } from './pages/deployments';
import { HealthPage } from './pages/health';
import { LoginPage } from './pages/login';
import { OverviewPage } from './pages/overview';
import { ServicesPage } from './pages/services';
import { SitesPage } from './pages/sites';
import { UpstreamsPage } from './pages/upstreams';
import { UsersPage } from './pages/users';

const NAV: { path: string; label: string; needs?: Permission }[] = [
  { path: '/', label: 'Overview' },
  { path: '/sites', label: 'Sites' },
  { path: '/upstreams', label: 'Upstreams' },
  { path: '/services', label: 'Services' },
  { path: '/agents', label: 'Agents' },
  { path: '/certificates', label: 'Certificates' },
  { path: '/deployments', label: 'Deployments' },
  { path: '/health', label: 'Health' },
  { path: '/audit', label: 'Audit log' },
  { path: '/users', label: 'Users & tokens', needs: 'admin' },
];

export function App() {
  return (
    <SessionProvider login={(done) => <LoginPage onLogin={done} />}>
      <Shell />
    </SessionProvider>
  );
}

function Shell() {
  const { me, can, logout } = useSession();
  const [location] = useLocation();
  const active = (path: string) => (path === '/' ? location === '/' : location.startsWith(path));
  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">Portico</div>
        {NAV.filter((n) => !n.needs || can(n.needs)).map((n) => (
          <Link key={n.path} href={n.path} className={active(n.path) ? 'active' : ''}>
            {n.label}
          </Link>
        ))}
        <div className="whoami">
          <div>{me.email}</div>
          <div className="role" data-testid="role">
            {me.role}
          </div>
          <button type="button" className="link" onClick={() => void logout()}>
            Sign out
          </button>
        </div>
      </nav>
      <main className="content">
        <Switch>
          <Route path="/" component={OverviewPage} />
          <Route path="/sites" nest component={SitesPage} />
          <Route path="/upstreams" nest component={UpstreamsPage} />
          <Route path="/services" nest component={ServicesPage} />
          <Route path="/agents" nest component={AgentsPage} />
          <Route path="/certificates" component={CertificatesPage} />
          <Route path="/deployments" nest component={DeploymentsPage} />
          <Route path="/health" component={HealthPage} />
          <Route path="/audit" component={AuditPage} />
          <Route path="/users" component={UsersPage} />
          <Route>
            <p>Nothing here. Pick a page on the left.</p>
          </Route>
        </Switch>
      </main>
    </div>
  );
}
