import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TOKEN_REJECTED, useSession } from '../../auth/session';
import { loadToken } from '../../auth/token-storage';
import { FakeApi } from '../../test/fake-api';
import { renderPage } from '../../test/render';
import { DatasetPicker } from './DatasetPicker';

function SessionProbe() {
  const { token, notice } = useSession();
  return <p data-testid="session">{token ? 'signed in' : `signed out: ${notice}`}</p>;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('DatasetPicker upload', () => {
  it('signs out when the API rejects the token (HTTP 401), as every other request does', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ errors: [{ message: 'Unauthenticated', extensions: { code: 'UNAUTHENTICATED' } }] }), { status: 401 }));
    vi.stubGlobal('fetch', fetch);
    renderPage(
      <>
        <SessionProbe />
        <DatasetPicker datasets={[]} value="" onChange={() => undefined} onUploaded={async () => undefined} />
      </>,
      new FakeApi({}),
    );
    await userEvent.upload(screen.getByLabelText('UTF-8 text file'), new File(['some text\n'], 'notes.txt', { type: 'text/plain' }));
    await userEvent.click(screen.getByRole('button', { name: 'Upload' }));
    await waitFor(() => expect(screen.getByTestId('session')).toHaveTextContent(`signed out: ${TOKEN_REJECTED}`));
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(loadToken()).toBeNull();
  });
});
