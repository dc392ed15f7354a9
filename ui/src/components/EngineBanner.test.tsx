import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { EngineStatus } from "../bindings/EngineStatus";
import { EngineBanner } from "./EngineBanner";

const HEALTHY: EngineStatus = { running: true, polling: true, portal_id: 1, pause: null, pause_message: null, problem: null, leased: 3 };

function show(status: EngineStatus | null) {
  const onConnect = vi.fn();
  const onSettings = vi.fn();
  render(<EngineBanner status={status} onConnect={onConnect} onSettings={onSettings} />);
  return { onConnect, onSettings };
}

describe("EngineBanner", () => {
  it("shows nothing while the engine runs, or before its status is known", () => {
    show(HEALTHY);
    show(null);
    expect(screen.queryByTestId("engine-banner")).not.toBeInTheDocument();
  });

  it("sends a refused LLM key and a spent budget to Settings", async () => {
    const user = userEvent.setup();
    const llm = show({
      ...HEALTHY,
      pause: { kind: "llm_config", message: "the LLM provider refused the API key" },
      pause_message: "the LLM provider refused the API key",
    });
    expect(screen.getByRole("alert")).toHaveTextContent("the LLM provider refused the API key");
    await user.click(screen.getByRole("button", { name: "Open Settings" }));
    expect(llm.onSettings).toHaveBeenCalledOnce();
  });

  it("explains a spent LLM budget in words", () => {
    show({
      ...HEALTHY,
      pause: { kind: "budget" },
      pause_message: "the monthly LLM budget is used up: raise it in Settings or wait for next month",
    });
    expect(screen.getByRole("alert")).toHaveTextContent("the monthly LLM budget is used up");
  });

  it("says HubSpot's daily limit resumes by itself, with nothing to click", () => {
    show({
      ...HEALTHY,
      pause: { kind: "daily_limit" },
      pause_message: "HubSpot's daily API limit is reached: enrichment resumes tomorrow",
    });
    expect(screen.getByRole("alert")).toHaveTextContent("enrichment resumes tomorrow");
    expect(screen.queryByRole("button")).not.toBeInTheDocument();
  });

  it("shows an engine problem", async () => {
    const user = userEvent.setup();
    const { onConnect } = show({
      ...HEALTHY,
      running: false,
      problem: "the engine's feeder stopped on an internal error; nothing queued is lost. Restart Steward",
    });
    expect(screen.getByRole("alert")).toHaveTextContent("Restart Steward");
    await user.click(screen.getByRole("button", { name: "Open Connect" }));
    expect(onConnect).toHaveBeenCalledOnce();
  });
});
