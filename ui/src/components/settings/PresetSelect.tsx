// "Start from a preset", shared by Settings → LLM and the setup wizard's LLM step: the select,
// the rule that keeps a preset's name only while the form still points at its server, and
// what the form says about the API key. The lists come from the engine (`llm_presets`).
import type { LlmPresetInfo } from "../../bindings/LlmPresetInfo";
import type { LlmSettings } from "../../bindings/LlmSettings";

/** The part of a form a preset decides: which server, and the preset's name. */
type ServerForm = { preset?: string | null; provider: LlmSettings["provider"]; base_url: string };

const trimSlash = (url: string) => url.trim().replace(/\/+$/, "");

/** The form after an edit. Like the engine, it keeps the preset's name only while the provider
 *  and base URL are still the preset's: pointed elsewhere, the values describe another server. */
export function keepPreset<T extends ServerForm>(presets: LlmPresetInfo[], next: T): T {
  const p = presets.find((x) => x.id === next.preset);
  const still = p !== undefined && p.provider === next.provider && p.base_url === trimSlash(next.base_url);
  return still ? next : ({ ...next, preset: null } as T);
}

/** Whether the key is required (and by whom) or optional, as the engine decides when saving:
 *  Anthropic and a preset whose server needs one refuse to be saved without a key. */
export function keyNeed(preset: LlmPresetInfo | undefined, provider: LlmSettings["provider"]) {
  const neededBy = preset?.needs_key ? preset.label : provider === "anthropic" ? "Anthropic" : null;
  const hint = neededBy
    ? `Required: ${neededBy} refuses requests without a key.`
    : preset
      ? `Optional: ${preset.label} needs no key unless the server was started with one.`
      : undefined;
  return { neededBy, hint };
}

/** The line under the select: whether the picked preset needs a key. */
export function presetHint(preset: LlmPresetInfo | undefined) {
  return preset
    ? `${preset.needs_key ? "Needs an API key (below)." : "Needs no API key."} Every value below can still be changed before saving.`
    : "Or enter the values yourself.";
}

/** The select itself: "Custom" (value `""`) and every preset by label. */
export function PresetSelect({
  id,
  testId,
  presets,
  value,
  onPick,
}: {
  id?: string;
  testId?: string;
  presets: LlmPresetInfo[];
  value: string | null | undefined;
  /** The preset picked; `undefined` for "Custom". */
  onPick: (preset: LlmPresetInfo | undefined) => void;
}) {
  return (
    <select id={id} data-testid={testId} value={value ?? ""} onChange={(e) => onPick(presets.find((p) => p.id === e.target.value))}>
      <option value="">Custom (enter the values)</option>
      {presets.map((p) => (
        <option key={p.id} value={p.id}>
          {p.label}
        </option>
      ))}
    </select>
  );
}
