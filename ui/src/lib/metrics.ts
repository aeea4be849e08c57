// A service's charts as a person reads them: values in their unit, the newest value of each
// line, and whether there is anything to draw yet.

import type { MetricsChart, ServiceMetrics } from "../api/types";
import { bytes } from "./format";

export const WINDOWS = ["1h", "6h", "24h", "7d"] as const;
export type Window = (typeof WINDOWS)[number];

/** One value in the chart's unit, short enough for an axis. */
export function formatValue(unit: MetricsChart["unit"], value: number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  switch (unit) {
    case "cores":
      return `${value.toFixed(value < 0.1 ? 3 : 2)} cores`;
    case "bytes":
      return bytes(value);
    case "bytes/s":
      return `${bytes(value)}/s`;
    case "requests/s":
      return `${value.toFixed(value < 10 ? 2 : 0)} req/s`;
    case "seconds":
      return value < 1
        ? `${(value * 1000).toFixed(value < 0.01 ? 1 : 0)} ms`
        : `${value.toFixed(2)} s`;
    case "percent":
      return `${value.toFixed(value < 10 ? 1 : 0)} %`;
    case "load":
      return value.toFixed(2);
    case "count":
      return `${Math.round(value)}`;
  }
}

/** The newest value a line has (charts end with steps not scraped yet). */
export function latest(values: (number | null)[]): number | null {
  for (let i = values.length - 1; i >= 0; i -= 1) {
    const value = values[i];
    if (value !== null && value !== undefined) return value;
  }
  return null;
}

export function isEmpty(chart: MetricsChart): boolean {
  return chart.lines.every((line) => line.values.every((v) => v === null));
}

/** The charts worth showing: HTTP ones only for a service that served requests. */
export function shownCharts(metrics: ServiceMetrics): MetricsChart[] {
  return metrics.charts.filter(
    (chart) => !(chart.name === "Requests" || chart.name === "Latency") || !isEmpty(chart),
  );
}

/** A chart's title with its newest values: "CPU · used 0.52 cores". */
export function summary(chart: MetricsChart): string {
  const parts = chart.lines
    .map((line) => `${line.label} ${formatValue(chart.unit, latest(line.values))}`)
    .join(" · ");
  const limit = chart.limit ? ` (limit ${formatValue(chart.unit, chart.limit)})` : "";
  return `${parts}${limit}`;
}
