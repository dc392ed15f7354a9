import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { Field } from "./Field";

describe("Field", () => {
  it("ties its label to the control and adds nothing else when plain", () => {
    const { container } = render(
      <div className="form">
        <Field id="f-model" label="Model">
          <input id="f-model" defaultValue="llama3.1:8b" />
        </Field>
      </div>,
    );
    expect(screen.getByLabelText("Model")).toHaveValue("llama3.1:8b");
    // Two grid cells, as a hand-written label + input pair.
    expect(container.querySelector(".form")?.children).toHaveLength(2);
  });

  it("shows a hint and an error under the control; without an id the label is a caption", () => {
    const { container } = render(
      <div className="form">
        <Field label="API key" hint="Required by OpenAI." error="OpenAI needs an API key.">
          <input aria-label="key" />
        </Field>
      </div>,
    );
    expect(container.querySelector(".form > span.muted")).toHaveTextContent("API key");
    expect(container.querySelector("label")).toBeNull();
    expect(screen.getByText("Required by OpenAI.")).toBeInTheDocument();
    expect(screen.getByRole("alert")).toHaveTextContent("OpenAI needs an API key.");
    expect(container.querySelector(".form")?.children).toHaveLength(2);
  });
});
