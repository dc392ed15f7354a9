import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";
import { App } from "./App";
import type { AppStatus } from "./bindings/AppStatus";

const EMPTY: AppStatus = {
  version: "0.1.0",
  data_dir: "/home/admin/.local/share/dev.steward.app",
  database: "/home/admin/.local/share/dev.steward.app/steward.sqlite3",
  log_dir: "/home/admin/.local/share/dev.steward.app/logs",
  schema_version: 2,
  connection: { state: "not_connected" },
  overview: { pending_reviews: 0, audit_rows: 0, batch_runs: 0, contacts_enriched: 0, queued_jobs: 0 },
};

function serve(status: AppStatus | { error: { code: string; message: string } }) {
  mockIPC((cmd) => {
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
    serve({ ...EMPTY, overview: { ...EMPTY.overview, pending_reviews: 3 } });
    const user = userEvent.setup();
    render(<App />);
    expect(await screen.findByLabelText("3 pending")).toBeInTheDocument();
    await user.click(screen.getByTestId("nav-reviews"));
    expect(screen.getByTestId("reviews-count")).toHaveTextContent("3 reviews are waiting");
  });

  it("shows the connected portal", async () => {
    serve({ ...EMPTY, connection: { state: "connected", portal_id: 62515, domain: "acme.hubspot.com" } });
    render(<App />);
    expect(await screen.findByText("Connected to HubSpot")).toBeInTheDocument();
    expect(screen.getByTestId("connection")).toHaveTextContent("62515");
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
