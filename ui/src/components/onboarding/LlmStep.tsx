import { useState } from "react";
import type { LlmChoice } from "../../bindings/LlmChoice";
import type { LlmPresetInfo } from "../../bindings/LlmPresetInfo";
import type { Onboarding } from "../../bindings/Onboarding";
import * as api from "../../lib/connectApi";
import { PresetSelect, keepPreset, keyNeed, presetHint } from "../settings/PresetSelect";
import { Step, when } from "./Step";
import { useAction } from "./useAction";

const KEY_HINT = {
  environment: "The key comes from STEWARD_LLM_API_KEY (it wins over the keyring).",
  keyring: "A key is stored in the OS keyring. Type a new one to replace it.",
  none: "No key stored. Local servers (Ollama, LM Studio) need none.",
} as const;

/** The form: the fields of the choice, and the preset whose name it shows (`null`: custom). */
type Form = Omit<LlmChoice, "preset"> & { preset: string | null };

/** Step 3: start from a preset or type provider, base URL and model; the key (into the keyring);
 *  a real test call. */
export function LlmStep({ state, onChange }: { state: Onboarding; onChange: () => void }) {
  const s = state.llm_settings;
  const presets = state.llm_presets;
  const [form, setForm] = useState<Form>({ preset: s.preset ?? null, provider: s.provider, base_url: s.base_url, model: s.model });
  // The preset picked here since the last save (`""`: Custom), sent with the choice so the
  // engine starts from it (its limits and prices too). Untouched: the stored limits stay.
  const [start, setStart] = useState<string | undefined>(undefined);
  const [key, setKey] = useState("");
  const save = useAction();
  const test = useAction();
  const set = (patch: Partial<Form>) => setForm((f) => keepPreset(presets, { ...f, ...patch }));
  const pick = (p: LlmPresetInfo | undefined) => {
    setStart(p?.id ?? "");
    setForm((f) => (p ? { preset: p.id, provider: p.provider, base_url: p.base_url, model: p.default_model } : { ...f, preset: null }));
  };
  const preset = presets.find((p) => p.id === form.preset);
  const { neededBy, hint: keyHint } = keyNeed(preset, form.provider);
  const last = state.last_llm_test;

  const doSave = () =>
    save.run(async () => {
      const { provider, base_url, model } = form;
      const choice: LlmChoice = start === undefined ? { provider, base_url, model } : { preset: start, provider, base_url, model };
      await api.saveLlm(choice, key.trim() === "" ? null : key);
      setKey("");
      setStart(undefined);
      onChange();
    });
  const doTest = () =>
    test.run(async () => {
      await api.testLlm();
      onChange();
    });

  return (
    <Step n={3} id="llm" title="Choose the LLM" state={state.llm}>
      <form
        className="grid-form"
        onSubmit={(e) => {
          e.preventDefault();
          void doSave();
        }}
      >
        <label className="wide">
          Start from a preset
          <PresetSelect testId="llm-preset" presets={presets} value={form.preset} onPick={pick} />
        </label>
        <p className="muted small" data-testid="llm-preset-key">
          {presetHint(preset)}
        </p>
        <label>
          Provider
          <select
            data-testid="llm-provider"
            value={form.provider}
            onChange={(e) => set({ provider: e.target.value as LlmChoice["provider"] })}
          >
            <option value="openai_compatible">OpenAI-compatible (OpenAI, Azure, Ollama, vLLM, LM Studio)</option>
            <option value="anthropic">Anthropic</option>
          </select>
        </label>
        <label>
          Base URL
          <input data-testid="llm-base-url" value={form.base_url} onChange={(e) => set({ base_url: e.target.value })} />
        </label>
        <label>
          Model
          <input data-testid="llm-model" value={form.model} onChange={(e) => set({ model: e.target.value })} />
        </label>
        <label>
          API key
          <input
            data-testid="llm-key"
            type="password"
            autoComplete="off"
            placeholder={state.key_source === "keyring" ? "•••••••• (stored)" : ""}
            // Only while no key is stored: the engine refuses the save without one.
            required={neededBy !== null && state.key_source === "none"}
            value={key}
            onChange={(e) => setKey(e.target.value)}
          />
        </label>
        <p className="muted small" data-testid="llm-key-source">
          {KEY_HINT[state.key_source]}
        </p>
        {keyHint && (
          <p className="muted small" data-testid="llm-key-need">
            {keyHint}
          </p>
        )}
        <div className="actions">
          <button type="submit" data-testid="llm-save" disabled={save.busy}>
            {save.busy ? "Saving…" : "Save"}
          </button>
          <button type="button" className="secondary" data-testid="llm-test" disabled={test.busy} onClick={() => void doTest()}>
            {test.busy ? "Testing…" : "Test"}
          </button>
        </div>
      </form>
      {last && (
        <p className={last.ok ? "ok" : "inline-error"} data-testid="llm-test-result" role={last.ok ? "status" : "alert"}>
          {last.ok ? "Works: " : "Failed: "}
          {last.message} <span className="muted">({when(last.at_ms)})</span>
        </p>
      )}
      {(save.error ?? test.error) && (
        <p className="inline-error" role="alert" data-testid="llm-error">
          {save.error ?? test.error}
        </p>
      )}
    </Step>
  );
}
