import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { BatchRunsScreen } from "./BatchRuns";
import { STATUS, fail, never, serve, withOverview } from "../testing/fixtures";
import type { Estimate } from "../bindings/Estimate";
import type { ListSummary } from "../bindings/ListSummary";
import type { RunDiff } from "../bindings/RunDiff";
import type { RunProgress } from "../bindings/RunProgress";
import type { RunSummary } from "../bindings/RunSummary";

const LISTS: ListSummary[] = [
  { list_id: "11", name: "Q3 Renewal accounts", size: 30, processing_type: "MANUAL" },
  { list_id: "12", name: "Renewals EMEA", size: 1200, processing_type: "DYNAMIC" },
  { list_id: "13", name: "Webinar leads", size: 90, processing_type: "SNAPSHOT" },
];

function estimate(list: ListSummary): Estimate {
  return {
    list,
    contacts: list.size ?? 0,
    sampled: 20,
    input_tokens: 16_500,
    output_tokens: 4_500,
    cost_micros: 5_175,
    model: "gpt-4o-mini",
  };
}

function run(id: number, over: Partial<RunSummary> = {}): RunSummary {
  return {
    id,
    portal_id: 62515,
    list_id: "11",
    list_name: "Q3 Renewal accounts",
    dry_run: false,
    force: false,
    status: "completed",
    total: 30,
    enqueued: 30,
    done: 30,
    unchanged: 0,
    guarded: 0,
    failed: 0,
    remaining: 0,
    tokens: 20_100,
    cost_micros: 4_900,
    estimated_tokens: 21_000,
    estimated_cost_micros: 5_175,
    error: null,
    created_at: 1_710_072_000_000,
    finished_at: 1_710_072_030_000,
    ...over,
  };
}

function progress(r: RunSummary, rate = 0, eta: number | null = null, inFlight = 0): RunProgress {
  return { run: r, rate_per_sec: rate, eta_secs: eta, in_flight: inFlight };
}

function diff(contact: number): RunDiff {
  return {
    contact_id: contact,
    outcome: "dry_run",
    diff: {
      contact_id: contact,
      correlation_id: `cid${contact}`,
      fields: [
        { property: "ai_summary", current: null, proposed: `Summary of ${contact}`, decision: "write", blocked_by: null },
        {
          property: "ai_generated_score",
          current: "40",
          proposed: "72",
          decision: "blocked",
          blocked_by: "user 42 (CRM_UI)",
        },
      ],
    },
  };
}

const search = ({ query }: Record<string, unknown>) =>
  LISTS.filter((l) => l.name.toLowerCase().includes(String(query).toLowerCase()));

describe("Batch runs screen", () => {
  it("shows the empty history and asks to connect when HubSpot is not connected", async () => {
    serve({
      run_history: () => [],
      search_lists: () => fail("not_connected", "Steward is not connected to HubSpot"),
    });
    render(<BatchRunsScreen status={STATUS} pollMs={20} />);
    expect(await screen.findByTestId("batch-empty")).toHaveTextContent("No batch runs yet");
    expect(await screen.findByTestId("lists-not-connected")).toHaveTextContent("Connect Steward to HubSpot");
  });

  it("shows loading while the history is read", () => {
    serve({ run_history: never, search_lists: never });
    render(<BatchRunsScreen status={withOverview({ batch_runs: 3 })} pollMs={20} />);
    expect(screen.getAllByRole("status").some((s) => s.textContent?.includes("Loading"))).toBe(true);
  });

  it("type-ahead → estimate → confirm starts a dry run and follows it", async () => {
    let started: RunSummary | null = null;
    const calls = serve({
      run_history: () => (started ? [started] : []),
      search_lists: search,
      estimate_run: ({ listId }) => estimate(LISTS.find((l) => l.list_id === listId)!),
      start_run: () => {
        started = run(7, { status: "running", dry_run: true, done: 0, remaining: 30, finished_at: null });
        return started;
      },
      run_progress: () => progress(started!, 2.5, 12),
    });
    const user = userEvent.setup();
    render(<BatchRunsScreen status={STATUS} pollMs={20} />);
    await user.type(screen.getByRole("searchbox", { name: "Search HubSpot lists" }), "renewal");
    const hit = await screen.findByTestId("list-hit-11");
    await waitFor(() => expect(screen.queryByTestId("list-hit-13")).not.toBeInTheDocument());
    expect(screen.getByTestId("list-hit-12")).toHaveTextContent("1,200 contacts");
    const queries = calls.filter((c) => c.cmd === "search_lists").map((c) => c.args.query);
    expect(queries.at(-1)).toBe("renewal");
    expect(queries.length).toBeLessThan("renewal".length); // debounced, not one call per key

    await user.click(hit);
    expect(await screen.findByTestId("estimate-contacts")).toHaveTextContent("30");
    expect(screen.getByTestId("estimate-tokens")).toHaveTextContent("21,000");
    expect(screen.getByTestId("estimate-cost")).toHaveTextContent("$0.0052");
    expect(calls.find((c) => c.cmd === "estimate_run")?.args).toMatchObject({ listId: "11" });
    expect(calls.some((c) => c.cmd === "start_run")).toBe(false); // nothing starts before confirming

    await user.click(screen.getByRole("checkbox", { name: /Dry run/ }));
    await user.click(screen.getByRole("button", { name: "Start dry run on 30 contacts" }));
    await waitFor(() => expect(calls.some((c) => c.cmd === "start_run")).toBe(true));
    expect(calls.find((c) => c.cmd === "start_run")?.args).toMatchObject({
      listId: "11",
      dryRun: true,
      force: false,
      estimate: { contacts: 30, list: { list_id: "11" } },
    });
    expect(await screen.findByTestId("run-progress")).toHaveTextContent("Run #7");
    expect(screen.queryByTestId("estimate")).not.toBeInTheDocument();
    expect(await screen.findByTestId("run-row-7")).toHaveTextContent("Dry run");
  });

  it("shows the progress of a running run: bar, counters, rate and ETA, refreshed by polling", async () => {
    let current = run(3, { status: "running", total: 200, done: 60, unchanged: 30, guarded: 6, failed: 4, remaining: 100, finished_at: null });
    serve({
      run_history: () => [current],
      search_lists: () => LISTS,
      run_progress: () => progress(current, 4.2, 24, current.status === "running" ? 30 : 0),
    });
    render(<BatchRunsScreen status={withOverview({ batch_runs: 1 })} pollMs={20} />);
    const panel = await screen.findByTestId("run-progress");
    expect(screen.getByTestId("run-in-flight")).toHaveTextContent("30 in progress");
    expect(within(panel).getByRole("progressbar", { name: "Run progress" })).toHaveAttribute("aria-valuenow", "50");
    expect(screen.getByTestId("run-percent")).toHaveTextContent("50%");
    expect(screen.getByTestId("stat-done")).toHaveTextContent("60Written");
    expect(screen.getByTestId("stat-unchanged")).toHaveTextContent("30");
    expect(screen.getByTestId("stat-guarded")).toHaveTextContent("6");
    expect(screen.getByTestId("stat-failed")).toHaveTextContent("4");
    expect(screen.getByTestId("stat-remaining")).toHaveTextContent("100");
    expect(screen.getByTestId("run-rate")).toHaveTextContent("4.2 contacts/s");
    expect(screen.getByTestId("run-eta")).toHaveTextContent("about 24 s left");
    expect(screen.getByTestId("run-status")).toHaveTextContent("Running");

    current = { ...current, status: "completed", done: 160, remaining: 0, finished_at: 1_710_072_100_000 };
    await waitFor(() => expect(screen.getByTestId("run-percent")).toHaveTextContent("100%"));
    expect(screen.getByTestId("run-status")).toHaveTextContent("Completed");
    expect(screen.queryByRole("button", { name: "Pause" })).not.toBeInTheDocument();
    expect(screen.queryByTestId("run-in-flight")).not.toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId("run-row-3")).toHaveTextContent("Completed"));
    expect(screen.getByTestId("run-row-3").querySelector("[data-testid='run-row-done']")).toHaveTextContent("160");
  });

  it("shows a small run's contacts in progress before its first write group lands", async () => {
    const current = run(4, { status: "running", total: 30, done: 0, unchanged: 0, guarded: 0, failed: 0, remaining: 30, finished_at: null });
    serve({
      run_history: () => [current],
      search_lists: () => LISTS,
      run_progress: () => progress(current, 0, null, 30),
    });
    render(<BatchRunsScreen status={withOverview({ batch_runs: 1 })} pollMs={20} />);
    await screen.findByTestId("run-progress");
    expect(screen.getByTestId("run-percent")).toHaveTextContent("0%");
    expect(screen.getByTestId("run-in-flight")).toHaveTextContent("30 in progress");
    expect(screen.getByTestId("run-rate")).toHaveTextContent("measuring the rate…");
  });

  it("pauses, resumes and cancels the run", async () => {
    let current = run(5, { status: "running", done: 10, remaining: 20, finished_at: null });
    const set = (status: RunSummary["status"]) => {
      current = { ...current, status, remaining: status === "cancelled" ? 0 : current.remaining };
      return current;
    };
    const calls = serve({
      run_history: () => [current],
      search_lists: () => [],
      run_progress: () => progress(current, 1, 20),
      pause_run: () => set("paused"),
      resume_run: () => set("running"),
      cancel_run: () => set("cancelled"),
    });
    const user = userEvent.setup();
    render(<BatchRunsScreen status={withOverview({ batch_runs: 1 })} pollMs={20} />);
    await user.click(await screen.findByRole("button", { name: "Pause" }));
    await waitFor(() => expect(screen.getByTestId("run-status")).toHaveTextContent("Paused"));
    expect(calls.find((c) => c.cmd === "pause_run")?.args).toMatchObject({ runId: 5 });
    expect(screen.getByTestId("run-processed")).toHaveTextContent("paused");

    await user.click(screen.getByRole("button", { name: "Resume" }));
    await waitFor(() => expect(screen.getByTestId("run-status")).toHaveTextContent("Running"));
    expect(calls.find((c) => c.cmd === "resume_run")?.args).toMatchObject({ runId: 5 });

    await user.click(screen.getByRole("button", { name: "Cancel run" }));
    await waitFor(() => expect(screen.getByTestId("run-status")).toHaveTextContent("Cancelled"));
    expect(calls.find((c) => c.cmd === "cancel_run")?.args).toMatchObject({ runId: 5 });
    expect(screen.queryByRole("button", { name: "Cancel run" })).not.toBeInTheDocument();
  });

  it("keeps showing a run it found running when the history sees its end first", async () => {
    // The run was started elsewhere (the CLI, an earlier session): the screen found it in the
    // history. After Cancel the history answered before the progress poll; the panel vanished.
    let current = run(5, { status: "running", done: 10, remaining: 20, finished_at: null });
    let slowProgress = false;
    serve({
      run_history: () => [current],
      search_lists: () => [],
      run_progress: () => {
        const answer = progress(current, 1, 20);
        return slowProgress ? new Promise((done) => setTimeout(() => done(answer), 150)) : answer;
      },
      cancel_run: () => {
        slowProgress = true;
        current = { ...current, status: "cancelled", remaining: 0 };
        return current;
      },
    });
    const user = userEvent.setup();
    render(<BatchRunsScreen status={withOverview({ batch_runs: 1 })} pollMs={20} />);
    await user.click(await screen.findByRole("button", { name: "Cancel run" }));
    await waitFor(() => expect(screen.getByTestId("run-row-5")).toHaveTextContent("Cancelled"));
    await waitFor(() => expect(screen.getByTestId("run-status")).toHaveTextContent("Cancelled"));
  });

  it("shows a dry run's per-contact diffs, page by page", async () => {
    const ids = Array.from({ length: 60 }, (_, i) => 101 + i);
    const calls = serve({
      run_history: () => [run(9, { dry_run: true }), run(8)],
      search_lists: () => LISTS,
      run_diffs: ({ afterContact, limit }) =>
        ids.filter((id) => id > ((afterContact as number | null) ?? 0)).slice(0, limit as number).map(diff),
    });
    const user = userEvent.setup();
    render(<BatchRunsScreen status={withOverview({ batch_runs: 2 })} pollMs={20} />);
    expect(await screen.findByTestId("run-row-8")).toBeInTheDocument();
    expect(screen.queryByTestId("run-diffs-8")).not.toBeInTheDocument(); // real runs have audit rows, not diffs
    await user.click(screen.getByRole("button", { name: "Diffs of run 9" }));
    const first = await screen.findByTestId("run-diff-101");
    expect(first).toHaveTextContent("ai_summary");
    expect(first).toHaveTextContent("Summary of 101");
    expect(first).toHaveTextContent("Would write");
    expect(first).toHaveTextContent("4072Blocked: reviewby user 42 (CRM_UI)");
    expect(screen.getByTestId("run-diffs")).toHaveTextContent("Nothing of this was written to HubSpot");
    expect(screen.queryByTestId("run-diff-151")).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Show 50 more contacts" }));
    expect(await screen.findByTestId("run-diff-160")).toBeInTheDocument();
    expect(calls.filter((c) => c.cmd === "run_diffs").at(-1)?.args).toMatchObject({ runId: 9, afterContact: 150 });
  });

  it("opens the diffs by itself when a followed dry run finishes", async () => {
    let current = run(4, { dry_run: true, status: "running", done: 3, remaining: 27, finished_at: null });
    serve({
      run_history: () => [current],
      search_lists: () => LISTS,
      run_progress: () => progress(current),
      run_diffs: () => [diff(101)],
    });
    render(<BatchRunsScreen status={withOverview({ batch_runs: 1 })} pollMs={20} />);
    expect(await screen.findByTestId("stat-done")).toHaveTextContent("3Computed");
    current = { ...current, status: "completed", done: 30, remaining: 0 };
    expect(await screen.findByTestId("run-diff-101")).toHaveTextContent("Summary of 101");
  });

  it("shows a failed action, and offers no start while a run is unfinished", async () => {
    const calls = serve({
      run_history: () => [run(2, { status: "running", finished_at: null, remaining: 10 })],
      search_lists: search,
      estimate_run: ({ listId }) => estimate(LISTS.find((l) => l.list_id === listId)!),
      run_progress: () => progress(run(2, { status: "running", finished_at: null, remaining: 10 })),
      pause_run: () => fail("stale", "batch run #2 is completed, so it cannot be paused"),
      start_run: () => fail("stale", "batch run #2 on the list \"Q3\" is not finished"),
    });
    const user = userEvent.setup();
    render(<BatchRunsScreen status={withOverview({ batch_runs: 1 })} pollMs={20} />);
    await user.click(await screen.findByRole("button", { name: "Pause" }));
    expect(await screen.findByTestId("action-error")).toHaveTextContent("cannot be paused");

    // While a run is unfinished the screen says so and does not offer to start another.
    await user.click(await screen.findByTestId("list-hit-13"));
    expect(await screen.findByTestId("estimate-blocked")).toHaveTextContent("Run #2");
    expect(screen.getByTestId("confirm-run")).toBeDisabled();
    expect(calls.some((c) => c.cmd === "start_run")).toBe(false);
  });

  it("shows the engine's refusal to start", async () => {
    serve({
      run_history: () => [],
      search_lists: search,
      estimate_run: ({ listId }) => estimate(LISTS.find((l) => l.list_id === listId)!),
      start_run: () => fail("stale", "batch run #2 on the list \"Q3\" is not finished: resume it, or cancel it"),
    });
    const user = userEvent.setup();
    render(<BatchRunsScreen status={STATUS} pollMs={20} />);
    await user.click(await screen.findByTestId("list-hit-11"));
    await user.click(await screen.findByTestId("confirm-run"));
    expect(await screen.findByTestId("start-error")).toHaveTextContent("is not finished");
    expect(screen.getByTestId("confirm-run")).toBeEnabled();
  });

  it("shows an unreadable history and a failed estimate", async () => {
    serve({
      run_history: () => fail("internal", "database error: disk I/O error"),
      search_lists: search,
      estimate_run: () => fail("unavailable", "HubSpot refused the request: 503"),
    });
    const user = userEvent.setup();
    render(<BatchRunsScreen status={withOverview({ batch_runs: 2 })} pollMs={20} />);
    expect((await screen.findAllByRole("alert"))[0]).toHaveTextContent("disk I/O error");
    await user.click(await screen.findByTestId("list-hit-12"));
    const estimatePanel = await screen.findByTestId("estimate");
    expect(await within(estimatePanel).findByRole("alert")).toHaveTextContent("HubSpot refused the request");
    expect(screen.getByTestId("confirm-run")).toBeDisabled();
  });

  it("links a run to its audit rows in Activity", async () => {
    serve({ run_history: () => [run(8)], search_lists: () => LISTS });
    const user = userEvent.setup();
    const seen: string[] = [];
    const listener = (e: Event) => seen.push((e as CustomEvent<string>).detail);
    window.addEventListener("steward:navigate", listener);
    render(<BatchRunsScreen status={withOverview({ batch_runs: 1 })} pollMs={20} />);
    await user.click(await screen.findByRole("button", { name: "Audit rows of run 8" }));
    window.removeEventListener("steward:navigate", listener);
    expect(seen).toEqual(["activity"]);
    const { takeIntent } = await import("../lib/nav");
    expect(takeIntent("activity")).toMatchObject({ screen: "activity", runId: 8 });
  });
});
