import { useState, type FormEvent } from "react";
import { sandboxCreateContact, type NewContact } from "../../lib/sandboxApi";
import { useAction } from "../onboarding/useAction";

const EMPTY: NewContact = { firstname: "", lastname: "", email: "", company: "", jobtitle: "" };

const FIELDS: Array<{ key: keyof NewContact; label: string }> = [
  { key: "firstname", label: "First name" },
  { key: "lastname", label: "Last name" },
  { key: "email", label: "Email" },
  { key: "company", label: "Company" },
  { key: "jobtitle", label: "Job title" },
];

/** A new contact appears in the simulated CRM: HubSpot's `contact.creation` webhook follows. */
export function NewContactPanel() {
  const { busy, error, run } = useAction();
  const [contact, setContact] = useState<NewContact>(EMPTY);
  const [created, setCreated] = useState<number | null>(null);

  function submit(event: FormEvent) {
    event.preventDefault();
    void run(async () => {
      setCreated(await sandboxCreateContact(contact));
      setContact(EMPTY);
    });
  }

  return (
    <section className="panel sandbox-step" aria-labelledby="sandbox-new">
      <h2 id="sandbox-new">3. Add a contact</h2>
      <form className="grid-form" onSubmit={submit} aria-label="Add a contact">
        {FIELDS.map((f) => (
          <label key={f.key}>
            {f.label}
            <input
              value={contact[f.key]}
              onChange={(e) => setContact({ ...contact, [f.key]: e.target.value })}
              data-testid={`sandbox-new-${f.key}`}
            />
          </label>
        ))}
        <div className="actions">
          <button type="submit" className="btn primary" disabled={busy} data-testid="sandbox-create">
            {busy ? "Adding…" : "Add the contact"}
          </button>
        </div>
      </form>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {created !== null && !error && (
        <p role="status" data-testid="sandbox-created">
          Contact {created} added. The AI enriches it within seconds; open it in Contacts.
        </p>
      )}
    </section>
  );
}
