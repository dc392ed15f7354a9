import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { emit } from "@tauri-apps/api/event";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ActivityScreen } from "./Activity";
import { STATUS, auditRow, fail, insights, never, serve, withOverview } from "../testing/fixtures";
import type { AuditFilter } from "../bindings/AuditFilter";
import { navigate } from "../lib/nav";

/** 100,000 rows served in keyset pages, newest first, like the engine. */
function pages(total: number) {
  return ({ filter }: Record<string, unknown>) => {
    const f = filter as AuditFilter;
    const top = f.before_id ?? total + 1;
    const limit = f.limit ?? 200;
    const ids: number[] = [];
    for (let id = top - 1; id >= 1 && ids.length < limit; id--) {
      if (f.outcome === "guarded" && id % 5 !== 0) continue;
      ids.push(id);
    }
    return ids.map((id) => auditRow(id));
  };
}

// jsdom lays nothing out: give the table's scroll area the size it has in the app, so the
// virtualizer renders the rows a 440 px window shows.
const sizes = ["clientHeight", "clientWidth"] as const;
const original = sizes.map((p) => Object.getOwnPropertyDescriptor(HTMLElement.prototype, p));
beforeAll(() => {
  for (const p of sizes) {
    Object.defineProperty(HTMLElement.prototype, p, {
      configurable: true,
      get(this: HTMLElement) {
        if (this.dataset.testid !== "audit-scroll") return 0;
        return p === "clientHeight" ? 440 : 900;
      },
    });
  }
});
afterAll(() => {
  sizes.forEach((p, i) => {
    const d = original[i];
    if (d) Object.defineProperty(HTMLElement.prototype, p, d);
  });
});

describe("Activity screen", () => {
  it("shows the empty state before any round trip", async () => {
    serve({ audit_count: () => 0, audit_insights: () => insights(), audit_page: () => [] });
    render(<ActivityScreen status={STATUS} />);
    expect(await screen.findByTestId("activity-empty")).toHaveTextContent("No activity yet");
  });

  it("shows loading while the charts are read", () => {
    serve({ audit_count: never, audit_insights: never, audit_page: never });
    render(<ActivityScreen status={withOverview({ audit_rows: 10 })} />);
    expect(screen.getAllByRole("status")[0]).toHaveTextContent("Loading");
  });

  it("shows errors from the engine", async () => {
    serve({
      audit_count: () => 3,
      audit_insights: () => fail("internal", "database error: disk I/O error"),
      audit_page: () => fail("internal", "database error: disk I/O error"),
    });
    render(<ActivityScreen status={withOverview({ audit_rows: 3 })} />);
    const alerts = await screen.findAllByRole("alert");
    expect(alerts[0]).toHaveTextContent("disk I/O error");
  });

  it("draws charts, renders only visible rows of 100,000 and pages on scroll", async () => {
    const calls = serve({ audit_count: () => 100_000, audit_insights: () => insights(7), audit_page: pages(100_000) });
    render(<ActivityScreen status={withOverview({ audit_rows: 100_000 })} />);
    await waitFor(() => expect(screen.getByTestId("activity-count")).toHaveTextContent("100,000 rows"));
    expect(await screen.findByTestId("chart-enriched")).toBeInTheDocument();
    expect(screen.getByTestId("chart-enriched").querySelectorAll("rect")).toHaveLength(7);
    expect(screen.getByTestId("chart-enriched-total")).toHaveTextContent("210");
    expect(screen.getByTestId("chart-outcomes")).toBeInTheDocument();
    await waitFor(() => expect(screen.getAllByTestId("audit-row").length).toBeGreaterThan(5));
    expect(screen.getAllByTestId("audit-row").length).toBeLessThan(60);
    const scroller = screen.getByTestId("audit-scroll");
    await act(async () => {
      scroller.scrollTop = 34 * 190;
      scroller.dispatchEvent(new Event("scroll"));
    });
    await waitFor(() =>
      expect(calls.some((c) => c.cmd === "audit_page" && (c.args.filter as AuditFilter).before_id === 99_801)).toBe(true),
    );
  });

  it("filters by outcome, contact and correlation ID, and exports", async () => {
    const calls = serve({
      audit_count: () => 20_000,
      audit_insights: () => insights(7),
      audit_page: pages(100_000),
      export_audit: ({ format }) => ({ path: `/data/exports/steward-audit.${format as string}`, rows: 20_000, format }),
    });
    const user = userEvent.setup();
    render(<ActivityScreen status={withOverview({ audit_rows: 100_000 })} />);
    await screen.findAllByTestId("audit-row");
    await user.selectOptions(screen.getByRole("combobox", { name: "Outcome" }), "guarded");
    await user.type(screen.getByRole("textbox", { name: "Contact id" }), "1005");
    await user.type(screen.getByRole("textbox", { name: "Correlation ID" }), "cid5");
    await waitFor(() => {
      const last = calls.filter((c) => c.cmd === "audit_page").at(-1)?.args.filter as AuditFilter;
      expect(last).toMatchObject({ outcome: "guarded", contact_id: 1005, correlation_id: "cid5" });
    });
    await user.click(screen.getByRole("button", { name: "Export CSV" }));
    expect(await screen.findByTestId("export-path")).toHaveTextContent("/data/exports/steward-audit.csv");
    const exported = calls.find((c) => c.cmd === "export_audit")?.args;
    expect(exported).toMatchObject({ format: "csv", filter: { outcome: "guarded", contact_id: 1005 } });
    await user.click(screen.getByRole("button", { name: "Export JSONL" }));
    expect(await screen.findByTestId("export-path")).toHaveTextContent(".jsonl");
  });

  it("shows a row's details and merges new rows pushed by the engine", async () => {
    let total = 50;
    serve({ audit_count: () => total, audit_insights: () => insights(7), audit_page: ({ filter }) => pages(total)({ filter }) });
    const user = userEvent.setup();
    render(<ActivityScreen status={withOverview({ audit_rows: 50 })} />);
    const rows = await screen.findAllByTestId("audit-row");
    await user.click(rows[0]!);
    expect(screen.getByTestId("audit-detail")).toHaveTextContent("cid50");
    total = 52;
    await act(async () => {
      await emit("steward://audit-appended", { last_id: 52, new_rows: 2 });
    });
    await waitFor(() => expect(screen.getAllByTestId("audit-row")[0]).toHaveTextContent("cid52"));
  });

  it("shows only a batch run's rows when a run's link opened it", async () => {
    const calls = serve({ audit_count: () => 30, audit_insights: () => insights(7), audit_page: pages(30) });
    navigate({ screen: "activity", runId: 8 });
    const user = userEvent.setup();
    render(<ActivityScreen status={withOverview({ audit_rows: 500 })} />);
    expect(await screen.findByTestId("activity-run-filter")).toHaveTextContent("Batch run #8");
    await waitFor(() =>
      expect(calls.filter((c) => c.cmd === "audit_page").at(-1)?.args.filter).toMatchObject({ run_id: 8 }),
    );
    expect(calls.find((c) => c.cmd === "audit_count")?.args.filter).toMatchObject({ run_id: 8 });
    await user.click(screen.getByRole("button", { name: "Show all runs, not only run 8" }));
    await waitFor(() =>
      expect(calls.filter((c) => c.cmd === "audit_page").at(-1)?.args.filter).toMatchObject({ run_id: null }),
    );
    expect(screen.queryByTestId("activity-run-filter")).not.toBeInTheDocument();
  });
});
