// Volumes mounted into the service: part of its spec (pending until deployed). A new
// volume is created in the environment first, then mounted. Each mounted volume's snapshots
// (back up now, schedule, restore into a new volume) follow.

import { type FormEvent, useState } from "react";
import { get, post } from "../../api/client";
import { fieldErrors, unplacedErrors } from "../../api/errors";
import type { Page, Volume, VolumeMount } from "../../api/types";
import { useApp } from "../../components/app-context";
import { Badge, Button, Card, Empty, Field, FormErrors, useAction } from "../../components/ui";
import { usePoll } from "../../lib/hooks";
import { serverOf } from "../../lib/pinning";
import { useService } from "./context";
import { VolumeSnapshots } from "./VolumeSnapshots";

const NEW = "__new__";

export function useEnvironmentVolumes(environmentId: string | null) {
  return usePoll(
    (s) =>
      environmentId
        ? get<Page<Volume>>(`/environments/${environmentId}/volumes?limit=200`, s)
        : Promise.resolve(undefined),
    [environmentId],
  );
}

export function Volumes() {
  const { service, save } = useService();
  const { notify } = useApp();
  const volumes = useEnvironmentVolumes(service.parent_id);
  const mounts = service.spec.volumes ?? [];
  const remove = useAction(async (path: string) => {
    await save({ volumes: mounts.filter((m) => m.container_path !== path) });
    notify("Mount removed: deploy to apply");
  });

  return (
    <div className="stack">
      <Card
        title="Mounted volumes"
        description="Data that outlives containers. Changes apply on the next deploy."
      >
        {mounts.length === 0 ? (
          <Empty title="No volumes">This service keeps no data between deployments.</Empty>
        ) : null}
        <ul className="list">
          {mounts.map((mount) => {
            const volume = volumes.data?.items.find((v) => v.spec.slug === mount.volume);
            return (
              <li key={mount.container_path}>
                <div style={{ flex: 1 }}>
                  <strong className="mono">{mount.container_path}</strong>
                  <div className="muted" style={{ fontSize: 13 }}>
                    volume {mount.volume}
                    {volume?.spec.kind === "host_path"
                      ? ` · host folder ${volume.spec.host_path}`
                      : ""}
                    {volume && serverOf(volume) ? ` · on server ${serverOf(volume)}` : ""}
                  </div>
                </div>
                {mount.read_only ? <Badge>read-only</Badge> : null}
                <Button
                  small
                  variant="ghost"
                  busy={remove.busy}
                  onClick={() => void remove.run(mount.container_path)}
                >
                  Unmount
                </Button>
              </li>
            );
          })}
        </ul>
      </Card>
      <MountForm volumes={volumes.data?.items ?? []} mounts={mounts} onCreated={volumes.reload} />
      {mounts.map((mount) => {
        // Its snapshots once the volume is read (a mount of a volume not yet there: none).
        const volume = volumes.data?.items.find((v) => v.spec.slug === mount.volume);
        return volume ? (
          <VolumeSnapshots key={volume.id} volume={volume} onSaved={() => void volumes.reload()} />
        ) : null;
      })}
    </div>
  );
}

function MountForm({
  volumes,
  mounts,
  onCreated,
}: {
  volumes: Volume[];
  mounts: VolumeMount[];
  onCreated: () => Promise<void>;
}) {
  const { service, save } = useService();
  const { notify } = useApp();
  const [choice, setChoice] = useState(NEW);
  const [slug, setSlug] = useState("");
  const [kind, setKind] = useState<"named" | "host_path">("named");
  const [hostPath, setHostPath] = useState("");
  const [path, setPath] = useState("/data");
  const [readOnly, setReadOnly] = useState(false);
  const createVolume = useAction(async () => {
    await post<Volume>(`/environments/${service.parent_id}/volumes`, {
      slug: slug.trim(),
      kind,
      ...(kind === "host_path" ? { host_path: hostPath.trim() } : {}),
    });
    await onCreated();
    return true;
  });
  const mount = useAction(async (volume: string) => {
    await save({
      volumes: [...mounts, { volume, container_path: path.trim(), read_only: readOnly }],
    });
    notify("Volume mounted: deploy to apply");
    setChoice(volume);
  });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (choice === NEW) {
      const created = await createVolume.run();
      if (!created) return;
    }
    await mount.run(choice === NEW ? slug.trim() : choice);
  };
  const volumeErrors = fieldErrors(createVolume.error);
  const mountErrors = fieldErrors(mount.error);
  const pathError = Object.entries(mountErrors).find(([key]) => key.startsWith("volumes."))?.[1];

  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <Card
        title="Mount a volume"
        footer={
          <Button type="submit" variant="primary" busy={createVolume.busy || mount.busy}>
            Mount
          </Button>
        }
      >
        <div className="card-body form-grid">
          <FormErrors
            messages={[
              ...unplacedErrors(createVolume.error, ["slug", "kind", "host_path"]),
              ...(pathError ? [] : unplacedErrors(mount.error, [])),
            ]}
          />
          <Field label="Volume">
            {(props) => (
              <select {...props} value={choice} onChange={(e) => setChoice(e.target.value)}>
                <option value={NEW}>New volume…</option>
                {volumes.map((v) => (
                  <option key={v.id} value={v.spec.slug}>
                    {v.spec.slug}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Mount path" error={pathError} hint="Where it appears inside the container.">
            {(props) => (
              <input
                {...props}
                type="text"
                className="mono"
                value={path}
                onChange={(e) => setPath(e.target.value)}
              />
            )}
          </Field>
          {choice === NEW ? (
            <>
              <Field label="New volume's name" error={volumeErrors.slug}>
                {(props) => (
                  <input
                    {...props}
                    type="text"
                    className="mono"
                    placeholder="data"
                    value={slug}
                    onChange={(e) => setSlug(e.target.value)}
                  />
                )}
              </Field>
              <Field label="Kind" error={volumeErrors.kind}>
                {(props) => (
                  <select
                    {...props}
                    value={kind}
                    onChange={(e) => setKind(e.target.value as "named" | "host_path")}
                  >
                    <option value="named">Docker volume</option>
                    <option value="host_path">Folder of the host</option>
                  </select>
                )}
              </Field>
              {kind === "host_path" ? (
                <Field className="wide" label="Host folder" error={volumeErrors.host_path}>
                  {(props) => (
                    <input
                      {...props}
                      type="text"
                      className="mono"
                      placeholder="/srv/zane/data"
                      value={hostPath}
                      onChange={(e) => setHostPath(e.target.value)}
                    />
                  )}
                </Field>
              ) : null}
            </>
          ) : null}
          <label className="check wide">
            <input
              type="checkbox"
              checked={readOnly}
              onChange={(e) => setReadOnly(e.target.checked)}
            />{" "}
            Read-only
          </label>
        </div>
      </Card>
    </form>
  );
}
