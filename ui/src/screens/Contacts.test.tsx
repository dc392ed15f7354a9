import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ContactsScreen } from "./Contacts";
import { STATUS, contactDetail, fail, never, serve, withOverview } from "../testing/fixtures";
import type { ContactSearch } from "../bindings/ContactSearch";

const HITS: ContactSearch = {
  source: "hubspot",
  total: 2,
  hits: [
    { contact_id: 101, name: "Ann Lee", email: "ann@acme.example", company: "Acme", last_round: { at_ms: Date.now() - 120_000, outcome: "guarded" } },
    { contact_id: 102, name: "Bob Annerson", email: "bob@globex.example", company: null, last_round: null },
  ],
};

describe("Contacts screen", () => {
  it("shows the empty state before any contact was enriched", async () => {
    serve({ search_contacts: () => ({ hits: [], source: "recent", total: 0 }) });
    render(<ContactsScreen status={STATUS} />);
    expect(await screen.findByTestId("contacts-empty")).toHaveTextContent("No contacts enriched yet");
  });

  it("tells the admin to connect first when not connected", async () => {
    serve({ search_contacts: () => fail("not_connected", "Steward is not connected to HubSpot") });
    render(<ContactsScreen status={withOverview({ contacts_enriched: 3 })} />);
    expect(await screen.findByTestId("contacts-empty")).toHaveTextContent("Connect Steward to HubSpot first");
  });

  it("shows loading while HubSpot is searched", () => {
    serve({ search_contacts: never });
    render(<ContactsScreen status={withOverview({ contacts_enriched: 5 })} />);
    expect(screen.getByRole("status")).toHaveTextContent("Loading");
  });

  it("shows a search error and retries", async () => {
    let fails = true;
    serve({ search_contacts: () => (fails ? fail("unavailable", "HubSpot could not search contacts: 429") : HITS) });
    const user = userEvent.setup();
    render(<ContactsScreen status={withOverview({ contacts_enriched: 5 })} />);
    expect(await screen.findByRole("alert")).toHaveTextContent("429");
    fails = false;
    await user.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByTestId("hit-101")).toBeInTheDocument();
  });

  it("searches, opens a contact and shows who wrote each AI value with the merged history", async () => {
    const calls = serve({
      search_contacts: () => HITS,
      contact_detail: () => contactDetail(),
      dry_run_contact: () => ({
        contact_id: 101,
        outcome: "dry_run",
        correlation_id: "abc",
        cost_micros: 120,
        message: null,
        diff: {
          contact_id: 101,
          correlation_id: "abc",
          fields: [
            { property: "ai_summary", current: "Ann's own words.", proposed: "New AI text", decision: "blocked", blocked_by: "user 42 (CRM_UI)" },
            { property: "ai_generated_score", current: "72", proposed: "75", decision: "write", blocked_by: null },
          ],
        },
      }),
      reenrich_contact: () => null,
      open_in_hubspot: () => "https://app.hubspot.com/contacts/62515/record/0-1/101",
    });
    const user = userEvent.setup();
    render(<ContactsScreen status={withOverview({ contacts_enriched: 5 })} />);
    await user.type(screen.getByRole("searchbox", { name: "Search contacts" }), "ann");
    await waitFor(() => expect(calls.some((c) => c.cmd === "search_contacts" && c.args.query === "ann")).toBe(true));
    const hit = await screen.findByTestId("hit-101");
    expect(hit).toHaveTextContent("Guarded");
    expect(screen.getByTestId("hit-102")).toHaveTextContent("not enriched yet");
    await user.click(hit);

    const summary = await screen.findByTestId("field-ai_summary");
    expect(summary).toHaveTextContent("Ann's own words.");
    expect(within(summary).getByText(/User 42/)).toHaveAttribute("data-writer", "person");
    const score = screen.getByTestId("field-ai_generated_score");
    expect(within(score).getByText(/AI \(Steward\)/)).toHaveAttribute("data-writer", "steward");
    expect(score).toHaveTextContent("sim-model@prompt-v1");
    expect(score).toHaveTextContent("9f86d081884c7d65");
    const timeline = screen.getByTestId("timeline");
    expect(timeline).toHaveTextContent("Steward round trip");
    expect(timeline).toHaveTextContent("Ann's own words.");

    await user.click(screen.getByRole("button", { name: "Dry run" }));
    const dry = await screen.findByTestId("dry-run");
    expect(dry).toHaveTextContent("nothing was written");
    expect(dry).toHaveTextContent("Blocked: review");
    expect(dry).toHaveTextContent("Would write");

    await user.click(screen.getByRole("button", { name: "Re-enrich now" }));
    expect(await screen.findByText(/Queued: Steward re-enriches/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Open in HubSpot" }));
    expect(calls.some((c) => c.cmd === "open_in_hubspot" && c.args.contactId === 101)).toBe(true);
  });
});
