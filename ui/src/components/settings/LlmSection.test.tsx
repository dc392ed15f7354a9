import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { SettingsScreen } from "../../screens/Settings";
import { STATUS, serve, settings } from "../../testing/fixtures";
import type { SettingsUpdate } from "../../bindings/SettingsUpdate";
import type { SettingsView } from "../../bindings/SettingsView";

/** The Settings screen on `view`, recording every update it sends. */
async function open(view: SettingsView = settings()) {
  const updates: SettingsUpdate[] = [];
  const calls = serve({
    settings_view: () => view,
    update_settings: ({ update }) => {
      updates.push(update as SettingsUpdate);
      return { view, changed: ["llm"] };
    },
    save_llm_key: () => ({ ...view, llm_key: "keyring" }),
  });
  const user = userEvent.setup();
  render(<SettingsScreen status={STATUS} />);
  const llm = await screen.findByTestId("settings-llm");
  const field = (label: string) => within(llm).getByLabelText(label);
  return { user, llm, field, updates, calls };
}

describe("Settings → LLM presets", () => {
  it("picking Ollama fills every value and marks the key as optional", async () => {
    const { user, llm, field } = await open({ ...settings(), llm_key: "none" });
    expect(field("Start from a preset")).toHaveValue("");
    await user.selectOptions(field("Start from a preset"), "Ollama (local)");
    expect(field("Provider")).toHaveValue("openai_compatible");
    expect(field("Base URL")).toHaveValue("http://localhost:11434/v1");
    expect(field("Model")).toHaveValue("llama3.1:8b");
    expect(field("Concurrency")).toHaveValue(2);
    expect(field("Timeout (seconds)")).toHaveValue(180);
    expect(field("Price in ($ / 1M tokens)")).toHaveValue(0);
    expect(field("Price out ($ / 1M tokens)")).toHaveValue(0);
    expect(within(llm).getByTestId("llm-preset-key")).toHaveTextContent("Needs no API key.");
    expect(field("API key")).not.toBeRequired();
    expect(within(llm).getByText(/Optional: Ollama \(local\) needs no key/)).toBeInTheDocument();
    expect(within(llm).queryByRole("alert")).not.toBeInTheDocument();
  });

  it("picking OpenAI shows the key as required, and says so while none is stored", async () => {
    const { user, llm, field } = await open({ ...settings(), llm_key: "none" });
    await user.selectOptions(field("Start from a preset"), "OpenAI");
    expect(field("Base URL")).toHaveValue("https://api.openai.com/v1");
    expect(field("Model")).toHaveValue("gpt-6-luna");
    expect(field("Price out ($ / 1M tokens)")).toHaveValue(0.5);
    expect(within(llm).getByTestId("llm-preset-key")).toHaveTextContent("Needs an API key (below).");
    expect(field("API key")).toBeRequired();
    expect(within(llm).getByText("Required: OpenAI refuses requests without a key.")).toBeInTheDocument();
    expect(within(llm).getByRole("alert")).toHaveTextContent("OpenAI needs an API key: paste it here.");
    await user.type(field("API key"), "sk-new");
    expect(within(llm).queryByRole("alert")).not.toBeInTheDocument();
  });

  it("saves the preset with the values as edited, the typed key first", async () => {
    const { user, field, updates, calls } = await open({ ...settings(), llm_key: "none" });
    await user.selectOptions(field("Start from a preset"), "OpenAI");
    await user.clear(field("Model"));
    await user.type(field("Model"), "gpt-6-luna-mini");
    await user.type(field("API key"), "sk-new");
    await user.click(screen.getByRole("button", { name: "Save LLM settings" }));
    await waitFor(() => expect(updates).toHaveLength(1));
    expect(updates[0]?.llm).toEqual({
      preset: "openai",
      provider: "openai_compatible",
      base_url: "https://api.openai.com/v1",
      model: "gpt-6-luna-mini",
      max_concurrency: 8,
      timeout_secs: 60,
      input_price_per_million_micros: 100_000,
      output_price_per_million_micros: 500_000,
    });
    const order = calls.map((c) => c.cmd).filter((c) => c !== "settings_view");
    expect(order).toEqual(["save_llm_key", "update_settings"]);
    expect(calls.find((c) => c.cmd === "save_llm_key")?.args).toEqual({ key: "sk-new" });
    expect(await screen.findByText(/Key stored in the OS keyring; LLM settings saved/)).toBeInTheDocument();
    expect(field("API key")).toHaveValue("");
  });

  it("shows the stored preset, and another base URL makes the settings custom", async () => {
    const view = settings();
    const stored: SettingsView = {
      ...view,
      llm: { ...view.llm, preset: "lm_studio", base_url: "http://localhost:1234/v1", model: "qwen2.5-7b-instruct" },
    };
    const { user, llm, field, updates } = await open(stored);
    expect(field("Start from a preset")).toHaveValue("lm_studio");
    // The model is not the server: the preset stays.
    await user.clear(field("Model"));
    await user.type(field("Model"), "mistral-7b");
    expect(field("Start from a preset")).toHaveValue("lm_studio");
    await user.clear(field("Base URL"));
    await user.type(field("Base URL"), "http://gpu-box:1234/v1");
    expect(field("Start from a preset")).toHaveValue("");
    expect(within(llm).getByTestId("llm-preset-key")).toHaveTextContent("Or enter the values yourself.");
    await user.click(screen.getByRole("button", { name: "Save LLM settings" }));
    await waitFor(() => expect(updates).toHaveLength(1));
    expect(updates[0]?.llm).toMatchObject({ preset: "", base_url: "http://gpu-box:1234/v1", model: "mistral-7b" });
  });
});
