import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";
import { App } from "./App";
import type { AppStatus } from "./bindings/AppStatus";

const EMPTY: AppStatus = {
  version: "0.1.0",
  data_dir: "/home/admin/.local/share/dev.steward.desktop",
  database: "/home/admin/.local/share/dev.steward.desktop/steward.sqlite3",
  log_dir: "/home/admin/.local/share/dev.steward.desktop/logs",
  schema_version: 2,
  connection: { state: "not_connected" },
  overview: { pending_reviews: 0, audit_rows: 0, batch_runs: 0, contacts_enriched: 0, queued_jobs: 0 },
};

/** What the admin screens read on a fresh installation (their own tests cover the rest). */
const FRESH_SCREENS: Record<string, unknown> = {
  review_board: { items: [], pending_total: 0, by_field: [] },
  search_contacts: { hits: [], source: "recent", total: 0 },
  audit_count: 0,
  audit_page: [],
  audit_insights: { days: [], outcomes: [], total_rows: 0, total_tokens: 0, total_cost_micros: 0 },
  run_history: [],
  search_lists: [],
  engine_status: { running: true, polling: true, portal_id: 62515, pause: null, pause_message: null, problem: null, leased: 0 },
};

function serve(
  status: AppStatus | { error: { code: string; message: string } },
  screens: Record<string, unknown> = FRESH_SCREENS,
) {
  mockIPC((cmd) => {
    if (cmd in screens) return screens[cmd];
    if (cmd !== "app_status") throw new Error(`unexpected command ${cmd}`);
    if ("error" in status) return Promise.reject(status.error);
    return status;
  });
}

describe("App frame", () => {
  it("shows loading, then the not-connected empty state", async () => {
    serve(EMPTY);
    render(<App />);
    expect(screen.getByRole("status")).toHaveTextContent("Loading");
    expect(await screen.findByText("Not connected to HubSpot")).toBeInTheDocument();
  });

  it("navigates to every screen and renders its empty state", async () => {
    serve(EMPTY);
    const user = userEvent.setup();
    render(<App />);
    await screen.findByText("Not connected to HubSpot");
    const expected: Record<string, string> = {
      reviews: "No pending reviews",
      contacts: "No contacts enriched yet",
      activity: "No activity yet",
      batch: "No batch runs yet",
      settings: EMPTY.data_dir,
    };
    for (const [id, text] of Object.entries(expected)) {
      await user.click(screen.getByTestId(`nav-${id}`));
      expect(screen.getByTestId(`screen-${id}`)).toHaveTextContent(text);
    }
  });

  it("shows a pending-review badge and count when reviews wait", async () => {
    const item = (id: number) => ({
      id, portal_id: 1, contact_id: id, property: "ai_summary", kind: "guarded", human_value: "h",
      human_writer: null, human_at: null, proposed_value: "p", correlation_id: "c", input_hash: "x",
      model: null, status: "pending", resolved_value: null, resolved_at: null, created_at: 0,
      field_label: "AI summary", human_label: "someone", why_blocked: "why",
    });
    serve(
      { ...EMPTY, overview: { ...EMPTY.overview, pending_reviews: 3 } },
      { ...FRESH_SCREENS, review_board: { items: [item(1), item(2), item(3)], pending_total: 3, by_field: [] } },
    );
    const user = userEvent.setup();
    render(<App />);
    expect(await screen.findByLabelText("3 pending")).toBeInTheDocument();
    await user.click(screen.getByTestId("nav-reviews"));
    expect(await screen.findByTestId("reviews-count")).toHaveTextContent("3 of 3 pending");
  });

  it("shows the connected portal", async () => {
    serve({ ...EMPTY, connection: { state: "connected", portal_id: 62515, domain: "acme.hubspot.com" } });
    render(<App />);
    expect(await screen.findByText("Connected to HubSpot")).toBeInTheDocument();
    expect(screen.getByTestId("connection")).toHaveTextContent("62515");
  });

  it("says why enrichment is paused on every screen and leads to the fix", async () => {
    serve(EMPTY, {
      ...FRESH_SCREENS,
      engine_status: {
        running: true,
        polling: true,
        portal_id: 62515,
        pause: { kind: "reconnect", message: "HubSpot revoked Steward's access: reconnect in Connect" },
        pause_message: "HubSpot revoked Steward's access: reconnect in Connect",
        problem: null,
        leased: 0,
      },
    });
    const user = userEvent.setup();
    render(<App />);
    const banner = await screen.findByTestId("engine-banner");
    expect(banner).toHaveTextContent("Enrichment is paused, queued work waits: HubSpot revoked Steward's access");
    await user.click(screen.getByTestId("nav-batch"));
    expect(screen.getByTestId("engine-banner")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Reconnect" }));
    expect(screen.getByTestId("screen-connect")).toBeInTheDocument();
  });

  it("shows the engine's error and retries", async () => {
    serve({ error: { code: "internal", message: "cannot open the Steward database at /x" } });
    const user = userEvent.setup();
    render(<App />);
    expect(await screen.findByRole("alert")).toHaveTextContent("cannot open the Steward database");
    serve(EMPTY);
    await user.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByText("Not connected to HubSpot")).toBeInTheDocument();
  });
});
