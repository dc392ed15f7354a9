import type { ReactNode } from "react";
import type { StepState } from "../../bindings/StepState";
import { dateAndTime } from "../../lib/format";

const LABEL: Record<StepState, string> = {
  todo: "To do",
  done: "Done",
  attention: "Needs attention",
};

/** One numbered step of the setup wizard with its state badge. */
export function Step({
  n,
  id,
  title,
  state,
  children,
}: {
  n: number;
  id: string;
  title: string;
  state: StepState;
  children: ReactNode;
}) {
  return (
    <section className={`step step-${state}`} data-testid={`step-${id}`} aria-labelledby={`step-${id}-title`}>
      <header className="step-head">
        <span className="step-n" aria-hidden="true">
          {n}
        </span>
        <h2 id={`step-${id}-title`}>{title}</h2>
        <span className={`step-state ${state}`} data-testid={`step-${id}-state`}>
          {LABEL[state]}
        </span>
      </header>
      <div className="step-body">{children}</div>
    </section>
  );
}

/** A timestamp in the admin's locale. */
export function when(ms: number): string {
  return dateAndTime(ms);
}
