import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";
import { App } from "../App";
import type { SandboxStatus } from "../bindings/SandboxStatus";
import { STATUS } from "../testing/fixtures";
import { SandboxScreen } from "./Sandbox";

const RUNNING: SandboxStatus = {
  state: "running",
  info: {
    portal_id: 62515,
    hubspot_url: "http://127.0.0.1:40001",
    relay_url: "http://127.0.0.1:40002",
    contacts: 500,
    data_dir: "/home/admin/.local/share/dev.steward.desktop/sandbox",
  },
  problem: null,
};

type Calls = Array<{ cmd: string; args: unknown }>;

function serve(sandbox: SandboxStatus, answers: Record<string, unknown> = {}): Calls {
  const calls: Calls = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    if (cmd === "app_status") return STATUS;
    if (cmd === "sandbox_status") return sandbox;
    if (cmd in answers) {
      const answer = answers[cmd];
      return answer instanceof Error ? Promise.reject({ code: "invalid", message: answer.message }) : answer;
    }
    if (cmd === "review_board") return { items: [], pending_total: 0, by_field: [] };
    throw new Error(`unexpected command ${cmd}`);
  });
  return calls;
}

describe("Sandbox", () => {
  it("lands a newcomer on the sandbox tour under a banner", async () => {
    serve(RUNNING);
    render(<App />);
    const banner = await screen.findByTestId("sandbox-banner");
    expect(banner).toHaveTextContent("500 contacts");
    expect(banner).toHaveTextContent("nothing here touches HubSpot");
    expect(await screen.findByTestId("screen-sandbox")).toHaveTextContent("1. Create the AI properties");
    // Connect stays one click away.
    const user = userEvent.setup();
    await user.click(within(banner).getByTestId("sandbox-connect"));
    expect(screen.getByTestId("screen-connect")).toBeInTheDocument();
  });

  it("hides the sandbox screen and banner once a real portal is connected", async () => {
    serve({ state: "off", info: null, problem: null });
    render(<App />);
    await screen.findByTestId("nav-connect");
    expect(screen.queryByTestId("sandbox-banner")).toBeNull();
    expect(screen.queryByTestId("nav-sandbox")).toBeNull();
  });

  it("says why the sandbox failed", async () => {
    serve({ state: "failed", info: null, problem: "the sandbox's relay could not start: address in use" });
    render(<App />);
    expect(await screen.findByTestId("sandbox-banner")).toHaveTextContent("address in use");
  });

  it("creates the properties and reports what it did", async () => {
    const calls = serve(RUNNING, {
      sandbox_provision: {
        dry_run: false,
        items: [
          { name: "ai_enrichment", status: { status: "created" } },
          { name: "ai_summary", status: { status: "created" } },
          { name: "ai_model", status: { status: "already_correct" } },
        ],
      },
    });
    const user = userEvent.setup();
    render(<SandboxScreen status={STATUS} />);
    await user.click(screen.getByTestId("sandbox-provision"));
    expect(await screen.findByTestId("sandbox-provision-report")).toHaveTextContent("2 created, 1 already there");
    expect(calls.some((c) => c.cmd === "sandbox_provision")).toBe(true);
  });

  it("edits a contact as a person, and refuses a missing contact id", async () => {
    const calls = serve(RUNNING, { sandbox_edit: null });
    const user = userEvent.setup();
    render(<SandboxScreen status={STATUS} />);
    await user.click(screen.getByTestId("sandbox-edit"));
    expect(await screen.findByRole("alert")).toHaveTextContent("Enter the id of a contact");
    expect(calls.some((c) => c.cmd === "sandbox_edit")).toBe(false);

    await user.type(screen.getByTestId("sandbox-contact-id"), "1042");
    await user.selectOptions(screen.getByTestId("sandbox-property"), "ai_summary");
    await user.type(screen.getByTestId("sandbox-value"), "Met at the summit; wants a demo");
    await user.click(screen.getByTestId("sandbox-edit"));
    expect(await screen.findByTestId("sandbox-edit-done")).toHaveTextContent("becomes a review");
    expect(calls.find((c) => c.cmd === "sandbox_edit")?.args).toEqual({
      contactId: 1042,
      property: "ai_summary",
      value: "Met at the summit; wants a demo",
    });
  });

  it("adds a contact and shows the engine's refusal", async () => {
    serve(RUNNING, { sandbox_create_contact: new Error("enter an email address such as ada@example.com") });
    const user = userEvent.setup();
    render(<SandboxScreen status={STATUS} />);
    await user.type(screen.getByTestId("sandbox-new-firstname"), "Ada");
    await user.click(screen.getByTestId("sandbox-create"));
    expect(await screen.findByRole("alert")).toHaveTextContent("enter an email address");
    serve(RUNNING, { sandbox_create_contact: 5001 });
    await user.type(screen.getByTestId("sandbox-new-email"), "ada@example.com");
    await user.click(screen.getByTestId("sandbox-create"));
    expect(await screen.findByTestId("sandbox-created")).toHaveTextContent("Contact 5001 added");
  });
});
