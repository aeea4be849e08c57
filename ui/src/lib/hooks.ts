// Data that keeps itself fresh: fetched once, then polled while the page is visible.

import { useCallback, useEffect, useRef, useState } from "react";

export const POLL_MS = 2000;

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => Promise<void>;
}

export function usePoll<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
  intervalMs: number | null = POLL_MS,
): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  loadRef.current = load;
  const controller = useRef<AbortController | null>(null);

  const reload = useCallback(async () => {
    controller.current?.abort();
    const mine = new AbortController();
    controller.current = mine;
    try {
      const value = await loadRef.current(mine.signal);
      if (!mine.signal.aborted) {
        setData(value);
        setError(null);
      }
    } catch (caught) {
      if (!mine.signal.aborted) setError(caught);
    } finally {
      if (!mine.signal.aborted) setLoading(false);
    }
  }, []);

  useEffect(() => {
    setLoading(true);
    setData(undefined);
    void reload();
    if (intervalMs === null) return () => controller.current?.abort();
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible") void reload();
    }, intervalMs);
    return () => {
      window.clearInterval(timer);
      controller.current?.abort();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);

  return { data, error, loading, reload };
}

export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · ZaneOps` : "ZaneOps";
  }, [title]);
}
