// A service's charts: CPU and memory against their limits, network, disk, and HTTP through the
// proxy (requests by status class, latency percentiles), over 1 h to 7 d, with its deployments
// marked on the time axis. Drawn with uPlot (canvas), refreshed while the tab is open.

import { type FormEvent, useEffect, useRef, useState } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { get } from "../../api/client";
import { fieldErrors, unplacedErrors } from "../../api/errors";
import type { MetricsChart, Service, ServiceMetrics } from "../../api/types";
import { useApp } from "../../components/app-context";
import {
  Button,
  Card,
  Empty,
  Field,
  FormErrors,
  LoadError,
  Skeletons,
  useAction,
} from "../../components/ui";
import { usePoll } from "../../lib/hooks";
import {
  formatValue,
  isEmpty,
  shownCharts,
  summary,
  type Window,
  WINDOWS,
} from "../../lib/metrics";
import { useService } from "./context";

const COLORS = ["#6d5efc", "#1b9e77", "#d95f02", "#e7298a", "#66a61e"];
const REFRESH_MS = 15_000;

export function Metrics() {
  const { service } = useService();
  const [window, setWindow] = useState<Window>("1h");
  const metrics = usePoll(
    (s) => get<ServiceMetrics>(`/services/${service.id}/metrics?window=${window}`, s),
    [service.id, window],
    REFRESH_MS,
  );
  const off = metrics.data?.enabled === false;
  return (
    <div className="stack">
      <div className="row" style={{ gap: 6 }} role="group" aria-label="Time window">
        {WINDOWS.map((w) => (
          <Button
            key={w}
            small
            variant={w === window ? "primary" : "ghost"}
            aria-pressed={w === window}
            onClick={() => setWindow(w)}
          >
            {w}
          </Button>
        ))}
      </div>
      {off ? (
        <Empty title="Metrics are off">This platform runs without its metrics store.</Empty>
      ) : null}
      {metrics.error && !metrics.data ? (
        <LoadError error={metrics.error} retry={metrics.reload} />
      ) : null}
      {metrics.loading && !metrics.data ? <Skeletons count={3} /> : null}
      {metrics.data && !off ? <Charts metrics={metrics.data} /> : null}
      {!off ? <Alerts /> : null}
    </div>
  );
}

function Charts({ metrics }: { metrics: ServiceMetrics }) {
  return (
    <>
      {shownCharts(metrics).map((chart) => (
        <Card key={chart.name} title={chart.name} description={summary(chart)}>
          <section aria-label={`${chart.name} chart`} data-testid="chart">
            {isEmpty(chart) ? (
              <Empty title="Nothing measured yet">
                Samples arrive every 15 s while the service runs.
              </Empty>
            ) : (
              <TimeChart chart={chart} metrics={metrics} />
            )}
          </section>
        </Card>
      ))}
    </>
  );
}

/** The chart's data as uPlot takes it: the shared timestamps, each line, then the limit. */
function dataOf(chart: MetricsChart, metrics: ServiceMetrics): uPlot.AlignedData {
  const data: uPlot.AlignedData = [metrics.timestamps, ...chart.lines.map((line) => line.values)];
  if (chart.limit) data.push(metrics.timestamps.map(() => chart.limit ?? null));
  return data;
}

/** Made once per chart and window (a poll only sets new data: the cursor and zoom stay),
 * resized with its box. */
function TimeChart({ chart, metrics }: { chart: MetricsChart; metrics: ServiceMetrics }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const markers = useRef(metrics.deployments);
  const shape = [metrics.window, chart.name, ...chart.lines.map((l) => l.label), chart.limit];
  useEffect(() => {
    markers.current = metrics.deployments;
    plot.current?.setData(dataOf(chart, metrics));
  }, [chart, metrics]);
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
    const made = new uPlot(
      {
        width: Math.max(320, element.clientWidth),
        height: 180,
        series,
        axes: [
          {},
          { values: (_, ticks) => ticks.map((t) => formatValue(chart.unit, t)), size: 80 },
        ],
        scales: {
          y: { range: (_, _min, max) => [0, Math.max(max, chart.limit ?? 0) * 1.1 || 1] },
        },
        plugins: [deployMarkers(markers)],
      },
      dataOf(chart, metrics),
      element,
    );
    plot.current = made;
    const resized = new ResizeObserver(() =>
      made.setSize({ width: Math.max(320, element.clientWidth), height: 180 }),
    );
    resized.observe(element);
    return () => {
      resized.disconnect();
      made.destroy();
      plot.current = null;
    };
    // Made again only when its shape changes; new data goes through setData above.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, shape);
  return <div ref={box} className="chart" />;
}

/** Each deployment as a dashed vertical line at the time it was asked for. */
function deployMarkers(markers: { current: ServiceMetrics["deployments"] }): uPlot.Plugin {
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

type Alert = NonNullable<Service["spec"]["alerts"]>[number];

/** Told to the notification channels when CPU or memory stays above a share of the limit. */
function Alerts() {
  const { service, save } = useService();
  const { notify } = useApp();
  const alerts = service.spec.alerts ?? [];
  const [metric, setMetric] = useState<Alert["metric"]>("cpu");
  const [above, setAbove] = useState("80");
  const [minutes, setMinutes] = useState("5");
  const saving = useAction(async (next: Alert[]) => {
    await save({ alerts: next });
    notify("Alerts saved: checked every minute, no deploy needed");
  });
  const errors = fieldErrors(saving.error, {});
  const add = (event: FormEvent) => {
    event.preventDefault();
    const alert = { metric, above_percent: Number(above), for_minutes: Number(minutes) };
    void saving.run([...alerts, alert]);
  };
  return (
    <form onSubmit={add} noValidate aria-label="Metric alerts">
      <Card
        title="Alerts"
        description="Told to the notification channels that hear metric alerts: once when the share of the limit stays above the threshold for the minutes given, once when it is back under."
        footer={
          <Button type="submit" variant="primary" busy={saving.busy}>
            Add alert
          </Button>
        }
      >
        <div className="card-body stack">
          <FormErrors messages={unplacedErrors(saving.error, ["alerts"], {})} />
          {alerts.length === 0 ? (
            <div className="muted">No alert: nothing is told of this service's usage.</div>
          ) : (
            <ul className="plain-list" aria-label="Alerts">
              {alerts.map((alert, index) => (
                <li
                  key={`${alert.metric}-${alert.above_percent}`}
                  className="row"
                  data-testid="alert"
                >
                  <span className="grow">
                    {alert.metric === "cpu" ? "CPU" : "Memory"} above {alert.above_percent} % of its
                    limit for {alert.for_minutes ?? 5} min
                  </span>
                  <Button
                    small
                    variant="ghost"
                    onClick={() => void saving.run(alerts.filter((_, i) => i !== index))}
                  >
                    Remove
                  </Button>
                </li>
              ))}
            </ul>
          )}
          <div className="form-grid">
            <Field label="Metric" error={errors.alerts}>
              {(p) => (
                <select
                  {...p}
                  value={metric}
                  onChange={(e) => setMetric(e.target.value as Alert["metric"])}
                >
                  <option value="cpu">CPU</option>
                  <option value="memory">Memory</option>
                </select>
              )}
            </Field>
            <Field label="Above (% of the limit)">
              {(p) => (
                <input
                  {...p}
                  type="number"
                  min={1}
                  value={above}
                  onChange={(e) => setAbove(e.target.value)}
                />
              )}
            </Field>
            <Field label="For (minutes)">
              {(p) => (
                <input
                  {...p}
                  type="number"
                  min={1}
                  value={minutes}
                  onChange={(e) => setMinutes(e.target.value)}
                />
              )}
            </Field>
          </div>
        </div>
      </Card>
    </form>
  );
}
