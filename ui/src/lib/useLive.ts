import { useCallback, useEffect, useRef, useState } from "react";
import { errorMessage, isCommandError } from "./api";
import { useEvents } from "./events";

/** Data that loads once, then refreshes quietly (no loading flash) when engine events say it
 *  changed. `deps` restart the load (a new filter); `events` refresh it. */
export interface Live<T> {
  state: "loading" | "error" | "ready";
  data: T | undefined;
  error: string | undefined;
  /** The error's code (`not_connected`, `unavailable` …) for the screen to switch on. */
  code: string | undefined;
  /** True while a background refresh runs. */
  refreshing: boolean;
  /** Loads again from scratch (the "Try again" button). */
  reload: () => void;
  /** Loads again quietly, keeping what is shown until the new data arrives. */
  refresh: () => void;
}

/** What the last load for one set of deps produced. */
interface Snapshot<T> {
  key: string;
  data?: T;
  error?: { message: string; code?: string };
}

export function useLive<T>(
  load: () => Promise<T>,
  deps: unknown[],
  events: string[] = [],
  /** Events closer together than this become one refresh (HubSpot-backed views). */
  throttleMs = 0,
): Live<T> {
  const key = JSON.stringify(deps);
  const [snap, setSnap] = useState<Snapshot<T> | null>(null);
  const [refreshing, setRefreshing] = useState(false);
  const loadRef = useRef(load);
  const keyRef = useRef(key);
  useEffect(() => {
    loadRef.current = load;
    keyRef.current = key;
  });
  const generation = useRef(0);

  // Starts a load for `forKey`; state changes only when it settles (and only if no newer load
  // started meanwhile).
  const start = useCallback((forKey: string, quiet: boolean) => {
    const mine = ++generation.current;
    loadRef.current().then(
      (data) => {
        if (mine !== generation.current) return;
        setSnap({ key: forKey, data });
        setRefreshing(false);
      },
      (e: unknown) => {
        if (mine !== generation.current) return;
        const error = { message: errorMessage(e), code: isCommandError(e) ? e.code : undefined };
        // A failed quiet refresh keeps the data on screen.
        setSnap((prev) => ({ key: forKey, data: quiet && prev?.key === forKey ? prev.data : undefined, error }));
        setRefreshing(false);
      },
    );
  }, []);

  useEffect(() => {
    start(key, false);
    return () => {
      generation.current += 1;
    };
  }, [key, start]);

  const lastRun = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const refresh = useCallback(() => {
    lastRun.current = Date.now();
    setRefreshing(true);
    start(keyRef.current, true);
  }, [start]);
  useEvents(events, () => {
    const wait = lastRun.current + throttleMs - Date.now();
    if (wait <= 0) refresh();
    else if (timer.current === undefined) {
      timer.current = setTimeout(() => {
        timer.current = undefined;
        refresh();
      }, wait);
    }
  });

  const reload = useCallback(() => {
    setSnap(null);
    start(keyRef.current, false);
  }, [start]);

  const current = snap && snap.key === key ? snap : null;
  const state = !current ? "loading" : current.data !== undefined ? "ready" : "error";
  return {
    state,
    data: current?.data,
    error: current?.error?.message,
    code: current?.error?.code,
    refreshing,
    reload,
    refresh,
  };
}
