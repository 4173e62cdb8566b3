import { type FormEvent, useId, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { print } from 'graphql';
import { useSession } from '../auth/session';
import { graphql } from '../gql';
import type { SignInMeQuery } from '../gql/graphql';
import { GRAPHQL_PATH } from '../lib/endpoints';

const SignInMe = graphql(`
  query SignInMe {
    me {
      id
      name
      role
    }
  }
`);

type Check = { ok: true; name: string } | { ok: false; message: string };

/** Asks the API who the token belongs to, before keeping it. */
export async function checkToken(token: string, fetchImpl: typeof fetch = fetch): Promise<Check> {
  let response: Response;
  try {
    response = await fetchImpl(GRAPHQL_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: print(SignInMe), operationName: 'SignInMe' }),
    });
  } catch {
    return { ok: false, message: 'Cannot reach the XeeNet API. Check that it is running (npm start), then try again.' };
  }
  if (response.status === 401) {
    return {
      ok: false,
      message:
        'The API does not know this token (or it was revoked). Paste the whole token: the admin token printed when the API first started, or one an admin created for you.',
    };
  }
  type Body = { data?: SignInMeQuery; errors?: { message: string }[] };
  let body: Body | null = null;
  try {
    body = (await response.json()) as Body;
  } catch {
    // handled below
  }
  if (!response.ok || !body) {
    return { ok: false, message: `The API answered HTTP ${response.status}. Check the API log, then try again.` };
  }
  const me = body.data?.me;
  if (!me) {
    return { ok: false, message: body.errors?.[0]?.message ?? 'The API did not recognise this token. Check it and try again.' };
  }
  return { ok: true, name: me.name };
}

interface SignInProps {
  /** What the visitor tried to do that needs a token (shown above the form). */
  reason?: string;
}

/** Where to go after signing in: the page that asked (`state.from`), else where we are. */
function returnTo(state: unknown): string | null {
  const from = typeof state === 'object' && state !== null ? (state as { from?: unknown }).from : undefined;
  return typeof from === 'string' && from.startsWith('/') ? from : null;
}

export function SignInPage({ reason }: SignInProps) {
  const { signIn, notice } = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const trimmed = token.trim();
    if (!trimmed) {
      setError('Enter your API token.');
      return;
    }
    setBusy(true);
    setError(null);
    const result = await checkToken(trimmed);
    setBusy(false);
    if (!result.ok) {
      setError(result.message);
      return;
    }
    signIn(trimmed);
    const from = returnTo(location.state);
    if (from) void navigate(from, { replace: true });
  }

  return (
    <div className="signin">
      <form className="card signin__card" onSubmit={submit} noValidate aria-describedby={notice ? `${id}-notice` : undefined}>
        <h1>Sign in to XeeNet</h1>
        {reason && <p className="notice">{reason}</p>}
        <p className="muted">
          Use your API token. On a fresh install it is the admin token the API printed when it first started.
        </p>
        {notice && (
          <p className="notice notice--warning" id={`${id}-notice`} role="status">
            {notice}
          </p>
        )}
        <div className="field">
          <label htmlFor={`${id}-token`}>API token</label>
          <input
            id={`${id}-token`}
            name="token"
            type="password"
            autoComplete="current-password"
            spellCheck={false}
            value={token}
            onChange={(event) => setToken(event.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
            autoFocus
          />
          {error && (
            <p className="field__error" id={`${id}-error`} role="alert">
              {error}
            </p>
          )}
        </div>
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        <p className="muted small">
          No token? Public campaigns and their results are open to everyone: <Link to="/campaigns">browse them</Link> or{' '}
          <Link to="/explore">explore what works</Link>.
        </p>
      </form>
    </div>
  );
}
