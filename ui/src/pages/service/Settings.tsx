// The source and start command, and the danger zone.

import { type FormEvent, useState } from "react";
import { useNavigate } from "react-router";
import { del, get, put } from "../../api/client";
import { fieldErrors, unplacedErrors } from "../../api/errors";
import type { Page, Service, ServiceSpec, Volume } from "../../api/types";
import { useApp } from "../../components/app-context";
import { Button, Card, Field, FormErrors, useAction } from "../../components/ui";
import { usePoll } from "../../lib/hooks";
import { ConfirmDelete } from "./ConfirmDelete";
import { useService } from "./context";
import { useEnvironmentVolumes } from "./Volumes";

export function Settings() {
  return (
    <div className="stack">
      <SourceForm />
      <DangerZone />
    </div>
  );
}

/** Splits a command line into arguments, honouring simple quotes: a b "c d" → [a, b, c d]. */
export function splitCommand(text: string): string[] | null {
  const args = text.match(/"[^"]*"|'[^']*'|\S+/g);
  return args ? args.map((arg) => arg.replace(/^(["'])(.*)\1$/, "$2")) : null;
}

/** The inverse of splitCommand: arguments with spaces or quotes come back quoted, so saving
 * the form again keeps `sh -c '…'` one argument instead of splitting the script. */
export function joinCommand(args: readonly string[]): string {
  return args.map((arg) => (/[\s"']/.test(arg) || arg === "" ? (arg.includes("'") ? `"${arg}"` : `'${arg}'`) : arg)).join(" ");
}

const SOURCE_FIELDS: Record<string, string> = {
  "source.image": "image",
  "source.repository_url": "repository",
  "source.branch": "branch",
};

function SourceForm() {
  const { service, save } = useService();
  const { notify } = useApp();
  const source = service.spec.source;
  const [image, setImage] = useState(source.type === "image" ? source.image : "");
  const [repository, setRepository] = useState(source.type === "git" ? source.repository_url : "");
  const [branch, setBranch] = useState(source.type === "git" ? (source.branch ?? "main") : "");
  const [command, setCommand] = useState(joinCommand(service.spec.command ?? []));
  const saving = useAction(async () => {
    const next: ServiceSpec["source"] =
      source.type === "image" ? { ...source, image: image.trim() } : { ...source, repository_url: repository.trim(), branch: branch.trim() };
    await save({ source: next, command: splitCommand(command) });
    notify("Saved: deploy to apply");
  });
  const errors = fieldErrors(saving.error, SOURCE_FIELDS);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void saving.run();
  };
  return (
    <form onSubmit={submit} noValidate>
      <Card title="Source" description="Changes apply on the next deploy." footer={<Button type="submit" variant="primary" busy={saving.busy}>Save</Button>}>
        <div className="card-body form-grid">
          <FormErrors messages={unplacedErrors(saving.error, ["image", "repository", "branch", "command"], SOURCE_FIELDS)} />
          {source.type === "image" ? (
            <Field className="wide" label="Image" error={errors.image}>
              {(p) => <input {...p} type="text" className="mono" value={image} onChange={(e) => setImage(e.target.value)} />}
            </Field>
          ) : (
            <>
              <Field label="Repository URL" error={errors.repository}>
                {(p) => <input {...p} type="text" className="mono" value={repository} onChange={(e) => setRepository(e.target.value)} />}
              </Field>
              <Field label="Branch" error={errors.branch}>
                {(p) => <input {...p} type="text" className="mono" value={branch} onChange={(e) => setBranch(e.target.value)} />}
              </Field>
            </>
          )}
          <Field className="wide" label="Start command" error={errors.command} hint="Replaces the image's CMD; empty keeps it.">
            {(p) => <input {...p} type="text" className="mono" placeholder="from the image" value={command} onChange={(e) => setCommand(e.target.value)} />}
          </Field>
        </div>
      </Card>
    </form>
  );
}

/** The volumes only this service mounts: the ones a purge may remove. */
export function purgeable(service: Service, others: Service[], volumes: Volume[]): Volume[] {
  const mine = new Set((service.spec.volumes ?? []).map((m) => m.volume));
  const shared = new Set(others.filter((o) => o.id !== service.id && !o.deleted_at).flatMap((o) => (o.spec.volumes ?? []).map((m) => m.volume)));
  return volumes.filter((v) => mine.has(v.spec.slug) && !shared.has(v.spec.slug) && !v.deleted_at);
}

function DangerZone() {
  const { service, environment, project } = useService();
  const [confirming, setConfirming] = useState(false);
  return (
    <Card className="danger-zone" title="Danger zone" description="Deleting stops the service and removes its deployments and domains.">
      <div className="card-body row" style={{ justifyContent: "space-between" }}>
        <div>
          <strong>Delete this service</strong>
          <div className="muted">Its volumes are kept unless you choose to purge them.</div>
        </div>
        <Button variant="danger" disabled={Boolean(service.deleted_at)} onClick={() => setConfirming(true)}>
          {service.deleted_at ? "Deleting…" : "Delete service"}
        </Button>
      </div>
      {confirming ? <DeleteService onClose={() => setConfirming(false)} back={project && environment ? `/projects/${project.id}/env/${environment.id}` : "/"} /> : null}
    </Card>
  );
}

function DeleteService({ onClose, back }: { onClose: () => void; back: string }) {
  const { service } = useService();
  const { notify } = useApp();
  const navigate = useNavigate();
  const [purge, setPurge] = useState(false);
  const volumes = useEnvironmentVolumes(service.parent_id);
  const others = usePoll((s) => get<Page<Service>>(`/environments/${service.parent_id}/services?limit=200`, s), [service.parent_id], null);
  const doomed = purgeable(service, others.data?.items ?? [], volumes.data?.items ?? []);
  const purgeAll = useAction(async () => {
    for (const volume of doomed) {
      // Marked first, so the volumes controller removes the data, not only the name.
      const marked = await put<Volume>(`/volumes/${volume.id}`, { ...volume.spec, purge_on_delete: true }, volume.generation);
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
        notify(`Deleting ${service.spec.slug}${purge && doomed.length ? ` and ${doomed.length} volume(s)` : ""}`);
        navigate(back);
      }}
      extra={
        <>
          {doomed.length > 0 ? (
            <label className="check">
              <input type="checkbox" checked={purge} onChange={(e) => setPurge(e.target.checked)} />
              <span>
                Also delete its volumes and their data: <span className="mono">{doomed.map((v) => v.spec.slug).join(", ")}</span>
                <div className="muted">This cannot be undone.</div>
              </span>
            </label>
          ) : (
            <p className="muted" style={{ margin: 0 }}>No volume of its own to purge.</p>
          )}
          <FormErrors messages={unplacedErrors(purgeAll.error, [])} />
        </>
      }
    >
      The service stops, and its deployments and domains are removed.
    </ConfirmDelete>
  );
}
