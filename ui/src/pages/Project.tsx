// A project: its environments as tabs, and the services of the chosen one.

import { type FormEvent, useState } from "react";
import { Link, Navigate, useNavigate, useParams } from "react-router";
import { del, get, post } from "../api/client";
import { fieldErrors, unplacedErrors } from "../api/errors";
import type { Deployment, Environment, Page, Project, Service } from "../api/types";
import { useApp, useCrumbs } from "../components/app-context";
import { ServiceBadge } from "../components/status";
import {
  Button,
  Dialog,
  Empty,
  Field,
  FormErrors,
  LoadError,
  Skeletons,
  useAction,
} from "../components/ui";
import { databaseLabel } from "../lib/databases";
import { timeAgo } from "../lib/format";
import { usePoll, useTitle } from "../lib/hooks";
import { EnvironmentNetwork } from "./EnvironmentNetwork";
import { ConfirmDelete } from "./service/ConfirmDelete";
import { SharedVariables } from "./SharedVariables";

export function sourceLabel(service: Service): string {
  const source = service.spec.source;
  if (source.type === "database") return databaseLabel(source);
  return source.type === "image"
    ? source.image
    : `${source.repository_url} · ${source.branch ?? "main"}`;
}

export function ProjectPage() {
  const { projectId = "", environmentId } = useParams();
  const project = usePoll((signal) => get<Project>(`/projects/${projectId}`, signal), [projectId]);
  const environments = usePoll(
    (signal) => get<Page<Environment>>(`/projects/${projectId}/environments?limit=200`, signal),
    [projectId],
  );
  const [adding, setAdding] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const name = project.data?.spec.name ?? "";
  useTitle(name);
  useCrumbs(project.data ? [{ label: name, to: `/projects/${projectId}` }] : []);

  if (project.error) return <LoadError error={project.error} retry={project.reload} />;
  const envs = environments.data?.items ?? [];
  // The oldest environment (usually production) is the one shown first.
  const first = envs[envs.length - 1];
  if (!environmentId && first)
    return <Navigate to={`/projects/${projectId}/env/${first.id}`} replace />;
  const current = envs.find((env) => env.id === environmentId);

  return (
    <>
      <div className="page-head">
        <div>
          <h1>{name || "\u00a0"}</h1>
          <p>{project.data?.spec.description || "Environments and their services."}</p>
        </div>
        <div className="row">
          <Button variant="ghost" onClick={() => setDeleting(true)}>
            Delete project
          </Button>
          {current ? (
            <Link className="btn" to={`/projects/${projectId}/env/${current.id}/new-database`}>
              + New database
            </Link>
          ) : null}
          {current ? (
            <Link className="btn primary" to={`/projects/${projectId}/env/${current.id}/new`}>
              + New service
            </Link>
          ) : null}
        </div>
      </div>
      <nav className="env-tabs" aria-label="Environments">
        {[...envs].reverse().map((env) => (
          <Link
            key={env.id}
            to={`/projects/${projectId}/env/${env.id}`}
            className={env.id === environmentId ? "active" : ""}
            aria-current={env.id === environmentId ? "page" : undefined}
          >
            {env.spec.slug}
          </Link>
        ))}
        <Button variant="ghost" small onClick={() => setAdding(true)}>
          + Environment
        </Button>
      </nav>
      {environments.loading && !environments.data ? <Skeletons /> : null}
      {environments.data && envs.length === 0 ? (
        <div className="card">
          <Empty
            title="No environments"
            action={
              <Button variant="primary" onClick={() => setAdding(true)}>
                Add an environment
              </Button>
            }
          >
            Services live in an environment, like production or staging.
          </Empty>
        </div>
      ) : null}
      {current ? (
        <div className="stack">
          <Services projectId={projectId} environment={current} />
          <EnvironmentNetwork environment={current} />
          <SharedVariables key={current.id} environment={current} onSaved={environments.reload} />
        </div>
      ) : null}
      {adding ? (
        <NewEnvironment
          projectId={projectId}
          onClose={() => setAdding(false)}
          onCreated={environments.reload}
        />
      ) : null}
      {deleting && project.data ? (
        <DeleteProject project={project.data} onClose={() => setDeleting(false)} />
      ) : null}
    </>
  );
}

function Services({ projectId, environment }: { projectId: string; environment: Environment }) {
  const services = usePoll(
    (signal) => get<Page<Service>>(`/environments/${environment.id}/services?limit=200`, signal),
    [environment.id],
  );
  if (services.error) return <LoadError error={services.error} retry={services.reload} />;
  if (!services.data) return <Skeletons />;
  if (services.data.items.length === 0) {
    return (
      <div className="card">
        <Empty
          title="No services in this environment"
          action={
            <Link className="btn primary" to={`/projects/${projectId}/env/${environment.id}/new`}>
              Create a service
            </Link>
          }
        >
          Deploy a Docker image, or build one from a Git repository.
        </Empty>
      </div>
    );
  }
  return (
    <div className="grid">
      {services.data.items.map((service) => (
        <ServiceTile key={service.id} service={service} />
      ))}
    </div>
  );
}

function ServiceTile({ service }: { service: Service }) {
  const latest = usePoll(
    (signal) => get<Page<Deployment>>(`/services/${service.id}/deployments?limit=1`, signal),
    [service.id],
  );
  return (
    <Link to={`/services/${service.id}`} className="card tile">
      <div className="tile-title">
        <span>{service.spec.slug}</span>
        <ServiceBadge service={service} latest={latest.data?.items[0]} />
      </div>
      <div className="tile-sub mono">{sourceLabel(service)}</div>
      <div className="tile-foot">
        <span>
          {service.spec.replicas ?? 1} replica{service.spec.replicas === 1 ? "" : "s"}
        </span>
        <span>·</span>
        <span>
          {latest.data?.items[0]
            ? `deployed ${timeAgo(latest.data.items[0].created_at)}`
            : "never deployed"}
        </span>
      </div>
    </Link>
  );
}

function NewEnvironment({
  projectId,
  onClose,
  onCreated,
}: {
  projectId: string;
  onClose: () => void;
  onCreated: () => Promise<void>;
}) {
  const navigate = useNavigate();
  const [slug, setSlug] = useState("");
  const create = useAction(async () => {
    const env = await post<Environment>(`/projects/${projectId}/environments`, { slug });
    await onCreated();
    onClose();
    navigate(`/projects/${projectId}/env/${env.id}`);
  });
  const errors = fieldErrors(create.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void create.run();
  };
  return (
    <Dialog title="New environment" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <div className="card-body">
          <FormErrors messages={unplacedErrors(create.error, ["slug"])} />
          <Field label="Slug" error={errors.slug} hint="For example staging or preview.">
            {(props) => (
              <input
                {...props}
                type="text"
                className="mono"
                value={slug}
                onChange={(e) => setSlug(e.target.value)}
              />
            )}
          </Field>
        </div>
        <div className="card-foot">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={create.busy}>
            Create environment
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

function DeleteProject({ project, onClose }: { project: Project; onClose: () => void }) {
  const navigate = useNavigate();
  const { notify } = useApp();
  return (
    <ConfirmDelete
      title={`Delete ${project.spec.name}?`}
      slug={project.spec.slug}
      onClose={onClose}
      onConfirm={async () => {
        await del(`/projects/${project.id}`);
        notify(`Deleting ${project.spec.name}`);
        navigate("/");
      }}
    >
      Every environment, service, domain and deployment of this project is removed. Volumes are kept
      unless they were marked for purge.
    </ConfirmDelete>
  );
}
