import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { SessionProvider } from '../auth/session';
import { saveToken } from '../auth/token-storage';
import { type FakeApi, fakeClient } from './fake-api';

/** Renders a page signed in, with the fake API behind the real Apollo client and cache. */
export function renderPage(element: ReactElement, api: FakeApi, options: { path?: string; at?: string } = {}) {
  saveToken('test-token');
  const client = fakeClient(api);
  const factory = () => ({ client, dispose: () => client.stop() });
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
  return { ...view, client };
}
