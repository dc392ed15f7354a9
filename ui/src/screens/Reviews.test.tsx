import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { emit } from "@tauri-apps/api/event";
import { describe, expect, it } from "vitest";
import { ReviewsScreen } from "./Reviews";
import { STATUS, board, fail, never, reviewItem, serve, withOverview } from "../testing/fixtures";

describe("Reviews screen", () => {
  it("shows the empty state when nothing waits", async () => {
    serve({ review_board: () => board([]) });
    render(<ReviewsScreen status={STATUS} />);
    expect(await screen.findByTestId("reviews-empty")).toHaveTextContent("No pending reviews");
  });

  it("shows loading while the board is read", () => {
    serve({ review_board: never });
    render(<ReviewsScreen status={withOverview({ pending_reviews: 2 })} />);
    expect(screen.getByRole("status")).toHaveTextContent("Loading");
  });

  it("shows the engine's error and retries", async () => {
    let fails = true;
    serve({
      review_board: () => (fails ? fail("internal", "database is locked") : board([reviewItem(1)])),
    });
    const user = userEvent.setup();
    render(<ReviewsScreen status={withOverview({ pending_reviews: 1 })} />);
    expect(await screen.findByRole("alert")).toHaveTextContent("database is locked");
    fails = false;
    await user.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByTestId("review-1")).toBeInTheDocument();
  });

  it("shows each item side by side with who, when, model, correlation ID and why", async () => {
    serve({ review_board: () => board([reviewItem(1), reviewItem(2, { kind: "conflict" })]) });
    render(<ReviewsScreen status={withOverview({ pending_reviews: 2 })} />);
    const first = await screen.findByTestId("review-1");
    expect(within(first).getByTestId("human-value")).toHaveTextContent("Ann's words 1");
    expect(within(first).getByTestId("proposed-value")).toHaveTextContent("AI summary 1");
    expect(first).toHaveTextContent("User 42");
    expect(first).toHaveTextContent("CRM_UI");
    expect(first).toHaveTextContent("gpt-4o-mini@prompt-v1");
    expect(first).toHaveTextContent("c0ffee1");
    expect(first).toHaveTextContent("after Steward's last write");
    expect(screen.getByTestId("review-2")).toHaveTextContent("Conflict (restored)");
    expect(screen.getByTestId("reviews-count")).toHaveTextContent("2 of 2 pending");
  });

  it("approves, edits and rejects, then reloads the board", async () => {
    let items = [reviewItem(1), reviewItem(2), reviewItem(3)];
    const calls = serve({
      review_board: () => board(items),
      approve_review: ({ id }) => {
        items = items.filter((i) => i.id !== id);
        return { ...reviewItem(id as number), status: "approved" };
      },
      reject_review: ({ id }) => {
        items = items.filter((i) => i.id !== id);
        return { ...reviewItem(id as number), status: "rejected" };
      },
    });
    const user = userEvent.setup();
    render(<ReviewsScreen status={withOverview({ pending_reviews: 3 })} />);
    const first = await screen.findByTestId("review-1");
    await user.click(within(first).getByRole("button", { name: "Approve AI value" }));
    await waitFor(() => expect(screen.queryByTestId("review-1")).not.toBeInTheDocument());
    expect(screen.getByTestId("reviews-notice")).toHaveTextContent("written to HubSpot");

    const second = screen.getByTestId("review-2");
    await user.click(within(second).getByRole("button", { name: "Edit & approve" }));
    const box = within(second).getByRole("textbox", { name: "Edited value" });
    await user.clear(box);
    await user.type(box, "Admin's words");
    await user.click(within(second).getByRole("button", { name: "Save & approve" }));
    await waitFor(() => expect(screen.queryByTestId("review-2")).not.toBeInTheDocument());
    expect(calls.find((c) => c.cmd === "approve_review" && c.args.id === 2)?.args.edited).toBe("Admin's words");

    await user.click(within(screen.getByTestId("review-3")).getByRole("button", { name: "Keep person's value" }));
    await waitFor(() => expect(screen.queryByTestId("review-3")).not.toBeInTheDocument());
    expect(calls.filter((c) => c.cmd === "reject_review").map((c) => c.args.id)).toEqual([3]);
  });

  it("works from the keyboard: j/k move, x select, a approve, r reject", async () => {
    const items = [reviewItem(1), reviewItem(2), reviewItem(3)];
    const calls = serve({
      review_board: () => board(items),
      approve_review: ({ id }) => reviewItem(id as number),
      reject_review: ({ id }) => reviewItem(id as number),
    });
    const user = userEvent.setup();
    render(<ReviewsScreen status={withOverview({ pending_reviews: 3 })} />);
    await screen.findByTestId("review-1");
    expect(screen.getByTestId("review-1")).toHaveAttribute("aria-current", "true");
    await user.keyboard("j");
    expect(screen.getByTestId("review-2")).toHaveAttribute("aria-current", "true");
    await user.keyboard("r");
    await waitFor(() => expect(calls.some((c) => c.cmd === "reject_review" && c.args.id === 2)).toBe(true));
    await user.keyboard("jx");
    expect(screen.getByRole("checkbox", { name: "Select review 3" })).toBeChecked();
    await user.keyboard("kka");
    await waitFor(() => expect(calls.some((c) => c.cmd === "approve_review" && c.args.id === 1)).toBe(true));
  });

  it("filters by field and age, and runs bulk actions on the selection", async () => {
    const calls = serve({
      review_board: ({ query }) => {
        const q = query as { property?: string; older_than_ms?: number };
        if (q.property === "ai_generated_score") return { ...board([reviewItem(9, { property: "ai_generated_score", field_label: "AI score" })]), pending_total: 3 };
        return {
          ...board([reviewItem(1), reviewItem(2)]),
          pending_total: 3,
          by_field: [
            { property: "ai_summary", label: "AI summary", pending: 2 },
            { property: "ai_generated_score", label: "AI score", pending: 1 },
          ],
        };
      },
      bulk_review: ({ ids }) => (ids as number[]).map((id) => ({ id, ok: id !== 2, error: id === 2 ? "review 2 was already approved; nothing to do" : null })),
    });
    const user = userEvent.setup();
    render(<ReviewsScreen status={withOverview({ pending_reviews: 3 })} />);
    await screen.findByTestId("review-1");
    await user.click(screen.getByRole("checkbox", { name: "Select all" }));
    await user.click(screen.getByRole("button", { name: "Approve 2 selected" }));
    await waitFor(() => expect(screen.getByTestId("reviews-notice")).toHaveTextContent("1 approved, 1 not done"));
    expect(calls.find((c) => c.cmd === "bulk_review")?.args).toEqual({ ids: [1, 2], action: "approve" });
    expect(within(screen.getByTestId("review-2")).getByRole("alert")).toHaveTextContent("already approved");

    await user.selectOptions(screen.getByRole("combobox", { name: "Age" }), "Older than 1 day");
    await waitFor(() =>
      expect(calls.some((c) => c.cmd === "review_board" && (c.args.query as { older_than_ms?: number }).older_than_ms === 86_400_000)).toBe(true),
    );
    await user.selectOptions(screen.getByRole("combobox", { name: "Field" }), "ai_generated_score");
    expect(await screen.findByTestId("review-9")).toHaveTextContent("AI score");
  });

  it("reloads when the engine says reviews changed", async () => {
    let items = [reviewItem(1)];
    serve({ review_board: () => board(items) });
    render(<ReviewsScreen status={withOverview({ pending_reviews: 1 })} />);
    await screen.findByTestId("review-1");
    items = [reviewItem(1), reviewItem(5)];
    await act(async () => {
      await emit("steward://reviews-changed", { pending: 2, raised: 1 });
    });
    expect(await screen.findByTestId("review-5")).toBeInTheDocument();
  });
});
