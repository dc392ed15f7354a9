import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { LlmChoice } from "../../bindings/LlmChoice";
import type { Onboarding } from "../../bindings/Onboarding";
import { onboarding, serve } from "../../testing/fixtures";
import { LlmStep } from "./LlmStep";

/** The wizard's LLM step on `state`, recording every choice it saves. */
function open(state: Onboarding = onboarding()) {
  const saved: Array<{ choice: LlmChoice; apiKey: string | null }> = [];
  serve({
    onboarding_save_llm: (args) => {
      saved.push(args as { choice: LlmChoice; apiKey: string | null });
      return state.llm_settings;
    },
  });
  const user = userEvent.setup();
  render(<LlmStep state={state} onChange={() => undefined} />);
  const field = (label: string) => screen.getByLabelText(label);
  return { user, field, saved };
}

describe("the setup wizard's LLM step: start from a preset", () => {
  it("picking Ollama fills base URL and model, makes the key optional, and saves the preset", async () => {
    const { user, field, saved } = open();
    expect(field("Start from a preset")).toHaveValue("");
    expect(screen.getByTestId("llm-preset-key")).toHaveTextContent("Or enter the values yourself.");
    await user.selectOptions(field("Start from a preset"), "Ollama (local)");
    expect(field("Provider")).toHaveValue("openai_compatible");
    expect(screen.getByTestId("llm-base-url")).toHaveValue("http://localhost:11434/v1");
    expect(screen.getByTestId("llm-model")).toHaveValue("llama3.1:8b");
    expect(screen.getByTestId("llm-preset-key")).toHaveTextContent("Needs no API key.");
    expect(field("API key")).not.toBeRequired();
    expect(screen.getByTestId("llm-key-need")).toHaveTextContent("Optional: Ollama (local) needs no key unless the server was started with one.");
    await user.click(screen.getByTestId("llm-save"));
    await waitFor(() => expect(saved).toHaveLength(1));
    expect(saved[0]).toEqual({
      choice: { preset: "ollama", provider: "openai_compatible", base_url: "http://localhost:11434/v1", model: "llama3.1:8b" },
      apiKey: null,
    });
  });

  it("picking OpenAI marks the key as required while none is stored", async () => {
    const { user, field } = open();
    await user.selectOptions(field("Start from a preset"), "OpenAI");
    expect(screen.getByTestId("llm-base-url")).toHaveValue("https://api.openai.com/v1");
    expect(screen.getByTestId("llm-model")).toHaveValue("gpt-6-luna");
    expect(screen.getByTestId("llm-preset-key")).toHaveTextContent("Needs an API key (below).");
    expect(field("API key")).toBeRequired();
    expect(screen.getByTestId("llm-key-need")).toHaveTextContent("Required: OpenAI refuses requests without a key.");
    // Anthropic's server refuses keyless requests too; Custom with the OpenAI-compatible
    // provider leaves the key to the admin.
    await user.selectOptions(field("Start from a preset"), "Anthropic");
    expect(field("Provider")).toHaveValue("anthropic");
    expect(field("API key")).toBeRequired();
    await user.selectOptions(field("Start from a preset"), "Custom (enter the values)");
    expect(field("Provider")).toHaveValue("anthropic");
    expect(screen.getByTestId("llm-key-need")).toHaveTextContent("Required: Anthropic refuses requests without a key.");
    await user.selectOptions(field("Provider"), "openai_compatible");
    expect(field("API key")).not.toBeRequired();
    expect(screen.queryByTestId("llm-key-need")).not.toBeInTheDocument();
  });

  it("a stored key is not asked for again", async () => {
    const { user, field } = open(onboarding({ key_source: "keyring" }));
    await user.selectOptions(field("Start from a preset"), "OpenAI");
    expect(field("API key")).not.toBeRequired();
    expect(screen.getByTestId("llm-key-need")).toHaveTextContent("Required: OpenAI refuses requests without a key.");
  });

  it("another base URL makes the form custom but still starts from the preset picked", async () => {
    const { user, field, saved } = open();
    await user.selectOptions(field("Start from a preset"), "LM Studio (local)");
    await user.clear(screen.getByTestId("llm-model"));
    await user.type(screen.getByTestId("llm-model"), "mistral-7b");
    expect(field("Start from a preset")).toHaveValue("lm_studio");
    await user.clear(screen.getByTestId("llm-base-url"));
    await user.type(screen.getByTestId("llm-base-url"), "http://gpu-box:1234/v1");
    expect(field("Start from a preset")).toHaveValue("");
    await user.click(screen.getByTestId("llm-save"));
    await waitFor(() => expect(saved).toHaveLength(1));
    // The engine starts from LM Studio's limits and prices and forgets its name.
    expect(saved[0]?.choice).toEqual({ preset: "lm_studio", provider: "openai_compatible", base_url: "http://gpu-box:1234/v1", model: "mistral-7b" });
  });

  it("shows the stored preset and, untouched, saves without one (the stored limits stay)", async () => {
    const base = onboarding();
    const state = onboarding({ llm_settings: { ...base.llm_settings, preset: "lm_studio", base_url: "http://localhost:1234/v1", model: "qwen2.5-7b-instruct", max_concurrency: 1 } });
    const { user, field, saved } = open(state);
    expect(field("Start from a preset")).toHaveValue("lm_studio");
    expect(screen.getByTestId("llm-preset-key")).toHaveTextContent("Needs no API key.");
    await user.clear(screen.getByTestId("llm-model"));
    await user.type(screen.getByTestId("llm-model"), "mistral-7b");
    await user.click(screen.getByTestId("llm-save"));
    await waitFor(() => expect(saved).toHaveLength(1));
    expect(saved[0]?.choice).toEqual({ provider: "openai_compatible", base_url: "http://localhost:1234/v1", model: "mistral-7b" });
  });
});
