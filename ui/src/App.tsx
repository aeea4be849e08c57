// Routes, and the session: who is logged in decides between the login screen and the rest.

import { useCallback, useEffect, useState } from "react";
import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router";
import { get, post, whenLoggedOut } from "./api/client";
import type { Me } from "./api/types";
import { AppProvider } from "./components/app-context";
import { Shell } from "./components/Shell";
import { Loading } from "./components/ui";
import { Account } from "./pages/Account";
import { BackupTargets } from "./pages/BackupTargets";
import { BackupsOverview } from "./pages/BackupsOverview";
import { Login } from "./pages/Login";
import { NewDatabasePage } from "./pages/NewDatabase";
import { NewService } from "./pages/NewService";
import { NotFound } from "./pages/NotFound";
import { ProjectPage } from "./pages/Project";
import { Projects } from "./pages/Projects";
import { ServicePage } from "./pages/service/ServicePage";
import { Notifications } from "./pages/Notifications";
import { Servers } from "./pages/Servers";
import { SshHosts } from "./pages/SshHosts";

type Session = Me | null | undefined; // undefined: still asking the API

function useSession() {
  const [me, setMe] = useState<Session>(undefined);
  useEffect(() => {
    get<Me>("/auth/me").then(setMe, () => setMe(null));
    return whenLoggedOut(() => setMe(null));
  }, []);
  const logout = useCallback(async () => {
    try {
      await post("/auth/logout");
    } finally {
      setMe(null);
    }
  }, []);
  return { me, setMe, logout };
}

function Guarded({ me, logout }: { me: Session; logout: () => Promise<void> }) {
  const location = useLocation();
  if (me === undefined) return <Loading />;
  if (me === null) {
    const next = location.pathname + location.search;
    return (
      <Navigate to={next === "/" ? "/login" : `/login?next=${encodeURIComponent(next)}`} replace />
    );
  }
  return (
    <AppProvider me={me} logout={logout}>
      <Shell />
    </AppProvider>
  );
}

export function App() {
  const { me, setMe, logout } = useSession();
  return (
    <BrowserRouter>
      <Routes>
        <Route path="/login" element={<Login me={me} onLoggedIn={setMe} />} />
        <Route element={<Guarded me={me} logout={logout} />}>
          <Route index element={<Projects />} />
          <Route path="projects/:projectId" element={<ProjectPage />} />
          <Route path="projects/:projectId/env/:environmentId" element={<ProjectPage />} />
          <Route path="projects/:projectId/env/:environmentId/new" element={<NewService />} />
          <Route
            path="projects/:projectId/env/:environmentId/new-database"
            element={<NewDatabasePage />}
          />
          <Route path="services/:serviceId/*" element={<ServicePage />} />
          <Route path="account" element={<Account />} />
          <Route path="ssh-hosts" element={<SshHosts />} />
          <Route path="notifications" element={<Notifications />} />
          <Route path="backup-targets" element={<BackupTargets />} />
          <Route path="servers" element={<Servers />} />
          <Route path="backups" element={<BackupsOverview />} />
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
    </BrowserRouter>
  );
}
