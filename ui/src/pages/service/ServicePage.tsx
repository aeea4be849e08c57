// A service: its header, the pending-changes banner, and a tab per concern.

import { useCallback, useMemo, useState } from "react";
import { NavLink, Route, Routes, useParams } from "react-router";
import { get, post, put } from "../../api/client";
import { messageOf } from "../../api/errors";
import type {
  Deployment,
  Environment,
  Page,
  PendingChanges,
  Project,
  Service,
  ServiceSpecInput,
} from "../../api/types";
import { useApp, useCrumbs } from "../../components/app-context";
import { DiffView } from "../../components/DiffView";
import { isFinished, phaseOf, ServiceBadge } from "../../components/status";
import { Badge, Button, LoadError, Loading, useAction } from "../../components/ui";
import { isBackedUp } from "../../lib/databases";
import { summarize } from "../../lib/diff";
import { usePoll, useTitle } from "../../lib/hooks";
import { specChanges } from "../../lib/specdiff";
import { NotFound } from "../NotFound";
import { sourceLabel } from "../Project";
import { ServiceContext, type ServiceView, useService } from "./context";
import { Backups } from "./Backups";
import { Deployments } from "./Deployments";
import { Domains } from "./Domains";
import { Health } from "./Health";
import { Logs } from "./Logs";
import { Metrics } from "./Metrics";
import { Overview } from "./Overview";
import { ResourcesAndPlacementTab } from "./Resources";
import { Runs } from "./Runs";
import { Settings } from "./Settings";
import { Variables } from "./Variables";
import { Volumes } from "./Volumes";

const TABS = [
  ["", "Overview"],
  ["deployments", "Deployments"],
  ["logs", "Logs"],
  ["metrics", "Metrics"],
  ["runs", "Run command"],
  ["variables", "Variables"],
  ["domains", "Domains"],
  ["volumes", "Volumes"],
  ["health", "Health check"],
  ["resources", "Resources"],
  ["settings", "Settings"],
] as const;

/** A database that is backed up (PostgreSQL, MariaDB, Redis) gets a Backups tab, after its deployments. */
function tabsOf(service: Service): (readonly [string, string])[] {
  const source = service.spec.source;
  if (source.type !== "database" || !isBackedUp(source)) return [...TABS];
  return [TABS[0], TABS[1], ["backups", "Backups"], ...TABS.slice(2)];
}

function useServiceData(serviceId: string) {
  const service = usePoll((s) => get<Service>(`/services/${serviceId}`, s), [serviceId]);
  const deployments = usePoll(
    (s) => get<Page<Deployment>>(`/services/${serviceId}/deployments?limit=50`, s),
    [serviceId],
  );
  const changes = usePoll(
    (s) => get<PendingChanges>(`/services/${serviceId}/changes`, s),
    [serviceId],
  );
  const environmentId = service.data?.parent_id ?? "";
  const environment = usePoll(
    (s) =>
      environmentId
        ? get<Environment>(`/environments/${environmentId}`, s)
        : Promise.resolve(undefined),
    [environmentId],
    null,
  );
  const projectId = environment.data?.parent_id ?? "";
  const project = usePoll(
    (s) => (projectId ? get<Project>(`/projects/${projectId}`, s) : Promise.resolve(undefined)),
    [projectId],
    null,
  );
  const reload = useCallback(async () => {
    await Promise.all([service.reload(), deployments.reload(), changes.reload()]);
  }, [service, deployments, changes]);
  return { service, deployments, changes, environment, project, reload };
}

export function ServicePage() {
  const { serviceId = "" } = useParams();
  const { notify } = useApp();
  const data = useServiceData(serviceId);
  const service = data.service.data;
  const environment = data.environment.data;
  const project = data.project.data;
  useTitle(service?.spec.slug ?? "Service");
  useCrumbs(
    service && environment && project
      ? [
          { label: project.spec.name, to: `/projects/${project.id}` },
          { label: environment.spec.slug, to: `/projects/${project.id}/env/${environment.id}` },
          { label: service.spec.slug, to: `/services/${service.id}` },
        ]
      : [],
  );

  const view = useMemo<ServiceView | null>(() => {
    if (!service) return null;
    return {
      service,
      environment,
      project,
      deployments: data.deployments.data?.items,
      changes: data.changes.data,
      reload: data.reload,
      save: async (patch: Partial<ServiceSpecInput>) => {
        const saved = await put<Service>(
          `/services/${service.id}`,
          { ...service.spec, ...patch },
          service.generation,
        );
        await data.reload();
        return saved;
      },
      deploy: async () => {
        try {
          await post<Deployment>(`/services/${service.id}/deploy`);
          notify("Deployment queued");
        } catch (caught) {
          notify(messageOf(caught), true);
        }
        await data.reload();
      },
    };
  }, [service, environment, project, data, notify]);

  if (data.service.error && !service) {
    return <LoadError error={data.service.error} retry={data.service.reload} />;
  }
  if (!view || !service) return <Loading />;
  const latest = view.deployments?.[0];

  return (
    <ServiceContext.Provider value={view}>
      <div className="page-head">
        <div className="service-head">
          <div className="service-icon" aria-hidden>
            {service.spec.slug.slice(0, 1)}
          </div>
          <div>
            <div className="row">
              <h1>{service.spec.slug}</h1>
              <ServiceBadge service={service} latest={latest} />
              {service.spec.mode === "job" ? (
                <Badge tone="info">Job: runs to completion on each deploy</Badge>
              ) : null}
            </div>
            <div className="muted mono">{sourceLabel(service)}</div>
          </div>
        </div>
        <div className="row">
          <RedeployButton />
          <DeployButton />
        </div>
      </div>
      <PendingBanner />
      <nav className="tabs" aria-label="Service sections">
        {tabsOf(service).map(([path, label]) => (
          <NavLink
            key={path}
            to={`/services/${service.id}${path ? "/" + path : ""}`}
            end={path === ""}
            className={({ isActive }) => (isActive ? "active" : "")}
          >
            {label}
          </NavLink>
        ))}
      </nav>
      <Routes>
        <Route index element={<Overview />} />
        <Route path="deployments" element={<Deployments />} />
        <Route path="logs" element={<Logs />} />
        <Route path="metrics" element={<Metrics />} />
        <Route path="variables" element={<Variables />} />
        <Route path="domains" element={<Domains />} />
        <Route path="volumes" element={<Volumes />} />
        <Route path="health" element={<Health />} />
        <Route path="resources" element={<ResourcesAndPlacementTab />} />
        <Route path="runs" element={<Runs />} />
        <Route path="backups" element={<Backups />} />
        <Route path="settings" element={<Settings />} />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </ServiceContext.Provider>
  );
}

function DeployButton() {
  const { deploy, service } = useService();
  const action = useAction(deploy);
  return (
    <Button
      variant="primary"
      busy={action.busy}
      disabled={Boolean(service.deleted_at)}
      onClick={() => void action.run()}
    >
      {service.spec.mode === "job" ? "Run job" : "Deploy"}
    </Button>
  );
}

function RedeployButton() {
  const { service, changes, reload } = useService();
  const { notify } = useApp();
  const action = useAction(async () => {
    try {
      await post(`/services/${service.id}/redeploy`);
      notify("Redeploying the live version");
    } catch (caught) {
      notify(messageOf(caught), true);
    }
    await reload();
  });
  if (!changes?.live_deployment_id) return null;
  return (
    <Button
      busy={action.busy}
      onClick={() => void action.run()}
      title="Deploy the live version again; pending changes stay pending"
    >
      {service.spec.mode === "job" ? "Run again" : "Redeploy"}
    </Button>
  );
}

/** The newest deployment, when it is still rolling out exactly the spec shown now. */
function rollingOutCurrentSpec(view: ServiceView): Deployment | undefined {
  const newest = view.deployments?.[0];
  if (!newest || isFinished(phaseOf(newest))) return undefined;
  return specChanges(newest.spec.service_spec, view.service.spec).length === 0 ? newest : undefined;
}

function DeployingBanner() {
  const { deployments, changes } = useService();
  const count = changes?.changes.length ?? 0;
  const text =
    deployments?.length === 1
      ? "The first deployment is on its way."
      : count > 0
        ? `Rolling out ${summarize(changes?.changes ?? []).replace("pending ", "")}.`
        : "Rolling out the same spec again.";
  return (
    <section className="banner" aria-label="Pending changes">
      <Badge tone="info" live>
        Deploying
      </Badge>
      <div className="grow">{text}</div>
    </section>
  );
}

function PendingBanner() {
  const view = useService();
  const { service, changes, deploy, reload } = view;
  const { notify } = useApp();
  const [open, setOpen] = useState(false);
  const deploying = useAction(deploy);
  const discarding = useAction(async () => {
    await post(`/services/${service.id}/discard`, undefined, service.generation);
    notify("Pending changes discarded");
    setOpen(false);
    await reload();
  });
  if (!changes || service.deleted_at) return null;
  if (rollingOutCurrentSpec(view)) return <DeployingBanner />;
  if (changes.changes.length === 0) return null;
  const never = changes.live_deployment_id === null;
  return (
    <section className="banner" aria-label="Pending changes">
      <div className="grow">
        <strong>{never ? "Not deployed yet" : summarize(changes.changes)}</strong>
        <div className="muted">
          {never ? "Deploy to start this service." : "Edits apply on the next deploy."}
        </div>
      </div>
      {!never ? (
        <Button small variant="ghost" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? "Hide changes" : "Review changes"}
        </Button>
      ) : null}
      {!never ? (
        <Button small busy={discarding.busy} onClick={() => void discarding.run()}>
          Discard
        </Button>
      ) : null}
      <Button small variant="primary" busy={deploying.busy} onClick={() => void deploying.run()}>
        Deploy
      </Button>
      {discarding.error ? (
        <div className="form-error" style={{ width: "100%" }}>
          {messageOf(discarding.error)}
        </div>
      ) : null}
      {open ? (
        <div style={{ width: "100%" }}>
          <DiffView changes={changes.changes} />
        </div>
      ) : null}
    </section>
  );
}
