// The signed-in session: the API token, the Apollo client built for it, and the live link's state.
import { ApolloProvider } from '@apollo/client/react';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { createXeeNetClient, type LiveStatus, type XeeNetClient } from '../apollo/client';
import { clearToken, loadToken, saveToken } from './token-storage';

interface Session {
  token: string | null;
  liveStatus: LiveStatus;
  /** How many times the live socket came back after a drop; pages with their own data resync on change. */
  reconnects: number;
  /** Why the last session ended, shown on the sign-in page. */
  notice: string | null;
  signIn(token: string): void;
  signOut(notice?: string): void;
}

const SessionContext = createContext<Session | null>(null);

/** Why a rejected token signs the user out (HTTP 401, WebSocket 4403, a rejected upload). */
export const TOKEN_REJECTED = 'The API no longer accepts your token (it is unknown or was revoked). Sign in with a valid one.';

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession must be used inside <SessionProvider>');
  return session;
}

export interface ClientHandlers {
  onUnauthenticated: () => void;
  onLiveStatus: (s: LiveStatus) => void;
  onReconnected: () => void;
}

interface Props {
  children: ReactNode;
  /** Builds the client for a token; tests pass a mocked one. */
  clientFactory?: (token: string, handlers: ClientHandlers) => XeeNetClient;
}

const defaultFactory: NonNullable<Props['clientFactory']> = (token, handlers) => createXeeNetClient({ token, ...handlers });

export function SessionProvider({ children, clientFactory = defaultFactory }: Props) {
  const [token, setToken] = useState<string | null>(() => loadToken());
  const [notice, setNotice] = useState<string | null>(null);
  const [liveStatus, setLiveStatus] = useState<LiveStatus>('connecting');
  const [reconnects, setReconnects] = useState(0);
  const [current, setCurrent] = useState<{ token: string; xeenet: XeeNetClient } | null>(null);

  const signOut = useCallback((why?: string) => {
    clearToken();
    setToken(null);
    setNotice(why ?? null);
  }, []);

  const signIn = useCallback((next: string) => {
    saveToken(next);
    setNotice(null);
    setToken(next);
  }, []);

  useEffect(() => {
    if (!token) {
      setCurrent(null);
      return;
    }
    const created = clientFactory(token, {
      onUnauthenticated: () => signOut(TOKEN_REJECTED),
      onLiveStatus: setLiveStatus,
      onReconnected: () => setReconnects((n) => n + 1),
    });
    setCurrent({ token, xeenet: created });
    return () => {
      created.dispose();
      void created.client.clearStore();
    };
  }, [token, clientFactory, signOut]);

  const value = useMemo(() => ({ token, liveStatus, reconnects, notice, signIn, signOut }), [token, liveStatus, reconnects, notice, signIn, signOut]);

  // Signed in: render only once the client for this very token exists.
  if (token) {
    const ready = current?.token === token ? current.xeenet : null;
    return (
      <SessionContext.Provider value={value}>
        {ready ? <ApolloProvider client={ready.client}>{children}</ApolloProvider> : null}
      </SessionContext.Provider>
    );
  }
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
