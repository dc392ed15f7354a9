import { useState } from "react";
import type { LlmPresetInfo } from "../../bindings/LlmPresetInfo";
import type { LlmSettings } from "../../bindings/LlmSettings";
import type { SettingsView } from "../../bindings/SettingsView";
import { clearLlmKey, saveLlmKey, testLlm } from "../../lib/admin";
import { Field } from "./Field";
import { PresetSelect, keepPreset, keyNeed, presetHint } from "./PresetSelect";
import { type Save, dollars, micros, useAction } from "./form";

const KEY_SOURCE = {
  environment: "from STEWARD_LLM_API_KEY (the environment wins over the keyring)",
  keyring: "stored in the OS keyring",
  none: "none stored (fine for local servers such as Ollama)",
} as const;

/** Every value a preset fills in; the admin can still change each one before saving. */
function fromPreset(llm: LlmSettings, p: LlmPresetInfo): LlmSettings {
  return {
    ...llm,
    preset: p.id,
    provider: p.provider,
    base_url: p.base_url,
    model: p.default_model,
    timeout_secs: p.timeout_secs,
    max_concurrency: p.max_concurrency,
    input_price_per_million_micros: p.input_price_per_million_micros,
    output_price_per_million_micros: p.output_price_per_million_micros,
  };
}

/** Settings → LLM: start from a preset or type the values, then the key (into the keyring). */
export function LlmSection({ view, save, onView }: { view: SettingsView; save: Save; onView: (v: SettingsView) => void }) {
  const [llm, setLlm] = useState(view.llm);
  const [key, setKey] = useState("");
  const { busy, run, note } = useAction();
  const presets = view.llm_presets;
  const set = (patch: Partial<LlmSettings>) => setLlm((cur) => keepPreset(presets, { ...cur, ...patch }));
  const preset = presets.find((p) => p.id === llm.preset);
  // Who refuses requests without a key (the engine refuses to save such settings keyless).
  const { neededBy: keyNeededBy, hint: keyHint } = keyNeed(preset, llm.provider);
  const keyMissing = keyNeededBy !== null && view.llm_key === "none" && key.trim() === "";
  const pick = (p: LlmPresetInfo | undefined) => setLlm(p ? fromPreset(llm, p) : { ...llm, preset: null });
  const saveAll = async () => {
    // A key typed but not yet stored goes first: a preset that needs one is refused without it.
    const withKey = key.trim() !== "";
    if (withKey) {
      onView(await saveLlmKey(key));
      setKey("");
    }
    await save({
      llm: {
        preset: llm.preset ?? "",
        provider: llm.provider,
        base_url: llm.base_url,
        model: llm.model,
        max_concurrency: llm.max_concurrency,
        timeout_secs: llm.timeout_secs,
        input_price_per_million_micros: llm.input_price_per_million_micros,
        output_price_per_million_micros: llm.output_price_per_million_micros,
      },
    });
    return `${withKey ? "Key stored in the OS keyring; " : ""}LLM settings saved; the engine restarted with them.`;
  };
  return (
    <section className="panel stack" data-testid="settings-llm">
      <h2>LLM</h2>
      <div className="form">
        <Field
          id="llm-preset"
          label="Start from a preset"
          hint={<span data-testid="llm-preset-key">{presetHint(preset)}</span>}
        >
          <PresetSelect id="llm-preset" presets={presets} value={llm.preset} onPick={pick} />
        </Field>
        <Field id="llm-provider" label="Provider">
          <select id="llm-provider" value={llm.provider} onChange={(e) => set({ provider: e.target.value as LlmSettings["provider"] })}>
            <option value="openai_compatible">OpenAI-compatible (OpenAI, Azure, Ollama, vLLM, LM Studio)</option>
            <option value="anthropic">Anthropic</option>
          </select>
        </Field>
        <Field id="llm-base" label="Base URL">
          <input id="llm-base" value={llm.base_url} onChange={(e) => set({ base_url: e.target.value })} />
        </Field>
        <Field id="llm-model" label="Model">
          <input id="llm-model" value={llm.model} onChange={(e) => set({ model: e.target.value })} />
        </Field>
        <Field id="llm-concurrency" label="Concurrency">
          <input id="llm-concurrency" type="number" min={1} max={64} value={llm.max_concurrency} onChange={(e) => set({ max_concurrency: Number(e.target.value) })} />
        </Field>
        <Field id="llm-timeout" label="Timeout (seconds)">
          <input id="llm-timeout" type="number" min={5} max={600} value={llm.timeout_secs} onChange={(e) => set({ timeout_secs: Number(e.target.value) })} />
        </Field>
        <Field id="llm-in" label="Price in ($ / 1M tokens)">
          <input id="llm-in" type="number" min={0} step="0.01" value={dollars(llm.input_price_per_million_micros)} onChange={(e) => set({ input_price_per_million_micros: micros(e.target.value) })} />
        </Field>
        <Field id="llm-out" label="Price out ($ / 1M tokens)">
          <input id="llm-out" type="number" min={0} step="0.01" value={dollars(llm.output_price_per_million_micros)} onChange={(e) => set({ output_price_per_million_micros: micros(e.target.value) })} />
        </Field>
      </div>
      <div className="row">
        <button type="button" className="btn primary" disabled={busy} onClick={() => void run(saveAll)}>
          Save LLM settings
        </button>
        <button type="button" className="btn" disabled={busy} onClick={() => void run(async () => (await testLlm()).message)}>
          Test connection
        </button>
      </div>
      <div className="form">
        <Field id="llm-key" label="API key" hint={keyHint} error={keyMissing && `${keyNeededBy} needs an API key: paste it here.`}>
          <div className="stack" style={{ gap: 6 }}>
            <span className="small muted" data-testid="llm-key-source">
              {KEY_SOURCE[view.llm_key]}
            </span>
            <div className="row">
              <input
                id="llm-key"
                type="password"
                autoComplete="off"
                className="grow"
                placeholder="sk-…"
                required={keyNeededBy !== null}
                value={key}
                onChange={(e) => setKey(e.target.value)}
              />
              <button
                type="button"
                className="btn"
                disabled={busy || !key.trim()}
                onClick={() =>
                  void run(async () => {
                    onView(await saveLlmKey(key));
                    setKey("");
                    return "Key stored in the OS keyring.";
                  })
                }
              >
                Save key
              </button>
              {view.llm_key === "keyring" && (
                <button type="button" className="btn danger" disabled={busy} onClick={() => void run(async () => (onView(await clearLlmKey()), "Key removed."))}>
                  Remove key
                </button>
              )}
            </div>
          </div>
        </Field>
      </div>
      {note}
    </section>
  );
}
