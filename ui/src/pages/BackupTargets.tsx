// Backup targets: S3-compatible stores a database's backup policy may keep its backups in.
// List, add, edit (the secret stays masked, and kept while left so) and delete (refused while
// backups are still kept there).

import { type FormEvent, useState } from "react";
import { del, get, post, put } from "../api/client";
import { fieldErrors, messageOf, unplacedErrors } from "../api/errors";
import type { BackupTarget, Page } from "../api/types";
import { useApp } from "../components/app-context";
import {
  Button,
  Card,
  Empty,
  Field,
  FormErrors,
  LoadError,
  Skeletons,
  useAction,
} from "../components/ui";
import {
  bucketPathOf,
  liveTargets,
  type TargetField,
  TARGET_FIELDS,
  targetSpecOf,
  type TargetValues,
  targetValuesOf,
} from "../lib/backup-targets";
import { usePoll, useTitle } from "../lib/hooks";

// The most the API keeps (MAX_TARGETS), so one page holds them all.
export const TARGETS_PATH = "/backup-targets?limit=50";

export function BackupTargets() {
  useTitle("Backup targets");
  const targets = usePoll((s) => get<Page<BackupTarget>>(TARGETS_PATH, s), [], 30_000);
  const [editing, setEditing] = useState<BackupTarget | "new" | null>(null);
  const items = liveTargets(targets.data?.items ?? []);
  const done = () => {
    setEditing(null);
    void targets.reload();
  };
  const addButton = (
    <Button variant="primary" onClick={() => setEditing("new")}>
      Add a backup target
    </Button>
  );
  return (
    <div className="stack">
      <div className="row" style={{ alignItems: "center" }}>
        <h1 className="grow">Backup targets</h1>
        {editing === null && items.length > 0 ? addButton : null}
      </div>
      {editing !== null ? (
        <TargetForm
          key={editing === "new" ? "new" : editing.id}
          target={editing === "new" ? undefined : editing}
          onDone={done}
          onCancel={() => setEditing(null)}
        />
      ) : null}
      {targets.error && !targets.data ? (
        <LoadError error={targets.error} retry={targets.reload} />
      ) : null}
      {targets.loading && !targets.data ? <Skeletons count={2} /> : null}
      {targets.data && items.length === 0 && editing === null ? (
        <Empty
          title="No backup targets: backups stay in the platform's backups folder"
          action={addButton}
        >
          Add an S3-compatible store (AWS S3, MinIO, Backblaze B2, Wasabi, Cloudflare R2…), then
          choose it in a database&apos;s Backups tab to keep its backups off this server.
        </Empty>
      ) : null}
      {items.length > 0 ? (
        <Card
          title="Stores"
          description="A database's backups go where its Backups tab says; each is uploaded while it is dumped, then read back to be verified."
        >
          <ul className="list" aria-label="Backup targets">
            {items.map((target) => (
              <TargetRow
                key={target.id}
                target={target}
                onEdit={() => setEditing(target)}
                onDeleted={() => void targets.reload()}
              />
            ))}
          </ul>
        </Card>
      ) : null}
    </div>
  );
}

function TargetRow({
  target,
  onEdit,
  onDeleted,
}: {
  target: BackupTarget;
  onEdit: () => void;
  onDeleted: () => void;
}) {
  const { notify } = useApp();
  const [confirming, setConfirming] = useState(false);
  const remove = useAction(async () => {
    await del(`/backup-targets/${target.id}`);
    notify(`${target.spec.name} deleted`);
    onDeleted();
  });
  const { spec } = target;
  return (
    <li data-testid="backup-target" aria-label={`Backup target ${spec.name}`}>
      <div style={{ display: "grid", gap: 4, flex: 1 }}>
        <div className="row" style={{ gap: 8, alignItems: "center" }}>
          <strong>{spec.name}</strong>
          <span className="mono muted">{bucketPathOf(spec)}</span>
          <span style={{ flex: 1 }} />
          <Button small onClick={onEdit}>
            Edit
          </Button>
          {confirming ? (
            <>
              <Button small variant="ghost" onClick={() => setConfirming(false)}>
                Keep
              </Button>
              <Button small variant="danger" busy={remove.busy} onClick={() => void remove.run()}>
                Delete {spec.name}
              </Button>
            </>
          ) : (
            <Button small variant="ghost" onClick={() => setConfirming(true)}>
              Delete…
            </Button>
          )}
        </div>
        <div className="mono muted">
          {spec.endpoint} · {spec.region} · key {spec.access_key_id} · secret{" "}
          <span data-testid="secret">{spec.secret_access_key}</span>
        </div>
        <FormErrors messages={remove.error ? [messageOf(remove.error)] : []} />
      </div>
    </li>
  );
}

interface FieldLook {
  label: string;
  hint?: string;
  placeholder?: string;
}

const LOOKS: Record<TargetField, FieldLook> = {
  name: { label: "Name", placeholder: "offsite" },
  endpoint: {
    label: "Endpoint",
    placeholder: "https://s3.eu-west-1.amazonaws.com",
    hint: "Scheme, host and port only; the bucket has its own field.",
  },
  region: { label: "Region" },
  bucket: { label: "Bucket", hint: "It must exist already.", placeholder: "my-backups" },
  prefix: {
    label: "Folder (optional)",
    placeholder: "zaneops/prod",
    hint: "Where in the bucket this platform's backups go; blank: its top.",
  },
  access_key_id: { label: "Access key id" },
  secret_access_key: { label: "Secret access key" },
};

const SECRET_KEPT_HINT =
  "Leave it as it is to keep the stored secret; a new endpoint, bucket or access key id needs it typed again.";

function TargetForm({
  target,
  onDone,
  onCancel,
}: {
  target?: BackupTarget;
  onDone: () => void;
  onCancel: () => void;
}) {
  const { notify } = useApp();
  const [values, setValues] = useState<TargetValues>(() => targetValuesOf(target));
  const save = useAction(async () => {
    const body = targetSpecOf(values);
    if (target) await put<BackupTarget>(`/backup-targets/${target.id}`, body, target.generation);
    else await post<BackupTarget>("/backup-targets", body);
    notify(target ? "Backup target saved" : "Backup target added: choose it in a Backups tab");
    onDone();
  });
  const errors = fieldErrors(save.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run();
  };
  const title = target ? `Edit ${target.spec.name}` : "New backup target";
  return (
    <form onSubmit={submit} noValidate aria-label={title}>
      <Card
        title={title}
        description="Any S3-compatible store. The secret access key is stored sealed and shown masked."
        footer={
          <>
            <Button onClick={onCancel}>Cancel</Button>
            <Button type="submit" variant="primary" busy={save.busy}>
              {target ? "Save" : "Add backup target"}
            </Button>
          </>
        }
      >
        <div className="card-body form-grid">
          <FormErrors messages={unplacedErrors(save.error, TARGET_FIELDS)} />
          {TARGET_FIELDS.map((name) => (
            <TargetInput
              key={name}
              name={name}
              value={values[name]}
              error={errors[name]}
              hint={name === "secret_access_key" && target ? SECRET_KEPT_HINT : LOOKS[name].hint}
              onChange={(value) => setValues({ ...values, [name]: value })}
            />
          ))}
        </div>
      </Card>
    </form>
  );
}

function TargetInput({
  name,
  value,
  error,
  hint,
  onChange,
}: {
  name: TargetField;
  value: string;
  error: string | undefined;
  hint: string | undefined;
  onChange: (value: string) => void;
}) {
  const look = LOOKS[name];
  const secret = name === "secret_access_key";
  return (
    <Field label={look.label} error={error} hint={hint}>
      {(p) => (
        <input
          {...p}
          type={secret ? "password" : "text"}
          className={name === "name" ? undefined : "mono"}
          autoComplete={secret ? "new-password" : "off"}
          spellCheck={false}
          placeholder={look.placeholder}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  );
}
