import { useCallback, useEffect, useRef, useState } from "react";
import type { RunProgress } from "../bindings/RunProgress";
import { errorMessage } from "./api";
import { runProgress } from "./batchApi";
import { isActive } from "./runs";

/** What the screen knows about the run it follows. */
export interface RunWatch {
  progress: RunProgress | null;
  /** The last poll failed (the last progress stays shown). */
  error: string | null;
  /** Reads the progress again at once (after pause, resume or cancel). */
  refresh: () => void;
}

interface Seen {
  runId: number;
  progress: RunProgress | null;
  error: string | null;
}

/** Follows a run: reads its progress every `pollMs` while it has work (rate and ETA change
 *  with time, not only with events), and stops once it is over. `onFinished` is called once
 *  when a poll first sees the run over. */
export function useRunProgress(
  runId: number | null,
  pollMs: number,
  onFinished: (progress: RunProgress) => void,
): RunWatch {
  const [seen, setSeen] = useState<Seen | null>(null);
  const [generation, setGeneration] = useState(0);
  const finished = useRef(onFinished);
  useEffect(() => {
    finished.current = onFinished;
  });
  const announced = useRef<number | null>(null);

  useEffect(() => {
    if (runId === null) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      let again = true;
      try {
        const progress = await runProgress(runId);
        if (!live) return;
        setSeen({ runId, progress, error: null });
        if (!isActive(progress.run.status)) {
          again = false;
          if (announced.current !== runId) {
            announced.current = runId;
            finished.current(progress);
          }
        }
      } catch (e) {
        if (!live) return;
        const error = errorMessage(e);
        setSeen((prev) => ({ runId, progress: prev?.runId === runId ? prev.progress : null, error }));
      }
      if (live && again) timer = setTimeout(() => void tick(), pollMs);
    };
    void tick();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [runId, pollMs, generation]);

  const refresh = useCallback(() => setGeneration((g) => g + 1), []);
  const current = seen && seen.runId === runId ? seen : null;
  return { progress: current?.progress ?? null, error: current?.error ?? null, refresh };
}
