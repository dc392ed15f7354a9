import { useState, type FormEvent } from "react";
import { sandboxEdit } from "../../lib/sandboxApi";
import { useAction } from "../onboarding/useAction";

/** Input properties (a change starts an enrichment) and AI fields (a person's edit the guard protects). */
const PROPERTIES: Array<{ name: string; label: string; group: "input" | "ai" }> = [
  { name: "jobtitle", label: "Job title", group: "input" },
  { name: "company", label: "Company", group: "input" },
  { name: "industry", label: "Industry", group: "input" },
  { name: "lifecyclestage", label: "Lifecycle stage", group: "input" },
  { name: "city", label: "City", group: "input" },
  { name: "ai_summary", label: "AI summary", group: "ai" },
  { name: "ai_next_best_action", label: "AI next best action", group: "ai" },
  { name: "ai_generated_score", label: "AI score (0–100)", group: "ai" },
];

/**
 * A person edits a contact in the simulated CRM. Changing an input property sends HubSpot's
 * webhook through the relay and the AI enriches the contact; editing an AI field is a human
 * edit, which the guard never overwrites: the AI's next proposal becomes a review.
 */
export function PersonPanel() {
  const { busy, error, run } = useAction();
  const [contactId, setContactId] = useState("");
  const [property, setProperty] = useState("jobtitle");
  const [value, setValue] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const group = PROPERTIES.find((p) => p.name === property)?.group ?? "input";

  function submit(event: FormEvent) {
    event.preventDefault();
    const id = Number(contactId);
    if (!Number.isInteger(id) || id <= 0) {
      setDone(null);
      void run(() => Promise.reject(new Error("Enter the id of a contact (see Contacts).")));
      return;
    }
    void run(async () => {
      await sandboxEdit(id, property, value);
      setDone(
        group === "input"
          ? `Contact ${id}: ${property} changed. HubSpot's webhook is on its way; watch Activity.`
          : `Contact ${id}: a person wrote ${property}. The AI will not overwrite it; its next proposal becomes a review.`,
      );
    });
  }

  return (
    <section className="panel sandbox-step" aria-labelledby="sandbox-person">
      <h2 id="sandbox-person">2. Simulate a person</h2>
      <p className="muted">
        Edit a contact as someone in HubSpot would. Change an input (job title, company…) to start an enrichment;
        edit an AI field to see the guard keep a person's words.
      </p>
      <form className="grid-form" onSubmit={submit} aria-label="Simulate a person">
        <label>
          Contact id
          <input
            value={contactId}
            onChange={(e) => setContactId(e.target.value)}
            inputMode="numeric"
            placeholder="e.g. 101 (ids are in Contacts)"
            data-testid="sandbox-contact-id"
          />
        </label>
        <label>
          Property
          <select value={property} onChange={(e) => setProperty(e.target.value)} data-testid="sandbox-property">
            <optgroup label="Inputs (start an enrichment)">
              {PROPERTIES.filter((p) => p.group === "input").map((p) => (
                <option key={p.name} value={p.name}>
                  {p.label}
                </option>
              ))}
            </optgroup>
            <optgroup label="AI fields (a human edit)">
              {PROPERTIES.filter((p) => p.group === "ai").map((p) => (
                <option key={p.name} value={p.name}>
                  {p.label}
                </option>
              ))}
            </optgroup>
          </select>
        </label>
        <label className="wide">
          New value
          <input value={value} onChange={(e) => setValue(e.target.value)} data-testid="sandbox-value" />
        </label>
        <div className="actions">
          <button type="submit" className="btn primary" disabled={busy} data-testid="sandbox-edit">
            {busy ? "Saving…" : "Save as a person"}
          </button>
        </div>
      </form>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {done && !error && (
        <p role="status" data-testid="sandbox-edit-done">
          {done}
        </p>
      )}
    </section>
  );
}
