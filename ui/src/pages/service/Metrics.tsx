// A service's charts: CPU and memory against their limits, network, disk, and HTTP through the
// proxy (requests by status class, latency percentiles), over 1 h to 7 d, with its deployments
// marked on the time axis. Drawn with uPlot (canvas), refreshed while the tab is open.

import { type FormEvent, useState } from "react";
import { get } from "../../api/client";
import { fieldErrors, unplacedErrors } from "../../api/errors";
import type { Service, ServiceMetrics } from "../../api/types";
import { useApp } from "../../components/app-context";
import { TimeChart } from "../../components/TimeChart";
import { MetricsOff, WindowPicker } from "../../components/WindowPicker";
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
import { isEmpty, shownCharts, summary, type Window } from "../../lib/metrics";
import { useService } from "./context";

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
      <WindowPicker window={window} onChange={setWindow} />
      {off ? <MetricsOff /> : null}
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
              <TimeChart
                chart={chart}
                timestamps={metrics.timestamps}
                shape={metrics.window}
                markers={metrics.deployments}
              />
            )}
          </section>
        </Card>
      ))}
    </>
  );
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
