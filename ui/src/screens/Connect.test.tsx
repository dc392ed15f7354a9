import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { emit } from "@tauri-apps/api/event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";
import type { AppStatus } from "../bindings/AppStatus";
import type { ConnectionView } from "../bindings/ConnectionView";
import type { LinkOutcome } from "../bindings/LinkOutcome";
import type { Onboarding } from "../bindings/Onboarding";
import type { ProvisionReport } from "../bindings/ProvisionReport";
import { CONNECT_OUTCOME } from "../lib/connectApi";
import { onboarding } from "../testing/fixtures";
import { ConnectScreen } from "./Connect";

const STATUS: AppStatus = {
  version: "0.1.0",
  data_dir: "/d",
  database: "/d/steward.sqlite3",
  log_dir: "/d/logs",
  schema_version: 2,
  connection: { state: "not_connected" },
  overview: { pending_reviews: 0, audit_rows: 0, batch_runs: 0, contacts_enriched: 0, queued_jobs: 0 },
};

const FRESH: Onboarding = onboarding();

const ALL_SCOPES = [
  "crm.objects.contacts.read",
  "crm.objects.contacts.write",
  "crm.schemas.contacts.write",
  "crm.lists.read",
  "oauth",
];

function connected(missing: ConnectionView["missing_scopes"] = []): ConnectionView {
  return {
    info: {
      portal_id: 62515,
      app_id: 1234567,
      ui_domain: "app.hubspot.com",
      auth: "oauth",
      relay_url: "https://relay.example.com",
      scopes: ALL_SCOPES.filter((s) => !missing.some((m) => m.scope === s)),
    },
    missing_scopes: missing,
    token_available: true,
  };
}

type Handler = (args: Record<string, unknown>) => unknown;

/** Serves the wizard's commands; `calls` records every invoke with its arguments. */
function serve(handlers: Record<string, Handler>) {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  mockIPC(
    (cmd, args) => {
      const a = (args ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args: a });
      const h = handlers[cmd];
      if (!h) throw new Error(`unexpected command ${cmd}`);
      return h(a);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

const base = (state: () => Onboarding): Record<string, Handler> => ({
  onboarding_state: () => state(),
  last_link_outcome: () => null,
});

describe("Connect screen and setup wizard", () => {
  it("starts OAuth, waits for the deep link, then shows the connected portal", async () => {
    let state: Onboarding = FRESH;
    const calls = serve({
      ...base(() => state),
      connect_start: () => {
        state = { ...state, connect_pending: true };
        return {
          authorize_url: "https://app.hubspot.com/oauth/authorize?client_id=c&state=s1",
          state: "s1",
          expires_in: 600,
        };
      },
    });
    const user = userEvent.setup();
    render(<ConnectScreen status={STATUS} />);
    await screen.findByTestId("connect-start");
    expect(screen.getByTestId("connection")).toHaveTextContent("Not connected to HubSpot");
    expect(screen.getByTestId("step-connect-state")).toHaveTextContent("To do");
    expect(screen.getByTestId("relay-url")).toHaveValue("https://relay.example.com");
    expect(screen.getByTestId("provision-run")).toBeDisabled();

    await user.click(screen.getByTestId("connect-start"));
    expect(calls.find((c) => c.cmd === "connect_start")?.args).toEqual({ relayUrl: "https://relay.example.com" });
    expect(await screen.findByTestId("authorize-url")).toHaveTextContent("oauth/authorize?client_id=c&state=s1");
    expect(screen.getByTestId("connect-waiting")).toHaveTextContent("Waiting for HubSpot");

    state = { ...state, connect: "done", connect_pending: false, connection: connected() };
    const outcome: LinkOutcome = {
      ok: true,
      message: "Connected to HubSpot portal 62515 (app.hubspot.com)",
      refused: false,
      portal_id: 62515,
      at_ms: 0,
    };
    await act(() => emit(CONNECT_OUTCOME, outcome));
    expect(await screen.findByTestId("connected-portal")).toHaveTextContent("62515");
    expect(screen.getByTestId("link-outcome")).toHaveTextContent("Connected.");
    expect(screen.getByTestId("granted-scopes")).toHaveTextContent("crm.schemas.contacts.write");
    expect(screen.getByTestId("step-connect-state")).toHaveTextContent("Done");
    expect(screen.queryByTestId("connect-waiting")).not.toBeInTheDocument();
    expect(screen.queryByTestId("missing-scopes")).not.toBeInTheDocument();
  });

  it("shows a refused link as an alert and keeps the state", async () => {
    serve(base(() => FRESH));
    render(<ConnectScreen status={STATUS} />);
    await screen.findByTestId("connect-start");
    const refused: LinkOutcome = {
      ok: false,
      message: "this sign-in link does not match a Connect started on this computer; nothing was changed",
      refused: true,
      portal_id: null,
      at_ms: 0,
    };
    await act(() => emit(CONNECT_OUTCOME, refused));
    const alert = await screen.findByTestId("link-outcome");
    expect(alert).toHaveAttribute("role", "alert");
    expect(alert).toHaveTextContent("Link refused.");
    expect(alert).toHaveTextContent("nothing was changed");
    expect(screen.getByTestId("connection")).toHaveTextContent("Not connected to HubSpot");
  });

  it("flags a missing scope with what it breaks", async () => {
    const missing = [
      { scope: "crm.schemas.contacts.write", breaks: "creating the ai_enrichment group and ai_* properties (provisioning)" },
    ];
    serve(base(() => ({ ...FRESH, connect: "attention", connection: connected(missing) })));
    render(<ConnectScreen status={STATUS} />);
    const flagged = await screen.findByTestId("missing-scopes");
    expect(flagged).toHaveTextContent("crm.schemas.contacts.write");
    expect(flagged).toHaveTextContent("(provisioning)");
    expect(screen.getByTestId("step-connect-state")).toHaveTextContent("Needs attention");
  });

  it("provisions, previews, and reports a conflict", async () => {
    const report: ProvisionReport = {
      dry_run: false,
      items: [
        { name: "ai_enrichment", status: { status: "created" } },
        { name: "ai_summary", status: { status: "conflict", reason: "exists with type number (Steward needs string)" } },
        { name: "ai_model", status: { status: "created" } },
      ],
    };
    const calls = serve({
      ...base(() => ({ ...FRESH, connect: "done", connection: connected() })),
      onboarding_provision: (a) => (a.dryRun ? { dry_run: true, items: [{ name: "ai_model", status: { status: "would_create" } }] } : report),
    });
    const user = userEvent.setup();
    render(<ConnectScreen status={STATUS} />);
    await user.click(await screen.findByTestId("provision-preview"));
    expect(await screen.findByTestId("provision-summary")).toHaveTextContent("Preview: 0 created, 1 would be created");
    await user.click(screen.getByTestId("provision-run"));
    expect(await screen.findByTestId("provision-summary")).toHaveTextContent("2 created, 0 would be created, 0 already correct, 1 conflicts");
    const row = screen.getByTestId("provision-item-ai_summary");
    expect(row).toHaveTextContent("Conflict — left untouched");
    expect(row).toHaveTextContent("exists with type number");
    expect(calls.filter((c) => c.cmd === "onboarding_provision").map((c) => c.args)).toEqual([
      { dryRun: true },
      { dryRun: false },
    ]);
  });

  it("saves the LLM choice with the key, tests it, and dry-runs a contact", async () => {
    let state: Onboarding = { ...FRESH, connect: "done", connection: connected() };
    const calls = serve({
      ...base(() => state),
      onboarding_save_llm: () => {
        state = { ...state, key_source: "keyring" };
        return state.llm_settings;
      },
      onboarding_test_llm: () => {
        state = {
          ...state,
          llm: "done",
          last_llm_test: { at_ms: 0, ok: true, message: "sim-model answered with valid structured output", fingerprint: "x" },
        };
        return state.last_llm_test;
      },
      onboarding_dry_run: (a) => ({
        contact_id: a.contactId,
        correlation_id: "abcd1234abcd1234",
        fields: [{ property: "ai_summary", current: null, proposed: "Evaluating a purchase.", decision: "write", blocked_by: null }],
      }),
    });
    const user = userEvent.setup();
    render(<ConnectScreen status={STATUS} />);
    const base_url = await screen.findByTestId("llm-base-url");
    await user.clear(base_url);
    await user.type(base_url, "http://127.0.0.1:9/llm/v1");
    await user.clear(screen.getByTestId("llm-model"));
    await user.type(screen.getByTestId("llm-model"), "sim-model");
    await user.type(screen.getByTestId("llm-key"), "sk-test");
    await user.click(screen.getByTestId("llm-save"));
    expect(await screen.findByText(/A key is stored in the OS keyring/)).toBeInTheDocument();
    expect(calls.find((c) => c.cmd === "onboarding_save_llm")?.args).toEqual({
      choice: { provider: "openai_compatible", base_url: "http://127.0.0.1:9/llm/v1", model: "sim-model" },
      apiKey: "sk-test",
    });
    expect(screen.getByTestId("llm-key")).toHaveValue("");

    await user.click(screen.getByTestId("llm-test"));
    expect(await screen.findByTestId("llm-test-result")).toHaveTextContent("Works: sim-model answered");
    expect(screen.getByTestId("step-llm-state")).toHaveTextContent("Done");

    await user.type(screen.getByTestId("dry-run-contact"), "101x");
    expect(screen.getByTestId("dry-run-contact")).toHaveValue("101");
    await user.click(screen.getByTestId("dry-run-start"));
    const diff = await screen.findByTestId("dry-run-diff");
    expect(within(diff).getByTestId("diff-ai_summary")).toHaveTextContent("Evaluating a purchase.Would write");
    expect(diff).toHaveTextContent("nothing was written");
  });

  it("shows why Connect could not start", async () => {
    serve({
      ...base(() => FRESH),
      connect_start: () => {
        throw { code: "unavailable", message: "could not start Connect through the relay: could not reach the relay" };
      },
    });
    const user = userEvent.setup();
    render(<ConnectScreen status={STATUS} />);
    await user.click(await screen.findByTestId("connect-start"));
    expect(await screen.findByTestId("connect-error")).toHaveTextContent("could not reach the relay");
    expect(screen.queryByTestId("connect-waiting")).not.toBeInTheDocument();
  });

  it("falls back to the frame's status when the wizard cannot load", async () => {
    serve({});
    render(<ConnectScreen status={{ ...STATUS, connection: { state: "connected", portal_id: 7, domain: "x.hubspot.com" } }} />);
    expect(await screen.findByRole("alert")).toHaveTextContent("unexpected command onboarding_state");
    expect(screen.getByTestId("connection")).toHaveTextContent("Portal 7 (x.hubspot.com)");
  });
});
