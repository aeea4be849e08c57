// A volume's snapshots (restic): back up now, each snapshot with its progress (taken, then
// restored into a scratch container and compared file by file), size, files, time and verdict,
// restored into a new volume; and the volume's schedule (cron, how many kept, where, paused).

import { type FormEvent, useState } from "react";
import { Link } from "react-router";
import { del, get, post, put } from "../../api/client";
import { fieldErrors, messageOf, unplacedErrors } from "../../api/errors";
import type { Backup, BackupTarget, Page, RestoredVolume, Volume } from "../../api/types";
import { useApp } from "../../components/app-context";
import {
  Badge,
  Button,
  Card,
  CodeInput,
  Dialog,
  Empty,
  Field,
  FormErrors,
  LoadError,
  Skeletons,
  useAction,
} from "../../components/ui";
import {
  durationOf,
  filesOf,
  isRestore,
  progressOf,
  SCHEDULE_EXAMPLES,
  shownPhase,
  sizeOf,
  verdictOf,
} from "../../lib/backups";
import { keptIn, liveTargets } from "../../lib/backup-targets";
import { bytes, timeAgo } from "../../lib/format";
import { usePoll } from "../../lib/hooks";
import { TARGETS_PATH } from "../BackupTargets";

/** One card per volume: its snapshots and its schedule. */
export function VolumeSnapshots({ volume, onSaved }: { volume: Volume; onSaved: () => void }) {
  const targets = usePoll((s) => get<Page<BackupTarget>>(TARGETS_PATH, s), [], null);
  const all = targets.data?.items ?? [];
  const names = Object.fromEntries(all.map((t) => [t.id, t.spec.name]));
  return (
    <div className="stack" data-testid="volume-snapshots" data-volume={volume.spec.slug}>
      <SnapshotList volume={volume} targetNames={names} />
      <SnapshotSchedule
        volume={volume}
        targets={targets.data || targets.error ? liveTargets(all) : undefined}
        onSaved={onSaved}
      />
    </div>
  );
}

function SnapshotList({
  volume,
  targetNames,
}: {
  volume: Volume;
  targetNames: Record<string, string>;
}) {
  const { notify } = useApp();
  const snapshots = usePoll(
    (s) => get<Page<Backup>>(`/volumes/${volume.id}/snapshots?limit=50`, s),
    [volume.id],
  );
  const backUp = useAction(async () => {
    await post<Backup>(`/volumes/${volume.id}/snapshots`, {});
    notify("Snapshot started");
    snapshots.reload();
  });
  const items = snapshots.data?.items ?? [];
  return (
    <Card
      title={`Snapshots of volume ${volume.spec.slug}`}
      description="Each is a restic snapshot of the volume's files, then restored into a scratch container and compared file by file (sha256): only then is it Verified."
      actions={
        <Button variant="primary" small busy={backUp.busy} onClick={() => void backUp.run()}>
          Back up now
        </Button>
      }
    >
      <FormErrors messages={backUp.error ? [messageOf(backUp.error)] : []} />
      {snapshots.error && !snapshots.data ? (
        <LoadError error={snapshots.error} retry={snapshots.reload} />
      ) : null}
      {snapshots.loading && !snapshots.data ? <Skeletons count={2} /> : null}
      {snapshots.data && items.length === 0 ? (
        <Empty title="No snapshots yet">Back up now, or set a schedule below.</Empty>
      ) : null}
      {items.length > 0 ? (
        <ul className="list">
          {items.map((snapshot) => (
            <SnapshotRow
              key={snapshot.id}
              snapshot={snapshot}
              keptIn={keptIn(snapshot, targetNames)}
              onChanged={snapshots.reload}
            />
          ))}
        </ul>
      ) : null}
    </Card>
  );
}

function SnapshotRow({
  snapshot,
  keptIn,
  onChanged,
}: {
  snapshot: Backup;
  keptIn: string;
  onChanged: () => void;
}) {
  const shown = shownPhase(snapshot);
  const size = sizeOf(snapshot);
  const files = filesOf(snapshot);
  const took = durationOf(snapshot);
  const verdict = verdictOf(snapshot);
  const [restoring, setRestoring] = useState(false);
  const remove = useAction(async () => {
    await del(`/backups/${snapshot.id}`);
    onChanged();
  });
  const restore = isRestore(snapshot);
  return (
    <li data-testid="snapshot" data-phase={snapshot.phase ?? "QUEUED"}>
      <div style={{ display: "grid", gap: 6, flex: 1 }}>
        <div className="row" style={{ gap: 8, alignItems: "center" }}>
          <Badge tone={shown.tone} live={shown.running}>
            {shown.label}
          </Badge>
          <span className="muted">
            {restore
              ? `restore into volume ${String(snapshot.status.details?.volume_slug ?? "")}`
              : snapshot.spec.trigger === "schedule"
                ? "scheduled"
                : "asked for"}
            {" · "}
            {timeAgo(snapshot.created_at)}
            {size !== null ? ` · ${bytes(size)}` : ""}
            {files !== null ? ` · ${files} files` : ""}
            {took ? ` · ${took}` : ""}
            {snapshot.spec.pause ? " · paused" : ""}
            {restore ? null : ` · ${keptIn}`}
          </span>
          <span style={{ flex: 1 }} />
          {snapshot.phase === "VERIFIED" && !restore ? (
            <Button small onClick={() => setRestoring(true)}>
              Restore into a new volume…
            </Button>
          ) : null}
          {!shown.running ? (
            <Button small variant="ghost" busy={remove.busy} onClick={() => void remove.run()}>
              Delete
            </Button>
          ) : null}
        </div>
        {shown.running ? (
          <progress
            aria-label="Snapshot progress"
            max={1}
            value={progressOf(snapshot)}
            style={{ width: "100%" }}
          />
        ) : null}
        {verdict ? (
          <div className={snapshot.phase === "FAILED" ? "error" : "muted"} data-testid="verdict">
            {verdict}
          </div>
        ) : null}
        <FormErrors messages={remove.error ? [messageOf(remove.error)] : []} />
      </div>
      {restoring ? (
        <RestoreVolumeDialog
          snapshot={snapshot}
          onClose={() => setRestoring(false)}
          onStarted={() => {
            setRestoring(false);
            onChanged();
          }}
        />
      ) : null}
    </li>
  );
}

function RestoreVolumeDialog({
  snapshot,
  onClose,
  onStarted,
}: {
  snapshot: Backup;
  onClose: () => void;
  onStarted: () => void;
}) {
  const { notify } = useApp();
  const [slug, setSlug] = useState("");
  const restore = useAction(async () => {
    const made = await post<RestoredVolume>(`/backups/${snapshot.id}/restore-volume`, {
      slug: slug.trim(),
    });
    notify(`Restoring into volume ${made.volume.spec.slug}`);
    onStarted();
  });
  const errors = fieldErrors(restore.error, {});
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void restore.run();
  };
  return (
    <Dialog title="Restore into a new volume" onClose={onClose}>
      <form onSubmit={submit} noValidate className="stack">
        <p className="muted" style={{ margin: 0 }}>
          A new volume is made in this environment, then this snapshot is restored into it and every
          file&apos;s checksum is compared with the snapshot&apos;s. This volume is not touched;
          mount the new one where you need it.
        </p>
        <FormErrors messages={unplacedErrors(restore.error, ["slug"], {})} />
        <Field label="New volume name" error={errors.slug}>
          {(p) => (
            <input
              {...p}
              type="text"
              className="mono"
              placeholder="data-restored"
              value={slug}
              onChange={(e) => setSlug(e.target.value)}
            />
          )}
        </Field>
        <div className="row" style={{ justifyContent: "flex-end", gap: 8 }}>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={restore.busy}>
            Restore
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

const SCHEDULE_FIELDS = {
  "backup.schedule": "schedule",
  "backup.keep_last": "keep",
  "backup.target_id": "target",
};

function SnapshotSchedule({
  volume,
  targets,
  onSaved,
}: {
  volume: Volume;
  targets: BackupTarget[] | undefined;
  onSaved: () => void;
}) {
  const { notify } = useApp();
  const policy = volume.spec.backup;
  const [schedule, setSchedule] = useState(policy?.schedule ?? "");
  const [keep, setKeep] = useState(String(policy?.keep_last ?? 7));
  const [target, setTarget] = useState(policy?.target_id ?? "");
  const [pause, setPause] = useState(policy?.pause ?? false);
  const saving = useAction(async (on: boolean) => {
    const backup = on
      ? { schedule: schedule.trim(), keep_last: Number(keep), target_id: target || null, pause }
      : null;
    await put<Volume>(`/volumes/${volume.id}`, { ...volume.spec, backup }, volume.generation);
    notify(on ? "Snapshot schedule saved" : "Snapshot schedule off");
    onSaved();
  });
  const errors = fieldErrors(saving.error, SCHEDULE_FIELDS);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void saving.run(true);
  };
  return (
    <form onSubmit={submit} noValidate>
      <Card
        title={`Snapshot schedule of ${volume.spec.slug}`}
        description={
          policy
            ? `On: ${policy.schedule}, keeping the newest ${policy.keep_last} verified${policy.pause ? ", its services paused meanwhile" : ""}.`
            : "Off: snapshots are taken only when asked for."
        }
        footer={
          <>
            {policy ? (
              <Button busy={saving.busy} onClick={() => void saving.run(false)}>
                Turn off
              </Button>
            ) : null}
            <Button type="submit" variant="primary" busy={saving.busy}>
              Save snapshot schedule
            </Button>
          </>
        }
      >
        <div className="card-body form-grid">
          <FormErrors
            messages={unplacedErrors(saving.error, Object.values(SCHEDULE_FIELDS), SCHEDULE_FIELDS)}
          />
          <CodeInput
            label="When (cron, UTC)"
            error={errors.schedule}
            hint={SCHEDULE_EXAMPLES.map(([cron, words]) => `${cron}: ${words}`).join(" · ")}
            placeholder="0 3 * * *"
            value={schedule}
            onChange={setSchedule}
          />
          <Field
            label="Snapshots kept"
            error={errors.keep}
            hint="Older verified ones are forgotten."
          >
            {(p) => (
              <input
                {...p}
                type="number"
                min={1}
                value={keep}
                onChange={(e) => setKeep(e.target.value)}
              />
            )}
          </Field>
          <Field
            label="Keep snapshots in"
            error={errors.target}
            hint={<Link to="/backup-targets">Add or edit targets</Link>}
          >
            {(p) => (
              <select
                {...p}
                value={target}
                disabled={targets === undefined}
                onChange={(e) => setTarget(e.target.value)}
              >
                <option value="">This server&apos;s backups folder</option>
                {(targets ?? []).map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.spec.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <label className="check wide">
            <input type="checkbox" checked={pause} onChange={(e) => setPause(e.target.checked)} />{" "}
            Pause the services that mount it while a snapshot is taken (every file as at one moment)
          </label>
        </div>
      </Card>
    </form>
  );
}
