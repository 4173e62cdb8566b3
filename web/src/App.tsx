import { lazy, type ReactNode, Suspense } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { useSession } from './auth/session';
import { Layout } from './components/Layout';
import { Loading } from './components/Loading';
import { CampaignsPage } from './pages/CampaignsPage';
import { CreditsPage } from './pages/CreditsPage';
import { ExplorePage } from './pages/explore/ExplorePage';
import { ScriptsPage } from './pages/scripts/ScriptsPage';
import { NewBriefPage } from './pages/new-brief/NewBriefPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { SignInPage } from './pages/SignInPage';
import { WorkersPage } from './pages/WorkersPage';

// The campaign page carries the charts (recharts): loaded on demand to keep the first load small.
const CampaignPage = lazy(() => import('./pages/campaign/CampaignPage'));
const ScriptPage = lazy(() => import('./pages/scripts/ScriptPage'));

/** Signed out, pages that act (or show a fleet or wallet) ask for a token and then open in place. */
function SignedIn({ children, reason }: { children: ReactNode; reason: string }) {
  const { token } = useSession();
  return token ? children : <SignInPage reason={reason} />;
}

export function App() {
  const { token } = useSession();
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<Navigate to="/campaigns" replace />} />
        {/* Open science: public campaigns are readable without a token. */}
        <Route path="campaigns" element={<CampaignsPage />} />
        <Route
          path="campaigns/new"
          element={
            <SignedIn reason="Sign in to write a brief: a campaign spends your credits.">
              <NewBriefPage />
            </SignedIn>
          }
        />
        <Route
          path="campaigns/:id"
          element={
            <Suspense fallback={<Loading what="the campaign" />}>
              <CampaignPage />
            </Suspense>
          }
        />
        <Route path="explore" element={<ExplorePage />} />
        <Route path="scripts" element={<ScriptsPage />} />
        <Route
          path="scripts/:id"
          element={
            <Suspense fallback={<Loading what="the script" />}>
              <ScriptPage />
            </Suspense>
          }
        />
        <Route
          path="workers"
          element={
            <SignedIn reason="Sign in to see the worker fleet.">
              <WorkersPage />
            </SignedIn>
          }
        />
        <Route
          path="credits"
          element={
            <SignedIn reason="Sign in to see your credits and the leaderboard.">
              <CreditsPage />
            </SignedIn>
          }
        />
        <Route path="sign-in" element={token ? <Navigate to="/campaigns" replace /> : <SignInPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
