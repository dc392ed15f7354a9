import { useState } from "react";
import type { LlmChoice } from "../../bindings/LlmChoice";
import type { Onboarding } from "../../bindings/Onboarding";
import * as api from "../../lib/connectApi";
import { Step, when } from "./Step";
import { useAction } from "./useAction";

const KEY_HINT = {
  environment: "The key comes from STEWARD_LLM_API_KEY (it wins over the keyring).",
  keyring: "A key is stored in the OS keyring. Type a new one to replace it.",
  none: "No key stored. Local servers (Ollama, LM Studio) need none.",
} as const;

/** Step 3: provider, base URL, model and key (into the keyring), with a real test call. */
export function LlmStep({ state, onChange }: { state: Onboarding; onChange: () => void }) {
  const s = state.llm_settings;
  const [choice, setChoice] = useState<LlmChoice>({ provider: s.provider, base_url: s.base_url, model: s.model });
  const [key, setKey] = useState("");
  const save = useAction();
  const test = useAction();
  const set = (patch: Partial<LlmChoice>) => setChoice((c) => ({ ...c, ...patch }));
  const last = state.last_llm_test;

  const doSave = () =>
    save.run(async () => {
      await api.saveLlm(choice, key.trim() === "" ? null : key);
      setKey("");
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
        <label>
          Provider
          <select
            data-testid="llm-provider"
            value={choice.provider}
            onChange={(e) => set({ provider: e.target.value as LlmChoice["provider"] })}
          >
            <option value="openai_compatible">OpenAI-compatible (OpenAI, Azure, Ollama, vLLM, LM Studio)</option>
            <option value="anthropic">Anthropic</option>
          </select>
        </label>
        <label>
          Base URL
          <input data-testid="llm-base-url" value={choice.base_url} onChange={(e) => set({ base_url: e.target.value })} />
        </label>
        <label>
          Model
          <input data-testid="llm-model" value={choice.model} onChange={(e) => set({ model: e.target.value })} />
        </label>
        <label>
          API key
          <input
            data-testid="llm-key"
            type="password"
            autoComplete="off"
            placeholder={state.key_source === "keyring" ? "•••••••• (stored)" : ""}
            value={key}
            onChange={(e) => setKey(e.target.value)}
          />
        </label>
        <p className="muted small" data-testid="llm-key-source">
          {KEY_HINT[state.key_source]}
        </p>
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
