"use client";

/**
 * The analytics charts (recharts). Split keys are shown by their labels (an API key's, virtual key's
 * or config's name rather than its id or slug). Each chart is a figure with a visible heading and a plot whose
 * accessible name (role="img") summarises it in words, since the SVG itself says nothing to a
 * screen reader. Series are keyed by index (`s0`, `s1`...) because model names contain dots, which
 * recharts would read as paths.
 *
 * Latency with a split draws one line per key for one percentile at a time (p95 by default, a
 * p50/p95/p99 toggle switches): 14 lines in one small chart would not be readable. The summary names
 * every key's highest p50 and p95 whichever is drawn. Percentiles come from the rollups' latency
 * histograms: within ±2.5% of the exact values (the chart's note says so).
 */
import { useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { Analytics, AnalyticsPoint, Counts } from "@/lib/store/analytics";

/** Series colours are the theme's (app/globals.css: a light and a dark set, chosen by the system setting). */
const COLORS = ["var(--chart-1)", "var(--chart-2)", "var(--chart-3)", "var(--chart-4)", "var(--chart-5)", "var(--chart-6)"];
const OTHER_COLOR = "var(--chart-other)";
const AXIS = { fontSize: 11, fill: "var(--chart-axis)" };
const AXIS_LINE = { stroke: "var(--chart-grid)" };
const TOOLTIP_STYLE = { background: "var(--panel)", border: "1px solid var(--border)", borderRadius: 6, color: "var(--text)" };
const LEGEND_STYLE = { fontSize: 12, color: "var(--text)" };

type Series = { id: string; name: string; color: string };
type Row = Record<string, number | string | null>;

/** A legend entry's words in the text colour (its swatch carries the series colour): readable in both themes. */
const legendText = (value: unknown) => <span style={{ color: "var(--text)" }}>{String(value)}</span>;

const fmtInt = (n: number) => n.toLocaleString("en-US");
const fmtUsd = (n: number) => `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: n < 1 ? 4 : 2 })}`;
const fmtPct = (n: number) => `${(n * 100).toFixed(1)}%`;
const fmtMs = (n: number) => `${Math.round(n).toLocaleString("en-US")} ms`;

/** Bucket starts in UTC, so the server and the browser print the same text. */
function tickLabel(iso: string, bucket: Analytics["bucket"], long: boolean): string {
  const [date, time] = iso.split("T") as [string, string];
  const md = date.slice(5);
  if (bucket === "day") return md;
  return long ? `${md} ${time.slice(0, 5)}` : time.slice(0, 5);
}

/** A split key as people read it: its label (a name), else the key. */
const labelOf = (data: Analytics, key: string) => data.labels[key] ?? key;

/** The split's name in a sentence: "by API key". */
const splitWords = (data: Analytics) => (data.splitBy ?? "").replaceAll("_", " ").replace("api key", "API key");

function seriesOf(data: Analytics): Series[] {
  return data.keys.map((k, i) => ({
    id: `s${i}`,
    name: labelOf(data, k),
    color: k === "other" ? OTHER_COLOR : COLORS[i % COLORS.length]!,
  }));
}

/** One row per bucket: `t` and one value per series. */
function rowsOf(data: Analytics, pick: (c: Counts) => number | null, total: (p: AnalyticsPoint) => number | null): Row[] {
  return data.series.map((p) => {
    const row: Row = { t: p.start, total: total(p) };
    data.keys.forEach((k, i) => {
      row[`s${i}`] = pick(p.byKey[k]!);
    });
    return row;
  });
}

function peak(data: Analytics, value: (p: AnalyticsPoint) => number | null, fmt: (n: number) => string): string {
  let best: AnalyticsPoint | null = null;
  for (const p of data.series) {
    const v = value(p);
    if (v !== null && v > 0 && (best === null || v > (value(best) ?? 0))) best = p;
  }
  if (!best) return "none in any bucket";
  return `highest ${fmt(value(best)!)} at ${tickLabel(best.start, data.bucket, true)} UTC`;
}

type ChartProps = { data: Analytics; rangeLabel: string; longTicks: boolean };

function ChartFigure({
  id,
  title,
  summary,
  actions,
  note,
  children,
}: {
  id: string;
  title: string;
  summary: string;
  actions?: React.ReactNode;
  /** A line under the plot. */
  note?: string;
  children: React.ReactElement;
}) {
  return (
    <figure className="an-chart" aria-labelledby={`${id}-title`}>
      <div className="an-chart-head">
        <figcaption id={`${id}-title`} className="an-chart-title">
          {title}
        </figcaption>
        {actions}
      </div>
      <div className="an-chart-plot" role="img" aria-label={summary} data-testid={`chart-${id}`}>
        <ResponsiveContainer width="100%" height={220}>
          {children}
        </ResponsiveContainer>
      </div>
      {note ? <p className="an-card-note">{note}</p> : null}
    </figure>
  );
}

/** A line's dots: larger when it has a single point (no line is drawn through one point). */
function dotOf(rows: readonly Record<string, unknown>[], key: string): { r: number } {
  let points = 0;
  for (const row of rows) if (typeof row[key] === "number") points++;
  return { r: points <= 1 ? 4 : 2 };
}

function axes(data: Analytics, longTicks: boolean, fmt: (n: number) => string) {
  return [
    <CartesianGrid key="grid" stroke="var(--chart-grid)" vertical={false} />,
    // Band scale on every chart: a line's point sits in the middle of its bucket, where the bar
    // charts draw that bucket's bar, so the charts' x-axes line up (and a lone point is never on the edge).
    <XAxis
      key="x"
      dataKey="t"
      scale="band"
      tickFormatter={(v: string) => tickLabel(v, data.bucket, longTicks)}
      tick={AXIS}
      axisLine={AXIS_LINE}
      tickLine={AXIS_LINE}
      minTickGap={24}
    />,
    <YAxis key="y" tickFormatter={(v: number) => fmt(v)} tick={AXIS} axisLine={AXIS_LINE} tickLine={AXIS_LINE} width={64} allowDecimals />,
    <Tooltip
      key="tip"
      labelFormatter={(v) => `${tickLabel(String(v), data.bucket, true)} UTC`}
      contentStyle={TOOLTIP_STYLE}
      labelStyle={{ color: "var(--text)" }}
      cursor={{ fill: "var(--chart-cursor)", stroke: "var(--chart-grid)" }}
      formatter={(v) => (typeof v === "number" ? fmt(v) : String(v ?? "–"))}
    />,
  ];
}

/** A stacked bar per bucket: by split key when there is a split, else one bar. */
function StackedCounts({
  id,
  title,
  data,
  rangeLabel,
  longTicks,
  pick,
  fmt,
  totalOf,
  note,
}: ChartProps & {
  id: string;
  title: string;
  pick: (c: Counts) => number;
  fmt: (n: number) => string;
  totalOf: (c: Counts) => number;
  /** A last sentence of the summary (what the sums leave out). */
  note?: string;
}) {
  const series = seriesOf(data);
  const rows = rowsOf(data, pick, (p) => pick(p));
  const total = totalOf(data.totals);
  const parts = data.byKey.length
    ? `; by ${splitWords(data)}: ${data.byKey.map((k) => `${labelOf(data, k.key)} ${fmt(totalOf(k))}`).join(", ")}`
    : "";
  const summary = `${title} per ${data.bucket}, ${rangeLabel.toLowerCase()}: ${fmt(total)} in total, ${peak(data, (p) => pick(p), fmt)}${parts}.${note ? ` ${note}` : ""}`;
  return (
    <ChartFigure id={id} title={title} summary={summary}>
      <BarChart data={rows} accessibilityLayer={false} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
        {axes(data, longTicks, fmt)}
        {series.length ? (
          series.map((s) => <Bar key={s.id} dataKey={s.id} name={s.name} stackId="a" fill={s.color} isAnimationActive={false} />)
        ) : (
          <Bar dataKey="total" name={title} fill={COLORS[0]} isAnimationActive={false} />
        )}
        {series.length ? <Legend wrapperStyle={LEGEND_STYLE} formatter={legendText} /> : null}
      </BarChart>
    </ChartFigure>
  );
}

function ErrorRateChart({ data, rangeLabel, longTicks }: ChartProps) {
  const series = seriesOf(data);
  const rate = (c: Counts) => (c.requests ? c.errors / c.requests : null);
  const rows = rowsOf(data, rate, rate);
  const overall = data.totals.errorRate;
  const parts = data.byKey.length
    ? `; by ${splitWords(data)}: ${data.byKey.map((k) => `${labelOf(data, k.key)} ${rate(k) === null ? "no requests" : fmtPct(rate(k)!)}`).join(", ")}`
    : "";
  const summary = `Error rate (status 400 and above) per ${data.bucket}, ${rangeLabel.toLowerCase()}: ${overall === null ? "no requests" : fmtPct(overall)} overall, ${peak(data, rate, fmtPct)}${parts}.`;
  return (
    <ChartFigure id="error-rate" title="Error rate" summary={summary}>
      <LineChart data={rows} accessibilityLayer={false} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
        {axes(data, longTicks, fmtPct)}
        {series.length ? (
          series.map((s) => (
            <Line key={s.id} dataKey={s.id} name={s.name} stroke={s.color} dot={dotOf(rows, s.id)} connectNulls isAnimationActive={false} />
          ))
        ) : (
          <Line
            dataKey="total"
            name="Error rate"
            stroke="var(--chart-error)"
            dot={dotOf(rows, "total")}
            connectNulls
            isAnimationActive={false}
          />
        )}
        {series.length ? <Legend wrapperStyle={LEGEND_STYLE} formatter={legendText} /> : null}
      </LineChart>
    </ChartFigure>
  );
}

type Percentile = "p50" | "p95" | "p99";
const PCT_NOTE = "Percentiles are read from latency histograms: within ±2.5% of the exact values.";

function LatencyChart({ data, rangeLabel, longTicks }: ChartProps) {
  const [shown, setShown] = useState<Percentile>("p95");
  const { p50, p95, p99 } = data.totals;
  const ms = (n: number | null) => (n === null ? "none" : fmtMs(n));
  const overall = `Latency per ${data.bucket}, ${rangeLabel.toLowerCase()}: p50 ${ms(p50)}, p95 ${ms(p95)}, p99 ${ms(p99)} over the range`;
  if (!data.keys.length) {
    const rows = data.series.map((p) => ({ t: p.start, p50: p.p50, p95: p.p95, p99: p.p99 }));
    const summary = `${overall}; p95 ${peak(data, (p) => p.p95, fmtMs)}.`;
    return (
      <ChartFigure id="latency" title="Latency p50 / p95 / p99 (all requests)" summary={summary} note={PCT_NOTE}>
        <LineChart data={rows} accessibilityLayer={false} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          {axes(data, longTicks, fmtMs)}
          <Line dataKey="p50" name="p50" stroke="var(--chart-1)" dot={dotOf(rows, "p50")} connectNulls isAnimationActive={false} />
          <Line dataKey="p95" name="p95" stroke="var(--chart-3)" dot={dotOf(rows, "p95")} connectNulls isAnimationActive={false} />
          <Line dataKey="p99" name="p99" stroke="var(--chart-p99)" dot={dotOf(rows, "p99")} connectNulls isAnimationActive={false} />
          <Legend wrapperStyle={LEGEND_STYLE} formatter={legendText} />
        </LineChart>
      </ChartFigure>
    );
  }
  const series = seriesOf(data);
  const rows: Row[] = data.series.map((p) => {
    const row: Row = { t: p.start };
    data.keys.forEach((k, i) => {
      row[`s${i}`] = p.latencyByKey[k]?.[shown] ?? null;
    });
    return row;
  });
  const highest = (pct: Percentile) => {
    let best: { v: number; key: string; start: string } | null = null;
    for (const p of data.series)
      for (const k of data.keys) {
        const v = p.latencyByKey[k]?.[pct] ?? null;
        if (v !== null && (best === null || v > best.v)) best = { v, key: k, start: p.start };
      }
    return best
      ? `highest ${pct} ${fmtMs(best.v)} (${labelOf(data, best.key)}) at ${tickLabel(best.start, data.bucket, true)} UTC`
      : `no ${pct} in any bucket`;
  };
  // Each key's highest p50 and p95 in any bucket.
  const max = (k: string, pct: Percentile) => Math.max(...data.series.map((p) => p.latencyByKey[k]?.[pct] ?? -1));
  const parts = data.keys
    .map((k) => (max(k, "p95") < 0 ? `${labelOf(data, k)} none` : `${labelOf(data, k)} ${fmtMs(max(k, "p50"))} / ${fmtMs(max(k, "p95"))}`))
    .join(", ");
  const summary = `${overall}; by ${splitWords(data)}, highest p50 / p95 in any ${data.bucket}: ${parts}; ${highest(shown)}; lines show ${shown} per ${splitWords(data)}.`;
  const toggle = (
    <fieldset className="an-toggle" aria-label="Latency percentile">
      {(["p50", "p95", "p99"] as const).map((p) => (
        <button key={p} type="button" className="btn btn-sm" aria-pressed={shown === p} onClick={() => setShown(p)}>
          {p}
        </button>
      ))}
    </fieldset>
  );
  return (
    <ChartFigure id="latency" title={`Latency ${shown} by ${splitWords(data)}`} summary={summary} actions={toggle} note={PCT_NOTE}>
      <LineChart data={rows} accessibilityLayer={false} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
        {axes(data, longTicks, fmtMs)}
        {series.map((s) => (
          <Line key={s.id} dataKey={s.id} name={s.name} stroke={s.color} dot={dotOf(rows, s.id)} connectNulls isAnimationActive={false} />
        ))}
        <Legend wrapperStyle={LEGEND_STYLE} formatter={legendText} />
      </LineChart>
    </ChartFigure>
  );
}

export function AnalyticsCharts({ data, rangeLabel }: { data: Analytics; rangeLabel: string }) {
  const longTicks = data.bucket === "hour" && data.series.length > 24;
  const common = { data, rangeLabel, longTicks };
  return (
    <div className="an-grid">
      <StackedCounts id="requests" title="Requests" {...common} pick={(c) => c.requests} totalOf={(c) => c.requests} fmt={fmtInt} />
      <ErrorRateChart {...common} />
      <StackedCounts
        id="cost"
        title="Cost (USD)"
        {...common}
        pick={(c) => c.cost}
        totalOf={(c) => c.cost}
        fmt={fmtUsd}
        note={
          data.totals.unpriced
            ? `${data.totals.unpriced.toLocaleString("en-US")} answered ${data.totals.unpriced === 1 ? "request has" : "requests have"} an unknown cost (no price for the model, or no usage) and ${data.totals.unpriced === 1 ? "is" : "are"} not in these sums.`
            : undefined
        }
      />
      <LatencyChart {...common} />
      <StackedCounts id="rescued" title="Rescued by fallback" {...common} pick={(c) => c.rescued} totalOf={(c) => c.rescued} fmt={fmtInt} />
    </div>
  );
}
