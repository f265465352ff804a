import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import type { Permission } from '../api/client';
import { ApiError, api, call } from '../api/client';
import type { Me } from '../api/types';

interface Session {
  me: Me;
  can: (permission: Permission) => boolean;
  logout: () => Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

/** The signed-in user; components ask `can('write')` to hide or disable what the role may not do. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside <SessionProvider>');
  return session;
}

export function SessionProvider({
  children,
  login,
}: {
  children: ReactNode;
  login: (done: () => void) => ReactNode;
}) {
  const [me, setMe] = useState<Me | null | undefined>(undefined);

  const load = useCallback(() => {
    call(api.GET('/api/v1/auth/me')).then(setMe, (error: unknown) => {
      if (error instanceof ApiError && error.status === 401) setMe(null);
      else setMe(null);
    });
  }, []);

  useEffect(() => {
    load();
    const expired = () => setMe(null);
    window.addEventListener('portico:unauthenticated', expired);
    // The live socket says the credentials changed (a demotion): what the user may do is read again.
    window.addEventListener('portico:credentials', load);
    return () => {
      window.removeEventListener('portico:unauthenticated', expired);
      window.removeEventListener('portico:credentials', load);
    };
  }, [load]);

  if (me === undefined) return <p className="loading">Loading…</p>;
  if (me === null) return <>{login(load)}</>;
  const session: Session = {
    me,
    can: (p) => me.permissions.includes(p),
    logout: async () => {
      await call(api.POST('/api/v1/auth/logout')).catch(() => undefined);
      setMe(null);
    },
  };
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
