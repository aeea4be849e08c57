// The source and start command, and the danger zone.

import { type FormEvent, useState } from "react";
import { useNavigate } from "react-router";
import { del, get, put } from "../../api/client";
import { fieldErrors, FormProblem, unplacedErrors } from "../../api/errors";
import type {
  DatabaseSource,
  Page,
  Service,
  ServiceSpec,
  ServiceSpecInput,
  Volume,
} from "../../api/types";
import { useApp } from "../../components/app-context";
import { Button, Card, Field, FormErrors, useAction } from "../../components/ui";
import { CredentialFields } from "../../components/CredentialFields";
import { joinCommand, splitCommand } from "../../lib/command";
import { databaseLabel } from "../../lib/databases";
import { credentialsFormOf, formOf, type GitForm, sourceOf } from "../../lib/gitsource";
import { usePoll } from "../../lib/hooks";
import { ConfirmDelete } from "./ConfirmDelete";
import { useService } from "./context";
import { useEnvironmentVolumes } from "./Volumes";
import { WebhookPanel } from "./Webhook";

export function Settings() {
  const { service } = useService();
  return (
    <div className="stack">
      {service.spec.source.type === "database" ? (
        <DatabaseEngine source={service.spec.source} />
      ) : (
        <SourceForm />
      )}
      {service.spec.source.type === "git" ? <WebhookPanel /> : null}
      <DangerZone />
    </div>
  );
}

const SOURCE_FIELDS: Record<string, string> = {
  "source.image": "image",
  "source.repository_url": "repository",
  "source.branch": "branch",
  "source.commit": "commit",
  "source.dockerfile_path": "dockerfile",
  "source.context": "context",
  "source.build_args": "buildArgs",
  "source.target": "target",
  "source.watch_paths": "watchPaths",
  "source.config_file": "configFile",
  "source.credentials": "credentials",
  "source.credentials.token": "credentialToken",
  "source.credentials.username": "credentialUsername",
  "source.credentials.ssh_key": "sshKey",
};
const GIT_FIELDS = [
  "repository",
  "branch",
  "commit",
  "dockerfile",
  "context",
  "buildArgs",
  "target",
  "watchPaths",
  "configFile",
  "credentials",
  "credentialToken",
  "credentialUsername",
  "sshKey",
];

function DatabaseEngine({ source }: { source: DatabaseSource }) {
  return (
    <Card
      title="Engine"
      description="Written into the data directory when the database was made: it cannot be changed in place."
    >
      <div className="card-body">
        <p style={{ margin: 0 }}>
          <strong>{databaseLabel(source)}</strong>{" "}
          <span className="muted">
            To move to another version, create a new database at that version and restore a backup
            of this one into it.
          </span>
        </p>
      </div>
    </Card>
  );
}

function SourceForm() {
  const { service, save } = useService();
  const { notify } = useApp();
  const source = service.spec.source;
  const [image, setImage] = useState(source.type === "image" ? source.image : "");
  const [git, setGit] = useState<GitForm | null>(source.type === "git" ? formOf(source) : null);
  const [command, setCommand] = useState(joinCommand(service.spec.command ?? []));
  const saving = useAction(async () => {
    const saved = await save({
      source: nextSource(source, image, git),
      command: splitCommand(command),
    });
    // The typed secret is stored now: show it as stored, never keep it in the page.
    const stored = saved.spec.source.type === "git" ? saved.spec.source.credentials : null;
    setGit((form) => form && { ...form, credentials: credentialsFormOf(stored) });
    notify("Saved: deploy to apply");
  });
  const errors = fieldErrors(saving.error, SOURCE_FIELDS);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void saving.run();
  };
  const placed = ["image", "command", ...GIT_FIELDS];
  return (
    <form onSubmit={submit} noValidate>
      <Card
        title="Source"
        description="Changes apply on the next deploy."
        footer={
          <Button type="submit" variant="primary" busy={saving.busy}>
            Save
          </Button>
        }
      >
        <div className="card-body form-grid">
          <FormErrors messages={unplacedErrors(saving.error, placed, SOURCE_FIELDS)} />
          {git === null ? (
            <Field className="wide" label="Image" error={errors.image}>
              {(p) => (
                <input
                  {...p}
                  type="text"
                  className="mono"
                  value={image}
                  onChange={(e) => setImage(e.target.value)}
                />
              )}
            </Field>
          ) : (
            <GitFields form={git} onChange={setGit} errors={errors} />
          )}
          <Field
            className="wide"
            label="Start command"
            error={errors.command}
            hint="Replaces the image's CMD; empty keeps it."
          >
            {(p) => (
              <input
                {...p}
                type="text"
                className="mono"
                placeholder="from the image"
                value={command}
                onChange={(e) => setCommand(e.target.value)}
              />
            )}
          </Field>
        </div>
      </Card>
    </form>
  );
}

function nextSource(
  source: ServiceSpec["source"],
  image: string,
  git: GitForm | null,
): ServiceSpecInput["source"] {
  if (source.type === "database") return source;
  if (source.type === "image" || git === null)
    return { ...source, image: image.trim() } as ServiceSpec["source"];
  const next = sourceOf(git, source);
  if ("errors" in next) throw new FormProblem({ ...next.errors });
  return next.source;
}

type GitField = Exclude<keyof GitForm, "credentials">;

/** The Git source's fields: where to clone, what to build, and which pushes deploy. */
function GitFields({
  form,
  onChange,
  errors,
}: {
  form: GitForm;
  onChange: (form: GitForm) => void;
  errors: Record<string, string>;
}) {
  const bind = (name: GitField) => ({
    value: form[name],
    onChange: (e: { target: { value: string } }) => onChange({ ...form, [name]: e.target.value }),
  });
  const text = (name: GitField, label: string, hint?: string, placeholder?: string) => (
    <Field label={label} error={errors[name]} hint={hint}>
      {(p) => (
        <input {...p} type="text" className="mono" placeholder={placeholder} {...bind(name)} />
      )}
    </Field>
  );
  return (
    <>
      {text("repository", "Repository URL", "https://, ssh://, git@host:path or a local path.")}
      {text("branch", "Branch", "Pushes to other branches deploy nothing.")}
      {text("commit", "Commit", "Pin a commit; empty builds the branch's head.", "branch head")}
      {text("dockerfile", "Dockerfile path", "Relative to the repository root.")}
      {text("context", "Build context", "The folder sent to the build; '.' is the root.")}
      {text(
        "target",
        "Target stage",
        "For a multi-stage Dockerfile; empty builds the last stage.",
        "last stage",
      )}
      <Field
        className="wide"
        label="Build arguments"
        error={errors.buildArgs}
        hint="One NAME=value per line, for the Dockerfile's ARGs."
      >
        {(p) => (
          <textarea {...p} className="mono" rows={3} spellCheck={false} {...bind("buildArgs")} />
        )}
      </Field>
      <Field
        className="wide"
        label="Watch paths"
        error={errors.watchPaths}
        hint="One glob per line: a push deploys only if it changes a matching file (src/** , **/*.py, docs/). Empty: every push deploys."
      >
        {(p) => (
          <textarea {...p} className="mono" rows={3} spellCheck={false} {...bind("watchPaths")} />
        )}
      </Field>
      {text(
        "configFile",
        "Config file",
        "Config as code: a zaneops.yaml of the repository whose service section (replicas, command, env, resources, health check) is applied before each build. Empty: off.",
        "off (e.g. zaneops.yaml)",
      )}
      <CredentialFields
        form={form.credentials}
        repository={form.repository}
        onChange={(credentials) => onChange({ ...form, credentials })}
        errors={errors}
      />
    </>
  );
}

/** The volumes only this service mounts: the ones a purge may remove. */
export function purgeable(service: Service, others: Service[], volumes: Volume[]): Volume[] {
  const mine = new Set((service.spec.volumes ?? []).map((m) => m.volume));
  const shared = new Set(
    others
      .filter((o) => o.id !== service.id && !o.deleted_at)
      .flatMap((o) => (o.spec.volumes ?? []).map((m) => m.volume)),
  );
  return volumes.filter((v) => mine.has(v.spec.slug) && !shared.has(v.spec.slug) && !v.deleted_at);
}

function DangerZone() {
  const { service, environment, project } = useService();
  const [confirming, setConfirming] = useState(false);
  return (
    <Card
      className="danger-zone"
      title="Danger zone"
      description="Deleting stops the service and removes its deployments and domains."
    >
      <div className="card-body row" style={{ justifyContent: "space-between" }}>
        <div>
          <strong>Delete this service</strong>
          <div className="muted">Its volumes are kept unless you choose to purge them.</div>
        </div>
        <Button
          variant="danger"
          disabled={Boolean(service.deleted_at)}
          onClick={() => setConfirming(true)}
        >
          {service.deleted_at ? "Deleting…" : "Delete service"}
        </Button>
      </div>
      {confirming ? (
        <DeleteService
          onClose={() => setConfirming(false)}
          back={project && environment ? `/projects/${project.id}/env/${environment.id}` : "/"}
        />
      ) : null}
    </Card>
  );
}

function DeleteService({ onClose, back }: { onClose: () => void; back: string }) {
  const { service } = useService();
  const { notify } = useApp();
  const navigate = useNavigate();
  const [purge, setPurge] = useState(false);
  const volumes = useEnvironmentVolumes(service.parent_id);
  const others = usePoll(
    (s) => get<Page<Service>>(`/environments/${service.parent_id}/services?limit=200`, s),
    [service.parent_id],
    null,
  );
  const doomed = purgeable(service, others.data?.items ?? [], volumes.data?.items ?? []);
  const purgeAll = useAction(async () => {
    for (const volume of doomed) {
      // Marked first, so the volumes controller removes the data, not only the name.
      const marked = await put<Volume>(
        `/volumes/${volume.id}`,
        { ...volume.spec, purge_on_delete: true },
        volume.generation,
      );
      await del(`/volumes/${marked.id}`);
    }
  });

  return (
    <ConfirmDelete
      title={`Delete ${service.spec.slug}?`}
      slug={service.spec.slug}
      onClose={onClose}
      onConfirm={async () => {
        await del(`/services/${service.id}`);
        if (purge) await purgeAll.run();
        notify(
          `Deleting ${service.spec.slug}${purge && doomed.length ? ` and ${doomed.length} volume(s)` : ""}`,
        );
        navigate(back);
      }}
      extra={
        <>
          {doomed.length > 0 ? (
            <label className="check">
              <input type="checkbox" checked={purge} onChange={(e) => setPurge(e.target.checked)} />
              <span>
                Also delete its volumes and their data:{" "}
                <span className="mono">{doomed.map((v) => v.spec.slug).join(", ")}</span>
                <div className="muted">This cannot be undone.</div>
              </span>
            </label>
          ) : (
            <p className="muted" style={{ margin: 0 }}>
              No volume of its own to purge.
            </p>
          )}
          <FormErrors messages={unplacedErrors(purgeAll.error, [])} />
        </>
      }
    >
      The service stops, and its deployments and domains are removed.
    </ConfirmDelete>
  );
}
