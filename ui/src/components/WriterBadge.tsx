import type { Writer } from "../bindings/Writer";
import { writerLabel } from "../lib/format";

/** Who wrote a value: the AI (with its correlation ID), a person, or another source. */
export function WriterBadge({ writer, showCorrelation = false }: { writer: Writer | null; showCorrelation?: boolean }) {
  if (!writer) return <span className="tag">unknown</span>;
  const tone = writer.kind === "steward" ? "ai" : writer.kind === "person" ? "person" : "";
  const detail =
    writer.kind === "person" ? writer.source_type : writer.kind === "steward" && showCorrelation ? writer.correlation_id : null;
  return (
    <span className={`tag ${tone}`} data-writer={writer.kind} title={detail ?? undefined}>
      {writerLabel(writer)}
      {detail && <span style={{ fontWeight: 400 }}>· {detail}</span>}
    </span>
  );
}
