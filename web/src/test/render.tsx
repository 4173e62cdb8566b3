import { act, render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { type ClientHandlers, SessionProvider } from '../auth/session';
import { saveToken } from '../auth/token-storage';
import { type FakeApi, fakeClient } from './fake-api';

/**
 * Renders a page signed in (or signed out: anonymous, as a visitor browsing public campaigns),
 * with the fake API behind the real Apollo client and cache.
 */
export function renderPage(element: ReactElement, api: FakeApi, options: { path?: string; at?: string; signedOut?: boolean } = {}) {
  if (!options.signedOut) saveToken('test-token');
  const client = fakeClient(api);
  let handlers: ClientHandlers | null = null;
  /** The token of each client the session asked for (null: anonymous). */
  const tokens: (string | null)[] = [];
  const factory = (token: string | null, given: ClientHandlers) => {
    tokens.push(token);
    handlers = given;
    return { client, dispose: () => client.stop() };
  };
  const view = render(
    <MemoryRouter initialEntries={[options.at ?? '/']}>
      <SessionProvider clientFactory={factory}>
        <Routes>
          <Route path={options.path ?? '/'} element={element} />
          <Route path="*" element={<p>elsewhere</p>} />
        </Routes>
      </SessionProvider>
    </MemoryRouter>,
  );
  /** What the real client reports after its WebSocket dropped and came back. */
  const reconnect = () =>
    act(() => {
      handlers?.onLiveStatus('reconnecting');
      handlers?.onLiveStatus('live');
      handlers?.onReconnected?.();
    });
  return { ...view, client, reconnect, tokens };
}
