// Data that keeps itself fresh: fetched once, then polled while the page is visible.

import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";

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
  // The latest `load` for the next poll; written after rendering (a render may be thrown away).
  useLayoutEffect(() => {
    loadRef.current = load;
  });
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

  useOnChange(deps, () => {
    setLoading(true);
    setData(undefined);
  });
  useEffect(() => {
    void reload();
    if (intervalMs === null) return () => controller.current?.abort();
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible") void reload();
    }, intervalMs);
    return () => {
      window.clearInterval(timer);
      controller.current?.abort();
    };
    // The caller's deps (checked where usePoll is called), and a new interval restarts the timer.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, intervalMs]);

  return { data, error, loading, reload };
}

/**
 * Runs `adjust` during the render in which one of `deps` changed (compared like an effect's):
 * React's way to reset state for new inputs, so that no render shows the old inputs' state.
 */
export function useOnChange(deps: readonly unknown[], adjust: () => void): void {
  const [seen, setSeen] = useState(deps);
  if (deps.length !== seen.length || deps.some((dep, i) => !Object.is(dep, seen[i]))) {
    setSeen(deps);
    adjust();
  }
}

export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · ZaneOps` : "ZaneOps";
  }, [title]);
}
