// Shared bits of the Settings sections: the save callback, the action runner with its notice,
// and dollars ⇄ micro-dollars for the price and budget inputs.
import { useState } from "react";
import type { SettingsUpdate } from "../../bindings/SettingsUpdate";
import { errorMessage } from "../../lib/api";

export type Save = (update: SettingsUpdate) => Promise<void>;

/** Runs an action and reports its outcome under the section. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ tone: "good" | "bad"; text: string } | null>(null);
  const run = async (action: () => Promise<string>) => {
    setBusy(true);
    setResult(null);
    try {
      setResult({ tone: "good", text: await action() });
    } catch (e) {
      setResult({ tone: "bad", text: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };
  const note = result && (
    <div className={`notice ${result.tone}`} role={result.tone === "bad" ? "alert" : "status"}>
      {result.text}
    </div>
  );
  return { busy, run, note };
}

export const dollars = (micros: number) => (micros / 1_000_000).toString();
export const micros = (text: string) => Math.round(Number(text) * 1_000_000);
