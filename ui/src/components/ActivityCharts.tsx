import type { Insights } from "../bindings/Insights";
import { count, money, number, OUTCOME_COLORS, OUTCOME_LABELS } from "../lib/format";
import { BarChart, Donut } from "./Charts";

function shortDate(date: string) {
  // "2024-03-10" → "3/10"
  const [, m, d] = date.split("-");
  return `${Number(m)}/${Number(d)}`;
}

/** Enrichments, tokens and cost per day, and the outcome mix, for the chosen period. */
export function ActivityCharts({ insights }: { insights: Insights }) {
  const days = insights.days;
  const enriched = days.reduce((s, d) => s + d.enriched, 0);
  const tokens = days.map((d) => d.tokens_in + d.tokens_out);
  return (
    <div className="charts" data-testid="activity-charts">
      <section className="chart">
        <h3>Enrichments per day</h3>
        <div className="total" data-testid="chart-enriched-total">
          {count(enriched)}
        </div>
        <BarChart
          testId="chart-enriched"
          color="var(--chart-3)"
          bars={days.map((d) => ({
            label: shortDate(d.date),
            value: d.enriched,
            title: `${d.date}: ${number(d.enriched)} written or approved (${number(d.rows)} round trips)`,
          }))}
        />
      </section>
      <section className="chart">
        <h3>Tokens per day</h3>
        <div className="total">{count(insights.total_tokens)}</div>
        <BarChart
          testId="chart-tokens"
          color="var(--chart-2)"
          bars={days.map((d, i) => ({
            label: shortDate(d.date),
            value: tokens[i] ?? 0,
            title: `${d.date}: ${number(d.tokens_in)} in, ${number(d.tokens_out)} out`,
          }))}
        />
      </section>
      <section className="chart">
        <h3>Cost per day</h3>
        <div className="total">{money(insights.total_cost_micros)}</div>
        <BarChart
          testId="chart-cost"
          color="var(--chart-1)"
          bars={days.map((d) => ({ label: shortDate(d.date), value: d.cost_micros, title: `${d.date}: ${money(d.cost_micros)}` }))}
        />
      </section>
      <section className="chart">
        <h3>Outcomes</h3>
        <Donut
          testId="chart-outcomes"
          total={count(insights.total_rows)}
          slices={insights.outcomes.map((o) => ({
            key: o.outcome,
            label: OUTCOME_LABELS[o.outcome],
            value: o.rows,
            color: OUTCOME_COLORS[o.outcome],
          }))}
        />
        <ul className="legend">
          {insights.outcomes.map((o) => (
            <li key={o.outcome}>
              <span className="swatch" style={{ background: OUTCOME_COLORS[o.outcome] }} />
              <span className="grow ellipsis">{OUTCOME_LABELS[o.outcome]}</span>
              <span className="muted">{count(o.rows)}</span>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
