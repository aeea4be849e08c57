// What every screen shares: who is logged in, the breadcrumbs, and short notices.

import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
} from "react";
import type { Me } from "../api/types";

export interface Crumb {
  label: string;
  to: string;
}

interface Toast {
  id: number;
  text: string;
  bad: boolean;
}

interface Shared {
  me: Me;
  crumbs: Crumb[];
  setCrumbs: (crumbs: Crumb[]) => void;
  notify: (text: string, bad?: boolean) => void;
  logout: () => Promise<void>;
}

const AppContext = createContext<Shared | null>(null);

export function useApp(): Shared {
  const shared = useContext(AppContext);
  if (!shared) throw new Error("useApp outside the app");
  return shared;
}

/** Sets the top bar's trail while the calling screen is shown. */
export function useCrumbs(crumbs: Crumb[]): void {
  const { setCrumbs } = useApp();
  const key = JSON.stringify(crumbs);
  useEffect(() => {
    setCrumbs(JSON.parse(key) as Crumb[]);
  }, [key, setCrumbs]);
}

export function AppProvider({
  me,
  logout,
  children,
}: {
  me: Me;
  logout: () => Promise<void>;
  children: ReactNode;
}) {
  const [crumbs, setCrumbs] = useState<Crumb[]>([]);
  const [toasts, setToasts] = useState<Toast[]>([]);
  const notify = useCallback((text: string, bad = false) => {
    const id = Date.now() + Math.random();
    // The newest three, each once: a burst of actions must not bury the page.
    setToasts((all) =>
      [...all.filter((toast) => toast.text !== text), { id, text, bad }].slice(-3),
    );
    window.setTimeout(() => setToasts((all) => all.filter((toast) => toast.id !== id)), 3000);
  }, []);
  const shared = useMemo(
    () => ({ me, crumbs, setCrumbs, notify, logout }),
    [me, crumbs, notify, logout],
  );
  return (
    <AppContext.Provider value={shared}>
      {children}
      <div className="toast-area" role="status" aria-live="polite">
        {toasts.map((toast) => (
          <div key={toast.id} className={`toast ${toast.bad ? "bad" : ""}`}>
            {toast.text}
          </div>
        ))}
      </div>
    </AppContext.Provider>
  );
}
