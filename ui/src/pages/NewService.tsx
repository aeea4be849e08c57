// Create a service from an image or from a Git repository with a Dockerfile: long-running, or
// a job that runs to completion (a migration, a script).

import { type FormEvent, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { post } from "../api/client";
import { fieldErrors, FormProblem, unplacedErrors } from "../api/errors";
import type { Service, ServiceSpecInput } from "../api/types";
import { CredentialFields } from "../components/CredentialFields";
import { Button, Card, Field, FormErrors, useAction } from "../components/ui";
import { splitCommand } from "../lib/command";
import { type CredentialsForm, credentialsFormOf, credentialsOf } from "../lib/gitsource";
import { useEnvironmentPage } from "../lib/environment-page";

type Kind = "image" | "git";

interface Draft {
  kind: Kind;
  job: boolean;
  command: string;
  slug: string;
  image: string;
  repository: string;
  branch: string;
  dockerfile: string;
  credentials: CredentialsForm;
}

/** The spec to create, or (by form field) what the form could not read, so nothing is sent. */
export function specFromDraft(
  draft: Draft,
): { spec: ServiceSpecInput } | { errors: Record<string, string> } {
  const made = sourceSpecFromDraft(draft);
  if ("errors" in made || !draft.job) return made;
  const command = splitCommand(draft.command);
  return { spec: { ...made.spec, mode: "job", ...(command ? { command } : {}) } };
}

function sourceSpecFromDraft(
  draft: Draft,
): { spec: ServiceSpecInput } | { errors: Record<string, string> } {
  if (draft.kind === "image")
    return {
      spec: { slug: draft.slug.trim(), source: { type: "image", image: draft.image.trim() } },
    };
  const access = credentialsOf(draft.credentials);
  if ("errors" in access) return { errors: { ...access.errors } };
  const source: ServiceSpecInput["source"] = {
    type: "git",
    repository_url: draft.repository.trim(),
    branch: draft.branch.trim() || "main",
    dockerfile_path: draft.dockerfile.trim() || "Dockerfile",
    ...(access.credentials ? { credentials: access.credentials } : {}),
  };
  return { spec: { slug: draft.slug.trim(), source } };
}

const RENAME: Record<string, string> = {
  "source.image": "image",
  "source.repository_url": "repository",
  "source.branch": "branch",
  "source.dockerfile_path": "dockerfile",
  "source.credentials": "credentials",
  "source.credentials.token": "credentialToken",
  "source.credentials.username": "credentialUsername",
  "source.credentials.ssh_key": "sshKey",
};

export const EMPTY_DRAFT: Draft = {
  kind: "image",
  job: false,
  command: "",
  slug: "",
  image: "",
  repository: "",
  branch: "main",
  dockerfile: "Dockerfile",
  credentials: credentialsFormOf(null),
};

export function NewService() {
  const { projectId = "", environmentId = "" } = useParams();
  const navigate = useNavigate();
  useEnvironmentPage(projectId, environmentId, "New service", "new");
  const [draft, setDraft] = useState<Draft>(EMPTY_DRAFT);
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const create = useAction(async () => {
    const made = specFromDraft(draft);
    if ("errors" in made) throw new FormProblem(made.errors);
    const service = await post<Service>(`/environments/${environmentId}/services`, made.spec);
    navigate(`/services/${service.id}`);
  });
  const errors = fieldErrors(create.error, RENAME);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void create.run();
  };

  return (
    <form onSubmit={submit} noValidate style={{ maxWidth: 720 }}>
      <div className="page-head">
        <div>
          <h1>New service</h1>
          <p>It is created with nothing running; review it, then deploy.</p>
        </div>
      </div>
      <Card
        footer={
          <>
            <Button onClick={() => navigate(-1)}>Cancel</Button>
            <Button type="submit" variant="primary" busy={create.busy}>
              Create service
            </Button>
          </>
        }
      >
        <div className="card-body stack">
          <div className="choice-grid" role="group" aria-label="Source">
            <button
              type="button"
              className="choice"
              aria-pressed={draft.kind === "image"}
              onClick={() => set({ kind: "image" })}
            >
              <strong>Docker image</strong>
              <span>Run an image from a registry, like nginx:1.27</span>
            </button>
            <button
              type="button"
              className="choice"
              aria-pressed={draft.kind === "git"}
              onClick={() => set({ kind: "git" })}
            >
              <strong>Git repository</strong>
              <span>Build the image from a Dockerfile in a repository</span>
            </button>
          </div>
          <FormErrors
            messages={unplacedErrors(
              create.error,
              ["slug", "command", ...Object.values(RENAME)],
              RENAME,
            )}
          />
          <Field
            label="Name"
            error={errors.slug}
            hint="Unique in the environment; also its address for other services."
          >
            {(props) => (
              <input
                {...props}
                type="text"
                className="mono"
                placeholder="web"
                value={draft.slug}
                onChange={(e) => set({ slug: e.target.value })}
              />
            )}
          </Field>
          {draft.kind === "image" ? (
            <Field
              label="Image"
              error={errors.image}
              hint="A tag or a digest; without a tag, latest is used."
            >
              {(props) => (
                <input
                  {...props}
                  type="text"
                  className="mono"
                  placeholder="nginx:1.27"
                  value={draft.image}
                  onChange={(e) => set({ image: e.target.value })}
                />
              )}
            </Field>
          ) : (
            <div className="form-grid">
              <Field className="wide" label="Repository URL" error={errors.repository}>
                {(props) => (
                  <input
                    {...props}
                    type="text"
                    className="mono"
                    placeholder="https://github.com/acme/app.git"
                    value={draft.repository}
                    onChange={(e) => set({ repository: e.target.value })}
                  />
                )}
              </Field>
              <Field label="Branch" error={errors.branch}>
                {(props) => (
                  <input
                    {...props}
                    type="text"
                    className="mono"
                    value={draft.branch}
                    onChange={(e) => set({ branch: e.target.value })}
                  />
                )}
              </Field>
              <Field label="Dockerfile" error={errors.dockerfile}>
                {(props) => (
                  <input
                    {...props}
                    type="text"
                    className="mono"
                    value={draft.dockerfile}
                    onChange={(e) => set({ dockerfile: e.target.value })}
                  />
                )}
              </Field>
              <CredentialFields
                form={draft.credentials}
                repository={draft.repository}
                onChange={(credentials) => set({ credentials })}
                errors={errors}
              />
            </div>
          )}
          <div className="choice-grid" role="group" aria-label="Runs as">
            <button
              type="button"
              className="choice"
              aria-pressed={!draft.job}
              onClick={() => set({ job: false })}
            >
              <strong>Long-running service</strong>
              <span>Keeps running; each deploy is health-gated, with no downtime</span>
            </button>
            <button
              type="button"
              className="choice"
              aria-pressed={draft.job}
              onClick={() => set({ job: true })}
            >
              <strong>Job</strong>
              <span>Runs to completion on each deploy: a migration, a script</span>
            </button>
          </div>
          {draft.job ? (
            <Field
              label="Command"
              error={errors.command}
              hint="What the job runs; empty keeps the image's own command. It succeeds when it exits 0."
            >
              {(props) => (
                <input
                  {...props}
                  type="text"
                  className="mono"
                  placeholder="python manage.py migrate"
                  value={draft.command}
                  onChange={(e) => set({ command: e.target.value })}
                />
              )}
            </Field>
          ) : null}
        </div>
      </Card>
    </form>
  );
}
