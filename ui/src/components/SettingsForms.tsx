// The Settings screen's sections. Each labelled row is a `Field` (settings/Field.tsx); the
// LLM section lives in settings/LlmSection.tsx.
import { useState } from "react";
import type { DryRunResult } from "../bindings/DryRunResult";
import type { FieldPolicy } from "../bindings/FieldPolicy";
import type { SettingsView } from "../bindings/SettingsView";
import { previewPrompt } from "../lib/admin";
import { money } from "../lib/format";
import { DiffTable } from "./DiffTable";
import { Field } from "./settings/Field";
import { type Save, dollars, micros, useAction } from "./settings/form";

export type { Save } from "./settings/form";
export { LlmSection } from "./settings/LlmSection";

export function BudgetSection({ view, save }: { view: SettingsView; save: Save }) {
  const [budget, setBudget] = useState(view.monthly_budget_micros === null ? "" : dollars(view.monthly_budget_micros));
  const [activities, setActivities] = useState(view.max_activities);
  const { busy, run, note } = useAction();
  const cap = view.monthly_budget_micros;
  const share = cap ? Math.min(1, view.spent_this_month_micros / cap) : 0;
  return (
    <section className="panel stack" data-testid="settings-budget">
      <h2>Budget and limits</h2>
      <div className="form">
        <Field id="budget" label="Monthly LLM budget ($)">
          <input id="budget" type="number" min={0} step="1" placeholder="no cap" value={budget} onChange={(e) => setBudget(e.target.value)} />
        </Field>
        <Field label="Spent this month">
          <div className="stack" style={{ gap: 4 }}>
            <span data-testid="budget-spent">
              {money(view.spent_this_month_micros)} {cap !== null && `of ${money(cap)}`}
            </span>
            {cap !== null && (
              <div className={share >= 1 ? "meter over" : "meter"}>
                <div style={{ width: `${share * 100}%` }} />
              </div>
            )}
          </div>
        </Field>
        <Field id="activities" label="Recent activities per contact">
          <input id="activities" type="number" min={0} max={50} value={activities} onChange={(e) => setActivities(Number(e.target.value))} />
        </Field>
      </div>
      <div className="row">
        <button
          type="button"
          className="btn primary"
          disabled={busy}
          onClick={() =>
            void run(async () => {
              await save({
                budget: { micros: budget.trim() === "" ? null : micros(budget) },
                max_activities: activities,
              });
              return "Saved.";
            })
          }
        >
          Save
        </button>
      </div>
      {note}
    </section>
  );
}

export function PromptSection({ view, save }: { view: SettingsView; save: Save }) {
  const [text, setText] = useState(view.prompt_instructions);
  const [contact, setContact] = useState("");
  const [preview, setPreview] = useState<DryRunResult | null>(null);
  const { busy, run, note } = useAction();
  const changed = text.trim() !== view.prompt_instructions.trim();
  return (
    <section className="panel stack" data-testid="settings-prompt">
      <div className="row spread">
        <h2 style={{ margin: 0 }}>Prompt</h2>
        <span className="tag ai" data-testid="prompt-version">
          version {view.prompt_version}
          {view.prompt_is_default ? " · built-in" : " · edited"}
        </span>
      </div>
      <p className="muted small" style={{ margin: 0 }}>
        Saving a changed prompt bumps its version: every contact&apos;s input hash changes, so contacts are
        re-enriched with it as they change (or in a batch run). Steward&apos;s safety rules are always added.
      </p>
      <textarea aria-label="Prompt instructions" rows={10} value={text} onChange={(e) => setText(e.target.value)} />
      <div className="row">
        <button
          type="button"
          className="btn primary"
          disabled={busy || !changed}
          onClick={() =>
            void run(async () => {
              await save({ prompt_instructions: text });
              return `Saved as version ${view.prompt_version + 1}.`;
            })
          }
        >
          {changed ? `Save as version ${view.prompt_version + 1}` : "Saved"}
        </button>
        <button type="button" className="btn" disabled={busy || text === view.default_instructions} onClick={() => setText(view.default_instructions)}>
          Reset to built-in
        </button>
        <span className="grow" />
        <input aria-label="Preview contact id" inputMode="numeric" size={10} placeholder="contact id" value={contact} onChange={(e) => setContact(e.target.value)} />
        <button
          type="button"
          className="btn"
          disabled={busy || !/^\d+$/.test(contact.trim())}
          onClick={() =>
            void run(async () => {
              const r = await previewPrompt(text, Number(contact.trim()));
              setPreview(r);
              return r.diff ? "Preview ready — nothing was written." : (r.message ?? "No proposal.");
            })
          }
        >
          Preview on contact
        </button>
      </div>
      {note}
      {preview?.diff && <DiffTable diff={preview.diff} />}
    </section>
  );
}

export function InputsSection({ view, save }: { view: SettingsView; save: Save }) {
  const [props, setProps] = useState(view.input_properties);
  const [adding, setAdding] = useState("");
  const [policies, setPolicies] = useState<Record<string, FieldPolicy>>(
    Object.fromEntries(view.field_policies.map((f) => [f.property, f.policy])),
  );
  const { busy, run, note } = useAction();
  const add = () => {
    const name = adding.trim().toLowerCase();
    if (name && !props.includes(name)) setProps([...props, name]);
    setAdding("");
  };
  return (
    <section className="panel stack" data-testid="settings-inputs">
      <h2>What the AI reads and writes</h2>
      <div className="form">
        <Field label="Input properties">
          <div className="stack" style={{ gap: 6 }}>
            <div className="chips" data-testid="input-properties">
              {props.map((p) => (
                <span className="chip mono" key={p}>
                  {p}
                  <button type="button" aria-label={`Remove ${p}`} onClick={() => setProps(props.filter((x) => x !== p))}>
                    ×
                  </button>
                </span>
              ))}
            </div>
            <div className="row">
              <input aria-label="Add input property" placeholder="hubspot_property_name" value={adding} onChange={(e) => setAdding(e.target.value)} onKeyDown={(e) => e.key === "Enter" && add()} />
              <button type="button" className="btn" onClick={add}>
                Add
              </button>
            </div>
          </div>
        </Field>
      </div>
      <table className="table">
        <thead>
          <tr>
            <th>AI field</th>
            <th>Policy</th>
          </tr>
        </thead>
        <tbody>
          {view.field_policies.map((f) => (
            <tr key={f.property}>
              <td>
                {f.label}
                <div className="small muted">{f.description}</div>
              </td>
              <td>
                <select
                  aria-label={`Policy for ${f.label}`}
                  value={policies[f.property]}
                  onChange={(e) => setPolicies({ ...policies, [f.property]: e.target.value as FieldPolicy })}
                >
                  <option value="ai_owned">AI owns it (a person&apos;s newer edit → review)</option>
                  <option value="fill_empty">Fill empty only (never replace a value)</option>
                  <option value="never">Never write</option>
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="row">
        <button
          type="button"
          className="btn primary"
          disabled={busy}
          onClick={() =>
            void run(async () => {
              await save({ input_properties: props, field_policies: policies });
              return "Saved.";
            })
          }
        >
          Save
        </button>
      </div>
      {note}
    </section>
  );
}

export function ConnectionSection({ view, save }: { view: SettingsView; save: Save }) {
  const [relay, setRelay] = useState(view.relay_url ?? "");
  const { busy, run, note } = useAction();
  const c = view.connection;
  return (
    <section className="panel stack" data-testid="settings-connection">
      <h2>Connection</h2>
      <dl className="facts">
        <dt>HubSpot portal</dt>
        <dd data-testid="settings-portal">{c ? `${c.portal_id}${c.ui_domain ? ` (${c.ui_domain})` : ""}` : "not connected"}</dd>
        {c && (
          <>
            <dt>Signed in with</dt>
            <dd>{c.auth === "oauth" ? "OAuth through the relay" : "a private-app token"} · app {c.app_id}</dd>
          </>
        )}
        <dt>HubSpot API</dt>
        <dd className="mono">{view.hubspot_api_base}</dd>
      </dl>
      <div className="form">
        <Field id="relay" label="Relay URL">
          <div className="row">
            <input id="relay" className="grow" placeholder="https://relay.example.com" value={relay} onChange={(e) => setRelay(e.target.value)} />
            <button
              type="button"
              className="btn"
              disabled={busy}
              onClick={() =>
                void run(async () => {
                  await save({ relay_url: relay });
                  return "Relay URL saved.";
                })
              }
            >
              Save
            </button>
          </div>
        </Field>
      </div>
      {note}
    </section>
  );
}
