import { Link } from "react-router";
import { get } from "../../api/client";
import type { Domain, Page } from "../../api/types";
import { PhaseBadge, readyOf, runningReplicas } from "../../components/status";
import { Card, Empty } from "../../components/ui";
import { bytes, shortId, timeAgo } from "../../lib/format";
import { usePoll } from "../../lib/hooks";
import { Connection } from "./Connection";
import { useService } from "./context";

const TRIGGER_WORDS = {
  deploy: "deployed",
  redeploy: "redeployed",
  rollback: "rolled back",
  webhook: "pushed",
} as const;

export function domainUrl(domain: Domain): string {
  // The routes controller writes the address it serves (http or https, with the port).
  const served = domain.status?.details?.url;
  if (typeof served === "string" && served) return served;
  const host = domain.spec.domain.replace(/^\*\./, "www.");
  return `https://${host}${domain.spec.base_path && domain.spec.base_path !== "/" ? domain.spec.base_path : ""}`;
}

export function useServiceDomains(environmentId: string | null, serviceId: string) {
  const domains = usePoll(
    (s) =>
      environmentId
        ? get<Page<Domain>>(`/environments/${environmentId}/domains?limit=200`, s)
        : Promise.resolve(undefined),
    [environmentId],
  );
  const mine = domains.data?.items.filter((d) => d.spec.target?.service_id === serviceId);
  return { ...domains, mine };
}

export function Overview() {
  const { service, deployments } = useService();
  const domains = useServiceDomains(service.parent_id, service.id);
  const running = runningReplicas(service.status);
  const desired = service.spec.replicas ?? 1;
  const current = deployments?.find((d) => d.phase === "HEALTHY") ?? deployments?.[0];
  const ready = readyOf(service.status);
  const limits = service.spec.resources ?? {};

  return (
    <div className="stack">
      <div className="stat-grid">
        <div className="stat">
          <div className="label">Replicas</div>
          <div className="value">
            {running === null ? `${desired} wanted` : `${running} / ${desired} running`}
          </div>
        </div>
        <div className="stat">
          <div className="label">Current deployment</div>
          <div className="value">
            {current ? (
              <Link className="link" to={`/services/${service.id}/deployments`}>
                <span className="mono">{shortId(current.id)}</span>{" "}
                <PhaseBadge deployment={current} />
              </Link>
            ) : (
              <span className="muted">none yet</span>
            )}
          </div>
        </div>
        <div className="stat">
          <div className="label">Health check</div>
          <div className="value">{describeHealth(service.spec.healthcheck)}</div>
        </div>
        <div className="stat">
          <div className="label">Limits</div>
          <div className="value">
            {limits.cpu_limit ? `${limits.cpu_limit} CPU` : "any CPU"} ·{" "}
            {limits.memory_limit ? bytes(limits.memory_limit) : "any memory"}
          </div>
        </div>
      </div>
      {ready?.message && ready.status !== "True" ? (
        <div className={`banner ${ready.status === "False" ? "error" : ""}`}>
          <div className="grow">
            <strong>{ready.reason || ready.type}</strong> {ready.message}
          </div>
          {ready.last_transition_time ? (
            <span className="faint">{timeAgo(ready.last_transition_time)}</span>
          ) : null}
        </div>
      ) : null}
      {service.spec.source.type === "database" ? <Connection /> : null}
      <Card
        title="Domains"
        description="Where people reach this service."
        actions={
          <Link className="btn small" to={`/services/${service.id}/domains`}>
            Manage
          </Link>
        }
      >
        {domains.mine && domains.mine.length > 0 ? (
          <ul className="list">
            {domains.mine.map((domain) => (
              <li key={domain.id}>
                <a className="link" href={domainUrl(domain)} target="_blank" rel="noreferrer">
                  {domain.spec.domain}
                  {domain.spec.base_path !== "/" ? domain.spec.base_path : ""} ↗
                </a>
                <span className="muted">→ port {domain.spec.target?.port}</span>
              </li>
            ))}
          </ul>
        ) : (
          <Empty title="No domain">Add one to route web traffic to this service.</Empty>
        )}
      </Card>
      <Card
        title="Recent deployments"
        actions={
          <Link className="btn small" to={`/services/${service.id}/deployments`}>
            All deployments
          </Link>
        }
      >
        {deployments && deployments.length > 0 ? (
          <ul className="list">
            {deployments.slice(0, 3).map((deployment) => (
              <li key={deployment.id}>
                <PhaseBadge deployment={deployment} />
                <span className="mono">{shortId(deployment.id)}</span>
                <span className="muted" style={{ flex: 1 }}>
                  {TRIGGER_WORDS[deployment.spec.trigger]} · {timeAgo(deployment.created_at)}
                </span>
              </li>
            ))}
          </ul>
        ) : (
          <Empty title="Never deployed">Deploy to start the service.</Empty>
        )}
      </Card>
    </div>
  );
}

function describeHealth(check: import("../../api/types").Healthcheck | null | undefined): string {
  if (!check) return "running means ready";
  if (check.type === "http") return `GET ${check.path ?? "/"} on :${check.port}`;
  return check.command.join(" ");
}
