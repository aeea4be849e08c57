// A database's backups: back up now, the schedule and where backups are kept, and each backup
// with its progress (a dump, uploaded to its backup target as it is written, then a restore that
// checks it), size, time, place and verdict. Only a verified one is called good. A verified one
// is restored into a new database, or here (a safety backup first).

import { type FormEvent, useState } from "react";
import { Link, useNavigate } from "react-router";
import { del, get, post } from "../../api/client";
import { fieldErrors, messageOf, unplacedErrors } from "../../api/errors";
import type { Backup, BackupHealth, BackupTarget, CreatedDatabase, Page } from "../../api/types";
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
  ENCRYPTION_HELP,
  isEncrypted,
  isRestore,
  kindOf,
  progressOf,
  SCHEDULE_EXAMPLES,
  shownPhase,
  sizeOf,
  verdictOf,
} from "../../lib/backups";
import { bucketPathOf, keptIn, liveTargets } from "../../lib/backup-targets";
import { bytes, timeAgo } from "../../lib/format";
import { usePoll } from "../../lib/hooks";
import { TARGETS_PATH } from "../BackupTargets";
import { useService } from "./context";

export function Backups() {
  // Read once: the list names each backup's target, the schedule offers them.
  const targets = usePoll((s) => get<Page<BackupTarget>>(TARGETS_PATH, s), [], null);
  const all = targets.data?.items ?? [];
  const names = Object.fromEntries(all.map((t) => [t.id, t.spec.name]));
  return (
    <div className="stack">
      <Overdue />
      <BackupList targetNames={names} />
      {/* Unread targets (an error) leave only the backups folder to choose. */}
      <ScheduleForm targets={targets.data || targets.error ? liveTargets(all) : undefined} />
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

function BackupList({ targetNames }: { targetNames: Record<string, string> }) {
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
      description="Each is a dump of the database, then restored into a scratch server and compared with the dump, table by table (Redis: the keys of each database): only then is it Verified."
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
            <BackupRow
              key={backup.id}
              backup={backup}
              keptIn={keptIn(backup, targetNames)}
              onChanged={backups.reload}
            />
          ))}
        </ul>
      ) : null}
    </Card>
  );
}

function BackupRow({
  backup,
  keptIn,
  onChanged,
}: {
  backup: Backup;
  keptIn: string;
  onChanged: () => void;
}) {
  const shown = shownPhase(backup);
  const size = sizeOf(backup);
  const took = durationOf(backup);
  const verdict = verdictOf(backup);
  const [restoring, setRestoring] = useState<"new" | "here" | null>(null);
  const remove = useAction(async () => {
    await del(`/backups/${backup.id}`);
    onChanged();
  });
  const restorable = backup.phase === "VERIFIED" && !isRestore(backup);
  return (
    <li data-testid="backup" data-phase={backup.phase ?? "QUEUED"}>
      <div style={{ display: "grid", gap: 6, flex: 1 }}>
        <div className="row" style={{ gap: 8, alignItems: "center" }}>
          <Badge tone={shown.tone} live={shown.running}>
            {shown.label}
          </Badge>
          {isEncrypted(backup) ? <EncryptedBadge /> : null}
          <span className="muted">
            {kindOf(backup)} · {timeAgo(backup.created_at)}
            {size !== null ? ` · ${bytes(size)}` : ""}
            {took ? ` · ${took}` : ""}
            {isRestore(backup) ? null : (
              <>
                {" · "}
                <span className="mono" data-testid="kept-in">
                  {keptIn}
                </span>
              </>
            )}
          </span>
          <span style={{ flex: 1 }} />
          {canDownload(backup) ? (
            <a className="btn small" href={downloadUrl(backup)} download>
              Download
            </a>
          ) : null}
          {restorable ? (
            <>
              <Button small onClick={() => setRestoring("here")}>
                Restore here…
              </Button>
              <Button small onClick={() => setRestoring("new")}>
                Restore…
              </Button>
            </>
          ) : null}
          {!shown.running ? (
            <Button small variant="ghost" busy={remove.busy} onClick={() => void remove.run()}>
              Delete
            </Button>
          ) : null}
        </div>
        {shown.running && verdict ? (
          <div className="muted" data-testid="progress">
            {verdict}
          </div>
        ) : null}
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
      {restoring === "new" ? (
        <RestoreDialog backup={backup} onClose={() => setRestoring(null)} />
      ) : null}
      {restoring === "here" ? (
        <RestoreHereDialog
          backup={backup}
          onClose={() => setRestoring(null)}
          onStarted={() => {
            setRestoring(null);
            onChanged();
          }}
        />
      ) : null}
    </li>
  );
}

/** Its file is encrypted at rest (age); the title says with which key. */
export function EncryptedBadge() {
  return (
    <span title={ENCRYPTION_HELP} data-testid="encrypted">
      <Badge tone="info">🔒 Encrypted</Badge>
    </span>
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
          A new database is made and deployed, then this backup is loaded into it and every table
          (Redis: every database's keys) is checked against the backup. This database is not
          touched.
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

/** Into this database: its contents replaced, once its slug is typed to say so. */
function RestoreHereDialog({
  backup,
  onClose,
  onStarted,
}: {
  backup: Backup;
  onClose: () => void;
  onStarted: () => void;
}) {
  const { service } = useService();
  const { notify } = useApp();
  const slug = service.spec.slug;
  const redis = backup.status.details?.engine === "redis";
  const [typed, setTyped] = useState("");
  const restore = useAction(async () => {
    await post<Backup>(`/backups/${backup.id}/restore-in-place`, { confirm: typed.trim() });
    notify("Restore started: a safety backup first");
    onStarted();
  });
  const errors = fieldErrors(restore.error, {});
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void restore.run();
  };
  return (
    <Dialog title="Restore this backup here" onClose={onClose}>
      <form onSubmit={submit} noValidate data-testid="restore-here">
        <div className="card-body stack">
          <p style={{ margin: 0 }}>The contents of {slug} are replaced by this backup&apos;s:</p>
          <ol className="muted" style={{ margin: 0, paddingLeft: 20 }}>
            <li>
              A safety backup of what {slug} holds now is made and verified first; if it fails,
              nothing is touched.
            </li>
            {redis ? (
              <li>
                The writes of {slug}&apos;s clients are held while the backup is loaded and saved to
                disk (reads go on); they run after, on the restored keys.
              </li>
            ) : (
              <li>
                The clients of {slug} are disconnected and kept out while the backup is loaded: your
                apps cannot use it meanwhile.
              </li>
            )}
            <li>
              Its contents are replaced and every {redis ? "database's keys are" : "table is"}{" "}
              checked against the backup. What was written since the backup is kept only in the
              safety backup; writes made while the safety backup is checked are lost, so stop them
              first if they matter.
            </li>
          </ol>
          <FormErrors messages={unplacedErrors(restore.error, ["confirm"], {})} />
          <Field label={`Type ${slug} to confirm`} error={errors.confirm}>
            {(p) => (
              <input
                {...p}
                type="text"
                className="mono"
                autoComplete="off"
                placeholder={slug}
                value={typed}
                onChange={(e) => setTyped(e.target.value)}
              />
            )}
          </Field>
        </div>
        <div className="card-foot">
          <Button onClick={onClose}>Cancel</Button>
          <Button
            type="submit"
            variant="danger"
            disabled={typed.trim() !== slug}
            busy={restore.busy}
          >
            Replace the contents
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

/** "This server's backups folder", or the target's name and bucket. */
function placeOf(targetId: string | null | undefined, targets: BackupTarget[] | undefined): string {
  if (!targetId) return "this server's backups folder";
  const target = targets?.find((t) => t.id === targetId);
  return target ? `${target.spec.name} (${bucketPathOf(target.spec)})` : "a backup target";
}

function ScheduleForm({ targets }: { targets: BackupTarget[] | undefined }) {
  const { service, save } = useService();
  const { notify } = useApp();
  const policy = service.spec.backup;
  const [schedule, setSchedule] = useState(policy?.schedule ?? "");
  const [keep, setKeep] = useState(String(policy?.keep_last ?? 7));
  const [target, setTarget] = useState(policy?.target_id ?? "");
  const [encrypt, setEncrypt] = useState(policy?.encrypt ?? false);
  const saving = useAction(async (on: boolean) => {
    const backup = on
      ? { schedule: schedule.trim(), keep_last: Number(keep), target_id: target || null, encrypt }
      : null;
    await save({ backup });
    notify(on ? "Schedule saved" : "Schedule off");
  });
  const errors = fieldErrors(saving.error, SCHEDULE_FIELDS);
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
            ? `On: ${policy.schedule}, keeping the newest ${policy.keep_last} verified. Kept in ${placeOf(policy.target_id, targets)}${policy.encrypt ? ", encrypted at rest" : ""}.`
            : "Off: backups are made only when asked for, and kept in this server's backups folder."
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
          <KeptInSelect
            value={target}
            targets={targets}
            error={errors.target}
            onChange={setTarget}
          />
          <EncryptField checked={encrypt} onChange={setEncrypt} />
        </div>
      </Card>
    </form>
  );
}

/** Where the schedule's backups (and Back up now's) go: this server, or a backup target. */
function KeptInSelect({
  value,
  targets,
  error,
  onChange,
}: {
  value: string;
  targets: BackupTarget[] | undefined;
  error: string | undefined;
  onChange: (value: string) => void;
}) {
  // A chosen target no longer listed (deleted meanwhile) stays shown rather than silently lost.
  const missing = value !== "" && targets !== undefined && !targets.some((t) => t.id === value);
  return (
    <Field
      label="Keep backups in"
      error={error}
      hint={
        <>
          Saved with the schedule; Back up now uses it too.{" "}
          <Link to="/backup-targets">Add or edit targets</Link>
        </>
      }
    >
      {(p) => (
        <select
          {...p}
          value={value}
          disabled={targets === undefined}
          onChange={(e) => onChange(e.target.value)}
        >
          <option value="">This server&apos;s backups folder</option>
          {(targets ?? []).map((target) => (
            <option key={target.id} value={target.id}>
              {target.spec.name}
            </option>
          ))}
          {missing ? (
            <option value={value}>A target no longer there ({value.slice(0, 8)})</option>
          ) : null}
        </select>
      )}
    </Field>
  );
}

/** "Encrypt at rest": the schedule's backups (and Back up now's) encrypted with age. */
export function EncryptField({
  checked,
  onChange,
}: {
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <div className="wide">
      <label className="check">
        <input
          type="checkbox"
          role="switch"
          aria-checked={checked}
          checked={checked}
          onChange={(e) => onChange(e.target.checked)}
        />{" "}
        Encrypt at rest
      </label>
      <p className="muted small" style={{ margin: "4px 0 0" }} data-testid="encryption-help">
        {ENCRYPTION_HELP} Each backup keeps the setting it was made with.
      </p>
    </div>
  );
}
