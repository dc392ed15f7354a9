import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { SettingsScreen } from "./Settings";
import { STATUS, fail, never, serve, settings } from "../testing/fixtures";
import type { SettingsUpdate } from "../bindings/SettingsUpdate";
import type { SettingsView } from "../bindings/SettingsView";

describe("Settings screen", () => {
  it("shows loading, and the installation facts at once", () => {
    serve({ settings_view: never });
    render(<SettingsScreen status={STATUS} />);
    expect(screen.getByRole("status")).toHaveTextContent("Loading");
    expect(screen.getByTestId("settings-data-dir")).toHaveTextContent(STATUS.data_dir);
  });

  it("opens the setup steps (connect, provision, LLM, dry run) again from Settings", async () => {
    serve({ settings_view: () => settings() });
    const user = userEvent.setup();
    const seen: string[] = [];
    const listener = (e: Event) => seen.push((e as CustomEvent<string>).detail);
    window.addEventListener("steward:navigate", listener);
    render(<SettingsScreen status={STATUS} />);
    await user.click(within(screen.getByTestId("settings-setup")).getByRole("button", { name: "Open the setup steps" }));
    window.removeEventListener("steward:navigate", listener);
    expect(seen).toEqual(["connect"]);
  });

  it("shows the engine's error", async () => {
    serve({ settings_view: () => fail("internal", "the setting llm holds a value this version cannot read") });
    render(<SettingsScreen status={STATUS} />);
    expect(await screen.findByRole("alert")).toHaveTextContent("cannot read");
  });

  it("shows a fresh installation with defaults (the empty state)", async () => {
    const fresh: SettingsView = { ...settings(), llm_key: "none", connection: null, prompt_version: 1, prompt_is_default: true, spent_this_month_micros: 0 };
    serve({ settings_view: () => fresh });
    render(<SettingsScreen status={STATUS} />);
    expect(await screen.findByTestId("settings-portal")).toHaveTextContent("not connected");
    expect(screen.getByTestId("llm-key-source")).toHaveTextContent("none stored");
    expect(screen.getByTestId("prompt-version")).toHaveTextContent("version 1 · built-in");
  });

  it("edits the prompt (bumping its version), previews it, and saves policies and inputs", async () => {
    let view = settings();
    const updates: SettingsUpdate[] = [];
    const calls = serve({
      settings_view: () => view,
      update_settings: ({ update }) => {
        const u = update as SettingsUpdate;
        updates.push(u);
        if (u.prompt_instructions) view = { ...view, prompt_instructions: u.prompt_instructions, prompt_version: view.prompt_version + 1 };
        return { view, changed: Object.keys(u) };
      },
      preview_prompt: () => ({
        contact_id: 101,
        outcome: "dry_run",
        correlation_id: "p1",
        cost_micros: 50,
        message: null,
        diff: { contact_id: 101, correlation_id: "p1", fields: [{ property: "ai_summary", current: null, proposed: "Short.", decision: "write", blocked_by: null }] },
      }),
    });
    const user = userEvent.setup();
    render(<SettingsScreen status={STATUS} />);
    const prompt = await screen.findByTestId("settings-prompt");
    expect(within(prompt).getByTestId("prompt-version")).toHaveTextContent("version 3");
    const box = within(prompt).getByRole("textbox", { name: "Prompt instructions" });
    await user.clear(box);
    await user.type(box, "One sentence only.");
    await user.type(within(prompt).getByRole("textbox", { name: "Preview contact id" }), "101");
    await user.click(within(prompt).getByRole("button", { name: "Preview on contact" }));
    expect(await within(prompt).findByTestId("diff-table")).toHaveTextContent("Short.");
    expect(calls.find((c) => c.cmd === "preview_prompt")?.args).toEqual({ instructions: "One sentence only.", contactId: 101 });
    await user.click(within(prompt).getByRole("button", { name: "Save as version 4" }));
    await waitFor(() => expect(within(screen.getByTestId("settings-prompt")).getByTestId("prompt-version")).toHaveTextContent("version 4"));

    const inputs = screen.getByTestId("settings-inputs");
    await user.click(within(inputs).getByRole("button", { name: "Remove jobtitle" }));
    await user.type(within(inputs).getByRole("textbox", { name: "Add input property" }), "industry{Enter}");
    await user.selectOptions(within(inputs).getByRole("combobox", { name: "Policy for AI summary" }), "never");
    await user.click(within(inputs).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(updates.at(-1)).toMatchObject({ input_properties: ["email", "company", "industry"], field_policies: { ai_summary: "never", ai_generated_score: "fill_empty" } }));
  });

  it("saves the LLM, the key (never shown back), budget and relay, and reports refusals", async () => {
    const updates: SettingsUpdate[] = [];
    const calls = serve({
      settings_view: () => settings(),
      update_settings: ({ update }) => {
        const u = update as SettingsUpdate;
        if (u.relay_url === "ftp://nope") fail("invalid", "the relay URL `ftp://nope` is not an http(s) URL");
        updates.push(u);
        return { view: settings(), changed: ["llm"] };
      },
      save_llm_key: () => settings(),
      test_llm: () => ({ at_ms: 1, ok: true, message: "gpt-4o-mini answered with valid structured output", fingerprint: "x" }),
    });
    const user = userEvent.setup();
    render(<SettingsScreen status={STATUS} />);
    const llm = await screen.findByTestId("settings-llm");
    await user.clear(within(llm).getByLabelText("Model"));
    await user.type(within(llm).getByLabelText("Model"), "gpt-4.1-mini");
    await user.click(within(llm).getByRole("button", { name: "Save LLM settings" }));
    await waitFor(() => expect(updates.at(-1)?.llm?.model).toBe("gpt-4.1-mini"));
    await user.type(within(llm).getByLabelText("API key"), "sk-secret");
    await user.click(within(llm).getByRole("button", { name: "Save key" }));
    expect(await within(llm).findByText("Key stored in the OS keyring.")).toBeInTheDocument();
    expect(within(llm).getByLabelText("API key")).toHaveValue("");
    expect(calls.find((c) => c.cmd === "save_llm_key")?.args).toEqual({ key: "sk-secret" });
    await user.click(within(llm).getByRole("button", { name: "Test connection" }));
    expect(await within(llm).findByText(/valid structured output/)).toBeInTheDocument();

    const budget = screen.getByTestId("settings-budget");
    expect(within(budget).getByTestId("budget-spent")).toHaveTextContent("$12.50 of $50.00");
    await user.clear(within(budget).getByLabelText("Monthly LLM budget ($)"));
    await user.click(within(budget).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(updates.at(-1)?.budget).toEqual({ micros: null }));

    const conn = screen.getByTestId("settings-connection");
    expect(within(conn).getByTestId("settings-portal")).toHaveTextContent("62515 (app.hubspot.com)");
    await user.clear(within(conn).getByLabelText("Relay URL"));
    await user.type(within(conn).getByLabelText("Relay URL"), "ftp://nope");
    await user.click(within(conn).getByRole("button", { name: "Save" }));
    expect(await within(conn).findByRole("alert")).toHaveTextContent("not an http(s) URL");
  });
});
