import { useCallback, useEffect, useState } from "react";
import { errorMessage } from "./api";

/** The three states every screen renders: loading, failed (with a readable message), loaded. */
export type Loadable<T> =
  | { state: "loading" }
  | { state: "error"; message: string }
  | { state: "ready"; data: T };

/** Runs an engine call on mount and on `reload()`, never blocking the UI while it runs. */
export function useCommand<T>(call: () => Promise<T>): [Loadable<T>, () => void] {
  const [value, setValue] = useState<Loadable<T>>({ state: "loading" });
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let live = true;
    call().then(
      (data) => live && setValue({ state: "ready", data }),
      (error: unknown) => live && setValue({ state: "error", message: errorMessage(error) }),
    );
    return () => {
      live = false;
    };
  }, [call, generation]);

  const reload = useCallback(() => {
    setValue({ state: "loading" });
    setGeneration((g) => g + 1);
  }, []);
  return [value, reload];
}
