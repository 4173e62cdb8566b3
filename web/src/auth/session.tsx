// The session: the API token (null when signed out: public campaigns are browsable without one),
// the Apollo client built for it, and the live link's state.
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
  /** Builds the client for a token (null: anonymous, public data only); tests pass a mocked one. */
  clientFactory?: (token: string | null, handlers: ClientHandlers) => XeeNetClient;
}

const defaultFactory: NonNullable<Props['clientFactory']> = (token, handlers) => createXeeNetClient({ token, ...handlers });

export function SessionProvider({ children, clientFactory = defaultFactory }: Props) {
  const [token, setToken] = useState<string | null>(() => loadToken());
  const [notice, setNotice] = useState<string | null>(null);
  const [liveStatus, setLiveStatus] = useState<LiveStatus>('connecting');
  const [reconnects, setReconnects] = useState(0);
  const [current, setCurrent] = useState<{ token: string | null; xeenet: XeeNetClient } | null>(null);

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
    const created = clientFactory(token, {
      // An anonymous client has no token to reject.
      onUnauthenticated: () => (token ? signOut(TOKEN_REJECTED) : undefined),
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

  // Render only once the client for this very token (or for anonymous reading) exists.
  const ready = current && current.token === token ? current.xeenet : null;
  return (
    <SessionContext.Provider value={value}>{ready ? <ApolloProvider client={ready.client}>{children}</ApolloProvider> : null}</SessionContext.Provider>
  );
}
