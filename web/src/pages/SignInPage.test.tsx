import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SessionProvider, useSession } from '../auth/session';
import { loadToken } from '../auth/token-storage';
import { FakeApi, fakeClient } from '../test/fake-api';
import { checkToken, SignInPage } from './SignInPage';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function Gate() {
  const { token } = useSession();
  return token ? <p>signed in</p> : <SignInPage />;
}

const noClient = () => {
  const client = fakeClient(new FakeApi({}));
  return { client, dispose: () => client.stop() };
};

afterEach(() => vi.unstubAllGlobals());

describe('checkToken', () => {
  it('accepts a token the API knows', async () => {
    const fetchImpl = vi.fn(async () => json(200, { data: { me: { __typename: 'Account', id: 'a', name: 'Ada', role: 'ADMIN' } } }));
    await expect(checkToken('t0k3n', fetchImpl)).resolves.toEqual({ ok: true, name: 'Ada' });
    const [url, init] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/graphql');
    expect((init.headers as Record<string, string>).authorization).toBe('Bearer t0k3n');
  });

  it('explains an unknown token (HTTP 401) and an unreachable API', async () => {
    const unknown = await checkToken('bad', async () => json(401, { errors: [{ message: 'the API token is unknown or revoked' }] }));
    expect(unknown).toMatchObject({ ok: false, message: expect.stringMatching(/does not know this token/) });
    const offline = await checkToken('x', async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(offline).toMatchObject({ ok: false, message: expect.stringMatching(/Cannot reach the XeeNet API/) });
  });
});

describe('SignInPage', () => {
  it('keeps a valid token in localStorage and signs in', async () => {
    vi.stubGlobal('fetch', async () => json(200, { data: { me: { __typename: 'Account', id: 'a', name: 'Ada', role: 'ADMIN' } } }));
    render(
      <MemoryRouter>
        <SessionProvider clientFactory={noClient}>
          <Gate />
        </SessionProvider>
      </MemoryRouter>,
    );
    await userEvent.type(screen.getByLabelText('API token'), '  secret-token  ');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('signed in')).toBeInTheDocument();
    expect(loadToken()).toBe('secret-token');
  });

  it('shows the reason next to the field and stays signed out', async () => {
    vi.stubGlobal('fetch', async () => json(401, { errors: [{ message: 'unknown' }] }));
    render(
      <MemoryRouter>
        <SessionProvider clientFactory={noClient}>
          <Gate />
        </SessionProvider>
      </MemoryRouter>,
    );
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Enter your API token.');
    await userEvent.type(screen.getByLabelText('API token'), 'nope');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText(/does not know this token/)).toBeInTheDocument();
    expect(screen.getByLabelText('API token')).toHaveAttribute('aria-invalid', 'true');
    expect(loadToken()).toBeNull();
  });
});
