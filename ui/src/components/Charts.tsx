// Small hand-made SVG charts for the Activity screen: bars per day and an outcome donut. They
// draw with CSS variables, so dark mode follows the OS.

import { number } from "../lib/format";

export interface Bar {
  label: string;
  value: number;
  /** Tooltip text. */
  title: string;
}

const W = 240;
const H = 140;
const PAD_LEFT = 12;
const PAD_RIGHT = 12;
const PAD_BOTTOM = 18;

/** One bar per day; every few days get an axis label so 90 bars stay readable. */
export function BarChart({ bars, color, testId }: { bars: Bar[]; color: string; testId?: string }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const plotH = H - PAD_BOTTOM;
  const step = (W - PAD_LEFT - PAD_RIGHT) / Math.max(1, bars.length);
  const barW = Math.max(1, step * 0.72);
  const every = Math.max(1, Math.ceil(bars.length / 4));
  return (
    <svg viewBox={`0 0 ${W} ${H}`} role="img" data-testid={testId} aria-label={`${bars.length} days`}>
      {[0.25, 0.5, 0.75, 1].map((f) => (
        <line key={f} className="gridline" x1={0} x2={W} y1={plotH - plotH * f} y2={plotH - plotH * f} />
      ))}
      {bars.map((b, i) => {
        const h = (b.value / max) * (plotH - 4);
        const x = PAD_LEFT + i * step + (step - barW) / 2;
        return (
          <g key={`${b.label}-${i}`}>
            <rect x={x} y={plotH - h} width={barW} height={Math.max(h, b.value > 0 ? 1 : 0)} rx={1.5} style={{ fill: color }}>
              <title>{b.title}</title>
            </rect>
            {i % every === 0 && (
              <text className="axis" x={x + barW / 2} y={H - 4} textAnchor="middle">
                {b.label}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}

export interface Slice {
  key: string;
  label: string;
  value: number;
  /** A CSS colour (usually a variable). */
  color: string;
}

/** Shares of a whole as a ring, largest first, with the total in the middle. */
export function Donut({ slices, total, testId }: { slices: Slice[]; total: string; testId?: string }) {
  const sum = slices.reduce((s, x) => s + x.value, 0);
  const r = 42;
  const c = 2 * Math.PI * r;
  let offset = 0;
  return (
    <svg viewBox="0 0 120 120" role="img" data-testid={testId} aria-label="outcomes" style={{ maxWidth: 120, margin: "0 auto" }}>
      <circle cx={60} cy={60} r={r} fill="none" className="gridline" strokeWidth={16} />
      {sum > 0 &&
        slices.map((s) => {
          const len = (s.value / sum) * c;
          const el = (
            <circle
              key={s.key}
              cx={60}
              cy={60}
              r={r}
              fill="none"
              strokeWidth={16}
              style={{ stroke: s.color }}
              strokeDasharray={`${len} ${c - len}`}
              strokeDashoffset={-offset}
              transform="rotate(-90 60 60)"
            >
              <title>{`${s.label}: ${number(s.value)}`}</title>
            </circle>
          );
          offset += len;
          return el;
        })}
      <text x={60} y={58} textAnchor="middle" style={{ fill: "var(--text)", fontSize: 16, fontWeight: 600 }}>
        {total}
      </text>
      <text x={60} y={74} textAnchor="middle" className="axis">
        rows
      </text>
    </svg>
  );
}
