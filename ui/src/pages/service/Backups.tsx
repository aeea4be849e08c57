// A database's backups: back up now, the schedule, and each backup with its progress (a dump,
// then a restore that checks it), size, time and verdict. Only a verified one is called good.

import { type FormEvent, useState } from "react";
import { del, get, post } from "../../api/client";
import { fieldErrors, messageOf, unplacedErrors } from "../../api/errors";
import type { Backup, Page } from "../../api/types";
import { useApp } from "../../components/app-context";
import {
  Badge,
  Button,
  Card,
  Empty,
  Field,
  FormErrors,
  LoadError,
  Skeletons,
  useAction,
} from "../../components/ui";
import {
  durationOf,
  progressOf,
  SCHEDULE_EXAMPLES,
  shownPhase,
  sizeOf,
  verdictOf,
} from "../../lib/backups";
import { bytes, timeAgo } from "../../lib/format";
import { usePoll } from "../../lib/hooks";
import { useService } from "./context";

export function Backups() {
  return (
    <div className="stack">
      <BackupList />
      <ScheduleForm />
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
  const remove = useAction(async () => {
    await del(`/backups/${backup.id}`);
    onDeleted();
  });
  return (
    <li data-testid="backup" data-phase={backup.phase ?? "QUEUED"}>
      <div style={{ display: "grid", gap: 6, flex: 1 }}>
        <div className="row" style={{ gap: 8, alignItems: "center" }}>
          <Badge tone={shown.tone} live={shown.running}>
            {shown.label}
          </Badge>
          <span className="muted">
            {backup.spec.trigger === "schedule" ? "scheduled" : "asked for"} ·{" "}
            {timeAgo(backup.created_at)}
            {size !== null ? ` · ${bytes(size)}` : ""}
            {took ? ` · ${took}` : ""}
          </span>
          <span style={{ flex: 1 }} />
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
    </li>
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
          <Field
            label="When (cron, UTC)"
            error={errors.schedule}
            hint={SCHEDULE_EXAMPLES.map(([cron, words]) => `${cron}: ${words}`).join(" · ")}
          >
            {(p) => (
              <input
                {...p}
                type="text"
                className="mono"
                placeholder="0 3 * * *"
                value={schedule}
                onChange={(e) => setSchedule(e.target.value)}
              />
            )}
          </Field>
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
