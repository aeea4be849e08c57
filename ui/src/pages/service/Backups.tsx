// A database's backups: back up now, the schedule, and each backup with its progress (a dump,
// then a restore that checks it), size, time and verdict. Only a verified one is called good.

import { type FormEvent, useState } from "react";
import { useNavigate } from "react-router";
import { del, get, post } from "../../api/client";
import { fieldErrors, messageOf, unplacedErrors } from "../../api/errors";
import type { Backup, BackupHealth, CreatedDatabase, Page } from "../../api/types";
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
  canDownload,
  downloadUrl,
  durationOf,
  isRestore,
  progressOf,
  SCHEDULE_EXAMPLES,
  shownPhase,
  sizeOf,
  triggerOf,
  verdictOf,
} from "../../lib/backups";
import { bytes, timeAgo } from "../../lib/format";
import { usePoll } from "../../lib/hooks";
import { useService } from "./context";

export function Backups() {
  return (
    <div className="stack">
      <Overdue />
      <BackupList />
      <ScheduleForm />
    </div>
  );
}

/** A schedule whose last verified backup is too old: said on top, in words. */
function Overdue() {
  const { service } = useService();
  const health = usePoll(
    (s) => get<BackupHealth>(`/services/${service.id}/backup-health`, s),
    [service.id],
  );
  if (!health.data?.overdue) return null;
  return (
    <div className="banner error" data-testid="backups-overdue">
      <div className="grow">
        <strong>Backups are late:</strong> {health.data.overdue}.
      </div>
    </div>
  );
}

function BackupList() {
  const { service } = useService();
  const { notify } = useApp();
  const backups = usePoll(
    (s) => get<Page<Backup>>(`/services/${service.id}/backups?limit=50`, s),
    [service.id],
  );
  const backUp = useAction(async () => {
    await post<Backup>(`/services/${service.id}/backups`, {});
    notify("Backup started");
    backups.reload();
  });
  const items = backups.data?.items ?? [];
  return (
    <Card
      title="Backups"
      description="Each is a dump of the database, then restored into a scratch server and compared table by table: only then is it Verified."
      actions={
        <Button variant="primary" small busy={backUp.busy} onClick={() => void backUp.run()}>
          Back up now
        </Button>
      }
    >
      <FormErrors messages={backUp.error ? [messageOf(backUp.error)] : []} />
      {backups.error && !backups.data ? (
        <LoadError error={backups.error} retry={backups.reload} />
      ) : null}
      {backups.loading && !backups.data ? <Skeletons count={2} /> : null}
      {backups.data && items.length === 0 ? (
        <Empty title="No backups yet">Back up now, or set a schedule below.</Empty>
      ) : null}
      {items.length > 0 ? (
        <ul className="list">
          {items.map((backup) => (
            <BackupRow key={backup.id} backup={backup} onDeleted={backups.reload} />
          ))}
        </ul>
      ) : null}
    </Card>
  );
}

function BackupRow({ backup, onDeleted }: { backup: Backup; onDeleted: () => void }) {
  const shown = shownPhase(backup);
  const size = sizeOf(backup);
  const took = durationOf(backup);
  const verdict = verdictOf(backup);
  const [restoring, setRestoring] = useState(false);
  const remove = useAction(async () => {
    await del(`/backups/${backup.id}`);
    onDeleted();
  });
  const what = triggerOf(backup);
  return (
    <li data-testid="backup" data-phase={backup.phase ?? "QUEUED"}>
      <div style={{ display: "grid", gap: 6, flex: 1 }}>
        <div className="row" style={{ gap: 8, alignItems: "center" }}>
          <Badge tone={shown.tone} live={shown.running}>
            {shown.label}
          </Badge>
          <span className="muted">
            {what} · {timeAgo(backup.created_at)}
            {size !== null ? ` · ${bytes(size)}` : ""}
            {took ? ` · ${took}` : ""}
          </span>
          <span style={{ flex: 1 }} />
          {canDownload(backup) ? (
            <a className="btn small" href={downloadUrl(backup)} download>
              Download
            </a>
          ) : null}
          {backup.phase === "VERIFIED" && !isRestore(backup) ? (
            <Button small onClick={() => setRestoring(true)}>
              Restore…
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
            aria-label="Backup progress"
            max={1}
            value={progressOf(backup)}
            style={{ width: "100%" }}
          />
        ) : null}
        {verdict && !shown.running ? (
          <div className={backup.phase === "FAILED" ? "error" : "muted"} data-testid="verdict">
            {verdict}
          </div>
        ) : null}
        <FormErrors messages={remove.error ? [messageOf(remove.error)] : []} />
      </div>
      {restoring ? <RestoreDialog backup={backup} onClose={() => setRestoring(false)} /> : null}
    </li>
  );
}

/** Into a new database: made, deployed, then filled from the backup and checked. */
function RestoreDialog({ backup, onClose }: { backup: Backup; onClose: () => void }) {
  const navigate = useNavigate();
  const [slug, setSlug] = useState("");
  const restore = useAction(async () => {
    const made = await post<CreatedDatabase>(`/backups/${backup.id}/restore`, {
      slug: slug.trim(),
    });
    navigate(`/services/${made.service.id}/backups`);
  });
  const errors = fieldErrors(restore.error, {});
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void restore.run();
  };
  return (
    <Dialog title="Restore into a new database" onClose={onClose}>
      <form onSubmit={submit} noValidate className="stack">
        <p className="muted" style={{ margin: 0 }}>
          A new database is made and deployed, then this backup is loaded into it and every table is
          checked against the backup. This database is not touched.
        </p>
        <FormErrors messages={unplacedErrors(restore.error, ["slug"], {})} />
        <Field label="New database name" error={errors.slug}>
          {(p) => (
            <input
              {...p}
              type="text"
              className="mono"
              placeholder="db-restored"
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

function ScheduleForm() {
  const { service, save } = useService();
  const { notify } = useApp();
  const policy = service.spec.backup;
  const [schedule, setSchedule] = useState(policy?.schedule ?? "");
  const [keep, setKeep] = useState(String(policy?.keep_last ?? 7));
  const saving = useAction(async (on: boolean) => {
    const backup = on ? { schedule: schedule.trim(), keep_last: Number(keep) } : null;
    await save({ backup });
    notify(on ? "Schedule saved" : "Schedule off");
  });
  const errors = fieldErrors(saving.error, {
    "backup.schedule": "schedule",
    "backup.keep_last": "keep",
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void saving.run(true);
  };
  return (
    <form onSubmit={submit} noValidate>
      <Card
        title="Schedule"
        description={
          policy
            ? `On: ${policy.schedule}, keeping the newest ${policy.keep_last} verified.`
            : "Off: backups are made only when asked for."
        }
        footer={
          <>
            {policy ? (
              <Button busy={saving.busy} onClick={() => void saving.run(false)}>
                Turn off
              </Button>
            ) : null}
            <Button type="submit" variant="primary" busy={saving.busy}>
              Save schedule
            </Button>
          </>
        }
      >
        <div className="card-body form-grid">
          <FormErrors
            messages={unplacedErrors(saving.error, ["schedule", "keep"], {
              "backup.schedule": "schedule",
              "backup.keep_last": "keep",
            })}
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
            label="Keep"
            error={errors.keep}
            hint="Verified backups kept; older ones are deleted with their files."
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
        </div>
      </Card>
    </form>
  );
}
