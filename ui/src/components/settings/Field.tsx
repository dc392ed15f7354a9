import type { ReactNode } from "react";

/** One row of a settings form (`.form` is a two-column grid): the label in the first column —
 *  a `<label>` tied to the control when `id` is given, else a muted caption — and the control
 *  with its hint and error in the second. Without a hint or an error the control is the cell
 *  itself, so plain rows look exactly as before. */
export function Field({
  id,
  label,
  hint,
  error,
  children,
}: {
  id?: string;
  label: ReactNode;
  hint?: ReactNode;
  error?: ReactNode;
  children: ReactNode;
}) {
  return (
    <>
      {id ? <label htmlFor={id}>{label}</label> : <span className="muted">{label}</span>}
      {hint || error ? (
        <div className="stack" style={{ gap: 6 }}>
          {children}
          {hint && <span className="small muted">{hint}</span>}
          {error && (
            <span className="small" role="alert" style={{ color: "var(--bad)" }}>
              {error}
            </span>
          )}
        </div>
      ) : (
        children
      )}
    </>
  );
}
