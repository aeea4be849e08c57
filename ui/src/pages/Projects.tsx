import { type FormEvent, useState } from "react";
import { Link, useNavigate } from "react-router";
import { get, post } from "../api/client";
import { fieldErrors, unplacedErrors } from "../api/errors";
import type { Page, Project } from "../api/types";
import { useCrumbs } from "../components/app-context";
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
import { timeAgo } from "../lib/format";
import { usePoll, useTitle } from "../lib/hooks";
import { slugify } from "../lib/slug";

export function Projects() {
  useTitle("Projects");
  useCrumbs([]);
  const [creating, setCreating] = useState(false);
  const projects = usePoll((signal) => get<Page<Project>>("/projects?limit=200", signal), []);

  return (
    <>
      <div className="page-head">
        <div>
          <h1>Projects</h1>
          <p>Each project holds environments, and each environment its services.</p>
        </div>
        <Button variant="primary" onClick={() => setCreating(true)}>
          + New project
        </Button>
      </div>
      {projects.error ? <LoadError error={projects.error} retry={projects.reload} /> : null}
      {projects.loading && !projects.data ? <Skeletons /> : null}
      {projects.data && projects.data.items.length === 0 ? (
        <div className="card">
          <Empty
            title="No projects yet"
            action={
              <Button variant="primary" onClick={() => setCreating(true)}>
                Create your first project
              </Button>
            }
          >
            A project groups the services of one app, with an environment for each stage
            (production, staging…).
          </Empty>
        </div>
      ) : null}
      <div className="grid">
        {projects.data?.items.map((project) => (
          <Link key={project.id} to={`/projects/${project.id}`} className="card tile">
            <div className="tile-title">
              <span>{project.spec.name}</span>
              {project.deleted_at ? <span className="badge bad">Deleting</span> : null}
            </div>
            <div className="tile-sub">{project.spec.description || project.spec.slug}</div>
            <div className="tile-foot">Created {timeAgo(project.created_at)}</div>
          </Link>
        ))}
      </div>
      {creating ? <NewProject onClose={() => setCreating(false)} /> : null}
    </>
  );
}

function NewProject({ onClose }: { onClose: () => void }) {
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [slug, setSlug] = useState("");
  const [slugTouched, setSlugTouched] = useState(false);
  const [description, setDescription] = useState("");
  const create = useAction(async () => {
    const project = await post<Project>("/projects", { name, slug, description });
    // Every project starts with a production environment, so services have somewhere to go.
    await post(`/projects/${project.id}/environments`, { slug: "production" });
    navigate(`/projects/${project.id}`);
  });
  const errors = fieldErrors(create.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void create.run();
  };

  return (
    <Dialog title="New project" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <div className="card-body">
          <FormErrors messages={unplacedErrors(create.error, ["name", "slug", "description"])} />
          <Field label="Name" error={errors.name}>
            {(props) => (
              <input
                {...props}
                type="text"
                value={name}
                placeholder="My shop"
                onChange={(event) => {
                  setName(event.target.value);
                  if (!slugTouched) setSlug(slugify(event.target.value));
                }}
              />
            )}
          </Field>
          <Field
            label="Slug"
            error={errors.slug}
            hint="Lowercase letters, digits and hyphens; used in URLs and resource names."
          >
            {(props) => (
              <input
                {...props}
                type="text"
                className="mono"
                value={slug}
                onChange={(event) => {
                  setSlugTouched(true);
                  setSlug(event.target.value);
                }}
              />
            )}
          </Field>
          <Field label="Description" error={errors.description}>
            {(props) => (
              <input
                {...props}
                type="text"
                value={description}
                placeholder="Optional"
                onChange={(event) => setDescription(event.target.value)}
              />
            )}
          </Field>
        </div>
        <div className="card-foot">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={create.busy}>
            Create project
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
