import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { useSession } from './auth/session';
import { Layout } from './components/Layout';
import { Loading } from './components/Loading';
import { CampaignsPage } from './pages/CampaignsPage';
import { CreditsPage } from './pages/CreditsPage';
import { NewBriefPage } from './pages/new-brief/NewBriefPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { SignInPage } from './pages/SignInPage';
import { WorkersPage } from './pages/WorkersPage';

// The campaign page carries the charts (recharts): loaded on demand to keep the first load small.
const CampaignPage = lazy(() => import('./pages/campaign/CampaignPage'));

export function App() {
  const { token } = useSession();
  if (!token) return <SignInPage />;
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<Navigate to="/campaigns" replace />} />
        <Route path="campaigns" element={<CampaignsPage />} />
        <Route path="campaigns/new" element={<NewBriefPage />} />
        <Route
          path="campaigns/:id"
          element={
            <Suspense fallback={<Loading what="the campaign" />}>
              <CampaignPage />
            </Suspense>
          }
        />
        <Route path="workers" element={<WorkersPage />} />
        <Route path="credits" element={<CreditsPage />} />
        <Route path="sign-in" element={<Navigate to="/campaigns" replace />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
