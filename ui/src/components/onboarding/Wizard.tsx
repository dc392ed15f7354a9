import type { Onboarding } from "../../bindings/Onboarding";
import { ConnectStep } from "./ConnectStep";
import { DryRunStep } from "./DryRunStep";
import { LlmStep } from "./LlmStep";
import { ProvisionStep } from "./ProvisionStep";
import "./onboarding.css";

/**
 * The setup wizard: connect → provision → LLM → dry run. Every step shows its state and can be
 * redone at any time (Settings can render this component as is).
 */
export function OnboardingWizard({ state, onChange }: { state: Onboarding; onChange: () => void }) {
  return (
    <div className="wizard" data-testid="onboarding">
      <ConnectStep state={state} onChange={onChange} />
      <ProvisionStep state={state} onChange={onChange} />
      <LlmStep state={state} onChange={onChange} />
      <DryRunStep state={state} onChange={onChange} />
    </div>
  );
}
