// A time-series chart (uPlot, canvas): a chart's lines on shared timestamps, its limit as a
// dashed red line, and markers (deployments) as dashed vertical lines.

import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { MetricsChart } from "../api/types";
import { formatValue } from "../lib/metrics";

const COLORS = ["#6d5efc", "#1b9e77", "#d95f02", "#e7298a", "#66a61e"];
const HEIGHT = 180;

export type Marker = { at: number };

type Props = {
  chart: MetricsChart;
  timestamps: number[];
  /** What makes the chart anew when it changes (the window); new data alone does not. */
  shape: string;
  markers?: Marker[];
};

/** The chart's data as uPlot takes it: the shared timestamps, each line, then the limit. */
function dataOf(chart: MetricsChart, timestamps: number[]): uPlot.AlignedData {
  const data: uPlot.AlignedData = [timestamps, ...chart.lines.map((line) => line.values)];
  if (chart.limit) data.push(timestamps.map(() => chart.limit ?? null));
  return data;
}

/** Made once per chart and shape (a poll only sets new data: the cursor and zoom stay),
 * resized with its box. */
export function TimeChart({ chart, timestamps, shape, markers = [] }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const marked = useRef(markers);
  const made = [shape, chart.name, chart.unit, ...chart.lines.map((l) => l.label), chart.limit];
  useEffect(() => {
    marked.current = markers;
    plot.current?.setData(dataOf(chart, timestamps));
  }, [chart, timestamps, markers]);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const series: uPlot.Series[] = [
      {},
      ...chart.lines.map((line, i) => ({
        label: line.label || chart.name,
        stroke: COLORS[i % COLORS.length],
        width: 2,
        value: (_: uPlot, v: number | null) => formatValue(chart.unit, v),
      })),
    ];
    if (chart.limit) series.push({ label: "limit", stroke: "#c0392b", dash: [6, 4], width: 1 });
    const drawn = new uPlot(
      {
        width: Math.max(320, element.clientWidth),
        height: HEIGHT,
        series,
        axes: [
          {},
          { values: (_, ticks) => ticks.map((t) => formatValue(chart.unit, t)), size: 80 },
        ],
        scales: {
          y: { range: (_, _min, max) => [0, Math.max(max, chart.limit ?? 0) * 1.1 || 1] },
        },
        plugins: [markerLines(marked)],
      },
      dataOf(chart, timestamps),
      element,
    );
    plot.current = drawn;
    const resized = new ResizeObserver(() =>
      drawn.setSize({ width: Math.max(320, element.clientWidth), height: HEIGHT }),
    );
    resized.observe(element);
    return () => {
      resized.disconnect();
      drawn.destroy();
      plot.current = null;
    };
    // Made again only when its shape changes; new data goes through setData above.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, made);
  return <div ref={box} className="chart" />;
}

/** Each marker as a dashed vertical line at its time. */
function markerLines(markers: { current: Marker[] }): uPlot.Plugin {
  return {
    hooks: {
      draw: [
        (u: uPlot) => {
          const { ctx, bbox } = u;
          ctx.save();
          ctx.strokeStyle = "#888";
          ctx.setLineDash([3, 3]);
          for (const marker of markers.current) {
            const x = u.valToPos(marker.at, "x", true);
            if (x < bbox.left || x > bbox.left + bbox.width) continue;
            ctx.beginPath();
            ctx.moveTo(x, bbox.top);
            ctx.lineTo(x, bbox.top + bbox.height);
            ctx.stroke();
          }
          ctx.restore();
        },
      ],
    },
  };
}
