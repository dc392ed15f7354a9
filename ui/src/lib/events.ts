// Live updates pushed by the Rust side (src-tauri/src/live.rs): the UI never polls.
import { useEffect, useRef } from "react";
import { listen } from "@tauri-apps/api/event";

export const REVIEWS_CHANGED = "steward://reviews-changed";
export const AUDIT_APPENDED = "steward://audit-appended";
export const JOBS_CHANGED = "steward://jobs-changed";
export const SETTINGS_CHANGED = "steward://settings-changed";
export const ENGINE_STATUS = "steward://engine-status";
export const NAVIGATE = "steward://navigate";

/** Calls `handler` with each payload of the named events while the component is mounted. */
export function useEvents<T = unknown>(names: string[], handler: (payload: T, name: string) => void) {
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  const key = names.join("|");
  useEffect(() => {
    let live = true;
    const unlisteners: Array<() => void> = [];
    for (const name of key.split("|").filter(Boolean)) {
      listen<T>(name, (event) => latest.current(event.payload, name)).then(
        (unlisten) => (live ? unlisteners.push(unlisten) : unlisten()),
        () => undefined, // outside Tauri (a plain browser) there are no events
      );
    }
    return () => {
      live = false;
      unlisteners.forEach((u) => u());
    };
  }, [key]);
}
