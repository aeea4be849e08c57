// The servers: each node's gauges (CPU, memory, disks against the whole) and its charts over
// 1 h to 7 d, whether it answers, and the heaviest services of the whole platform.

import { useState } from "react";
import { Link } from "react-router";
import { get } from "../api/client";
import type { HeaviestServices, HeavyService, Server, ServersMetrics } from "../api/types";
import { TimeChart } from "../components/TimeChart";
import { MetricsOff, WindowPicker } from "../components/WindowPicker";
import { CopyRow } from "../components/CopyRow";
import { Badge, Card, Empty, LoadError, Skeletons } from "../components/ui";
import { usePoll, useTitle } from "../lib/hooks";
import { formatValue, isEmpty, summary, type Window } from "../lib/metrics";
import { cpuShares, describeServer, type Gauge, gaugesOf } from "../lib/servers";

const REFRESH_MS = 15_000;

export function Servers() {
  useTitle("Servers");
  const [window, setWindow] = useState<Window>("1h");
  const servers = usePoll(
    (s) => get<ServersMetrics>(`/servers/metrics?window=${window}`, s),
    [window],
    REFRESH_MS,
  );
  const heaviest = usePoll(
    (s) => get<HeaviestServices>(`/metrics/heaviest?window=${window}`, s),
    [window],
    REFRESH_MS,
  );
  const off = servers.data?.enabled === false;
  return (
    <div className="stack">
      <div className="row" style={{ alignItems: "center" }}>
        <h1 className="grow">Servers</h1>
        <WindowPicker window={window} onChange={setWindow} />
      </div>
      {off ? <MetricsOff /> : null}
      {servers.error && !servers.data ? (
        <LoadError error={servers.error} retry={servers.reload} />
      ) : null}
      {servers.loading && !servers.data ? <Skeletons count={2} /> : null}
      {servers.data && !off ? <ServerList metrics={servers.data} /> : null}
      <AddServer />
      {!off ? (
        <Heaviest
          services={heaviest.data?.services}
          error={heaviest.error}
          retry={heaviest.reload}
        />
      ) : null}
    </div>
  );
}

/** How a server joins: the join token is a secret the dashboard never holds, so a manager
 * prints the command. */
function AddServer() {
  return (
    <Card
      title="Add a server"
      description="A new server (Docker installed) joins this swarm; then services and controllers can run on it."
    >
      <div className="card-body stack" aria-label="Add a server">
        <p>
          On this server (a manager), print the command that joins a new one, and run what it prints
          on the new server. Then run <code>zaneops up</code> again here: each controller runs a
          second replica on another server.
        </p>
        <CopyRow label="On a manager" value="zaneops node add" />
        <p className="muted">
          <code>zaneops node add --manager</code> joins it as a manager (keep 3 or 5 for a quorum).{" "}
          <code>zaneops node ls</code> lists the servers;{" "}
          <code>zaneops node label NODE disk=ssd</code> labels one for a service&apos;s placement
          (its Resources tab); <code>zaneops node drain NODE</code> moves its containers away before
          maintenance.
        </p>
      </div>
    </Card>
  );
}

function ServerList({ metrics }: { metrics: ServersMetrics }) {
  if (metrics.servers.length === 0) {
    return (
      <Empty title="No server has reported yet">
        Each server's exporter is scraped every 15 s; a new platform shows its first server within a
        minute.
      </Empty>
    );
  }
  return (
    <>
      {metrics.servers.map((server) => (
        <ServerCard key={server.name} server={server} metrics={metrics} />
      ))}
    </>
  );
}

function ServerCard({ server, metrics }: { server: Server; metrics: ServersMetrics }) {
  return (
    <section aria-label={`Server ${server.name}`} data-testid="server">
      <Card
        title={
          <span className="row" style={{ gap: 8, alignItems: "center" }}>
            {server.name}
            {server.up ? (
              <Badge tone="ok">Up</Badge>
            ) : (
              <Badge tone="bad">Down: not answering</Badge>
            )}
          </span>
        }
        description={describeServer(server)}
      >
        <div className="card-body stack">
          <div className="gauges">
            {gaugesOf(server).map((gauge) => (
              <GaugeRow key={gauge.label} gauge={gauge} server={server.name} />
            ))}
          </div>
          <div className="chart-grid">
            {server.charts.map((chart) => (
              <section key={chart.name} aria-label={`${chart.name} chart of ${server.name}`}>
                <div className="muted small">
                  <strong>{chart.name}</strong> · {summary(chart)}
                </div>
                {isEmpty(chart) ? (
                  <div className="muted">Nothing measured in this window.</div>
                ) : (
                  <TimeChart chart={chart} timestamps={metrics.timestamps} shape={metrics.window} />
                )}
              </section>
            ))}
          </div>
        </div>
      </Card>
    </section>
  );
}

function GaugeRow({ gauge, server }: { gauge: Gauge; server: string }) {
  return (
    <div className="gauge">
      <span>{gauge.label}</span>
      {gauge.share === null ? (
        <span className="muted">not measured</span>
      ) : (
        <meter
          aria-label={`${gauge.label} of ${server}`}
          min={0}
          max={1}
          low={0.75}
          high={0.9}
          optimum={0}
          value={gauge.share}
        />
      )}
      <span className="muted">{gauge.text}</span>
    </div>
  );
}

function Heaviest({
  services,
  error,
  retry,
}: {
  services: HeavyService[] | undefined;
  error: unknown;
  retry: () => void;
}) {
  const shares = cpuShares(services ?? []);
  return (
    <Card
      title="Heaviest services"
      description="Every server's containers: CPU over the last minute and averaged over the window (0 while not running), memory now and its peak."
    >
      <div className="card-body">
        {error && !services ? <LoadError error={error} retry={retry} /> : null}
        {!services && !error ? <Skeletons count={1} /> : null}
        {services && services.length === 0 ? (
          <div className="muted">No service has run in this window.</div>
        ) : null}
        {services && services.length > 0 ? (
          <table className="table" aria-label="Heaviest services">
            <thead>
              <tr>
                <th>Service</th>
                <th>CPU now</th>
                <th>CPU average</th>
                <th>Memory</th>
                <th>Peak memory</th>
              </tr>
            </thead>
            <tbody>
              {services.map((service, index) => (
                <tr key={service.service_id}>
                  <td>
                    <Link to={`/services/${service.service_id}/metrics`}>
                      {service.project}/{service.environment}/{service.service}
                    </Link>
                  </td>
                  <td>
                    <div className="bar-cell">
                      <div
                        className="bar"
                        style={{ width: `${Math.round((shares[index] ?? 0) * 100)}%` }}
                        aria-hidden
                      />
                      <span>{formatValue("cores", service.cpu_now_cores)}</span>
                    </div>
                  </td>
                  <td>{formatValue("cores", service.cpu_cores)}</td>
                  <td>{formatValue("bytes", service.memory_bytes)}</td>
                  <td>{formatValue("bytes", service.memory_peak_bytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </div>
    </Card>
  );
}
