// Moving between screens with a purpose ("open this contact", "show this correlation ID").
// The app frame listens for the DOM event; the target screen takes the intent when it mounts.
import { useEffect, useRef } from "react";
import { NAVIGATE, useEvents } from "./events";

export type ScreenTarget = "sandbox" | "connect" | "reviews" | "contacts" | "activity" | "batch" | "settings";

export interface Intent {
  screen: ScreenTarget;
  contactId?: number;
  correlationId?: string;
  /** Activity: show only this batch run's audit rows. */
  runId?: number;
}

const DOM_EVENT = "steward:navigate";
let pending: Intent | null = null;

export function navigate(intent: Intent) {
  pending = intent;
  window.dispatchEvent(new CustomEvent<ScreenTarget>(DOM_EVENT, { detail: intent.screen }));
}

/** The intent addressed to `screen`, once. */
export function takeIntent(screen: ScreenTarget): Intent | null {
  if (pending?.screen !== screen) return null;
  const intent = pending;
  pending = null;
  return intent;
}

/** For the frame: switch screens on in-app navigation and on the tray's "Reviews" entry. */
export function useNavigation(show: (screen: ScreenTarget) => void) {
  const latest = useRef(show);
  useEffect(() => {
    latest.current = show;
  });
  useEffect(() => {
    const onNavigate = (e: Event) => latest.current((e as CustomEvent<ScreenTarget>).detail);
    window.addEventListener(DOM_EVENT, onNavigate);
    return () => window.removeEventListener(DOM_EVENT, onNavigate);
  }, []);
  useEvents<ScreenTarget>([NAVIGATE], (screen) => latest.current(screen));
}
