import { useQuery, useSubscription } from '@apollo/client/react';
import { useEffect, useRef } from 'react';
import { Link, NavLink, Outlet, useLocation } from 'react-router';
import { useSession } from '../auth/session';
import { graphql } from '../gql';
import { formatCredits } from '../lib/format';

const LayoutMeQuery = graphql(`
  query LayoutMe {
    me {
      id
      name
      role
      balance
    }
  }
`);

/** Credits moved in or out of our wallet: the returned Account merges into the cache, so every view of the balance updates. */
const BalanceChanged = graphql(`
  subscription BalanceChanged {
    balanceChanged {
      id
      balance
    }
  }
`);

const LIVE_LABEL = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' } as const;

export function Layout() {
  const { token, signOut, liveStatus, notice } = useSession();
  const signedIn = token !== null;
  const { data } = useQuery(LayoutMeQuery, { skip: !signedIn });
  const me = signedIn ? data?.me : null;
  useSubscription(BalanceChanged, { skip: !signedIn });
  const location = useLocation();
  const main = useRef<HTMLElement>(null);

  // Move focus to the new page's content on navigation, so keyboard and screen-reader users follow.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [location.pathname]);

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="header">
        <NavLink to="/campaigns" className="brand" aria-label="XeeNet home">
          XeeNet
        </NavLink>
        <nav className="nav" aria-label="Main">
          <NavLink to="/campaigns" end>
            Campaigns
          </NavLink>
          <NavLink to="/explore">Explore</NavLink>
          <NavLink to="/scripts">Scripts</NavLink>
          {signedIn && (
            <>
              <NavLink to="/campaigns/new">New brief</NavLink>
              <NavLink to="/workers">Workers</NavLink>
              <NavLink to="/credits">Credits</NavLink>
            </>
          )}
        </nav>
        <div className="header__account">
          <span className={`live live--${liveStatus}`} role="status" title="Live updates over WebSocket">
            {LIVE_LABEL[liveStatus]}
          </span>
          {me && (
            <span className="header__me">
              <span className="header__name">{me.name}</span>
              {me.balance != null && <span className="header__balance">{formatCredits(me.balance)}</span>}
            </span>
          )}
          {signedIn ? (
            <button type="button" className="button button--quiet" onClick={() => signOut()}>
              Sign out
            </button>
          ) : (
            location.pathname !== '/sign-in' && (
              <Link className="button button--quiet" to="/sign-in" state={{ from: location.pathname + location.search }}>
                Sign in
              </Link>
            )
          )}
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1} className="main">
        {!signedIn && notice && location.pathname !== '/sign-in' && (
          <p className="notice notice--warning" role="status">
            {notice} <Link to="/sign-in">Sign in</Link>
          </p>
        )}
        <Outlet />
      </main>
    </div>
  );
}
