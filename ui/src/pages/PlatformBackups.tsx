// The platform's own database (projects, services, users, settings), for administrators: its
// schedule, its last verified backup (downloadable), "Back up the platform now", and how to
// restore it on a new machine (`zaneops restore`: never through the dashboard, whose API is
// stopped while it runs).

import { type FormEvent, useState } from "react";
import { get, post, put } from "../api/client";
import { fieldErrors, messageOf, unplacedErrors } from "../api/errors";
import type { Backup, Page, PlatformBackupPolicy } from "../api/types";
import { useApp } from "../components/app-context";
import {
  Badge,
  Button,
  Card,
  CodeInput,
  Empty,
  Field,
  FormErrors,
  LoadError,
  Skeletons,
  useAction,
} from "../components/ui";
import {
  canDownload,
  downloadUrl,
  isEncrypted,
  SCHEDULE_EXAMPLES,
  shownPhase,
  sizeOf,
  verdictOf,
} from "../lib/backups";
import { bytes, timeAgo } from "../lib/format";
import { usePoll } from "../lib/hooks";
import { EncryptedBadge, EncryptField } from "./service/Backups";
import {
  lastFailure,
  lastVerified,
  PLATFORM_BACKUPS_PATH,
  PLATFORM_POLICY_PATH,
  restoreCommands,
  running,
} from "../lib/platform-backups";

const REFRESH_MS = 3000;
const POLICY_FIELDS = {
  schedule: "schedule",
  keep_last: "keep",
  target_id: "schedule",
  encrypt: "schedule",
};

/** Only an administrator sees it (the API answers 403 to anyone else). */
export function PlatformBackups() {
  const { me } = useApp();
  return me.is_admin ? <PlatformCard /> : null;
}

function PlatformCard() {
  const { notify } = useApp();
  const backups = usePoll((s) => get<Page<Backup>>(PLATFORM_BACKUPS_PATH, s), [], REFRESH_MS);
  const items = backups.data?.items ?? [];
  const now = running(items);
  const backingUp = useAction(async () => {
    await post<Backup>("/platform/backups");
    notify("Backing up the platform");
    await backups.reload();
  });
  return (
    <Card
      title="The platform"
      description="Its own database: projects, services, domains, users and settings, verified by a restore like any database's. The data in your volumes and databases is not in it."
      actions={
        <Button
          variant="primary"
          busy={backingUp.busy || now !== null}
          onClick={() => void backingUp.run()}
        >
          Back up the platform now
        </Button>
      }
    >
      <div className="card-body stack" data-testid="platform-backups">
        <FormErrors messages={backingUp.error ? [messageOf(backingUp.error)] : []} />
        {backups.error && !backups.data ? (
          <LoadError error={backups.error} retry={backups.reload} />
        ) : null}
        {!backups.data && !backups.error ? <Skeletons count={1} /> : null}
        {backups.data ? <Latest items={items} /> : null}
        <PolicyForm />
        <RestoreHelp />
      </div>
    </Card>
  );
}

function Latest({ items }: { items: Backup[] }) {
  const verified = lastVerified(items);
  const now = running(items);
  const failed = lastFailure(items);
  return (
    <div className="stack">
      {now ? (
        <div
          className="row"
          style={{ gap: 8, alignItems: "center" }}
          data-testid="platform-running"
        >
          <Badge tone="info" live>
            {shownPhase(now).label}
          </Badge>
          <span className="muted">started {timeAgo(now.created_at)}</span>
        </div>
      ) : null}
      {failed ? (
        <div className="banner error" data-testid="platform-failed">
          <div className="grow">
            <strong>The last backup failed:</strong> {verdictOf(failed) ?? "no reason given"}
          </div>
        </div>
      ) : null}
      {verified ? (
        <div
          className="row"
          style={{ gap: 8, alignItems: "center" }}
          data-testid="platform-verified"
        >
          <Badge tone="ok">Verified</Badge>
          {isEncrypted(verified) ? <EncryptedBadge /> : null}
          <span className="grow">
            Last verified backup {timeAgo(verified.created_at)}
            {sizeOf(verified) !== null ? `, ${bytes(sizeOf(verified) ?? 0)}` : ""}:{" "}
            <span className="muted">{verdictOf(verified)}</span>
          </span>
          {canDownload(verified) ? (
            <a className="btn small" href={downloadUrl(verified)} download>
              Download
            </a>
          ) : null}
        </div>
      ) : (
        <Empty title="No verified backup of the platform yet">
          Back it up now, or wait for its schedule.
        </Empty>
      )}
    </div>
  );
}

function PolicyForm() {
  const policy = usePoll((s) => get<PlatformBackupPolicy>(PLATFORM_POLICY_PATH, s), [], null);
  if (policy.error && !policy.data) return <LoadError error={policy.error} retry={policy.reload} />;
  if (!policy.data) return <Skeletons count={1} />;
  return <PolicyFields stored={policy.data} />;
}

function PolicyFields({ stored }: { stored: PlatformBackupPolicy }) {
  const { notify } = useApp();
  const [schedule, setSchedule] = useState(stored.schedule ?? "30 2 * * *");
  const [keep, setKeep] = useState(String(stored.keep_last ?? 7));
  const [encrypt, setEncrypt] = useState(stored.encrypt ?? false);
  const saving = useAction(async () => {
    const body = {
      schedule: schedule.trim(),
      keep_last: Number(keep),
      target_id: stored.target_id,
      encrypt,
    };
    await put<PlatformBackupPolicy>(PLATFORM_POLICY_PATH, body);
    notify("The platform's schedule is saved");
  });
  const errors = fieldErrors(saving.error, POLICY_FIELDS);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void saving.run();
  };
  return (
    <form onSubmit={submit} noValidate className="form-grid" aria-label="The platform's schedule">
      <FormErrors messages={unplacedErrors(saving.error, ["schedule", "keep"], POLICY_FIELDS)} />
      <CodeInput
        label="Back up the platform (cron, UTC)"
        error={errors.schedule}
        hint={SCHEDULE_EXAMPLES.map(([cron, words]) => `${cron}: ${words}`).join(" · ")}
        placeholder="30 2 * * *"
        value={schedule}
        onChange={setSchedule}
      />
      <Field label="Keep" error={errors.keep} hint="Verified backups of the platform kept.">
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
      <EncryptField checked={encrypt} onChange={setEncrypt} />
      <div>
        <Button type="submit" busy={saving.busy}>
          Save the platform's schedule
        </Button>
      </div>
    </form>
  );
}

function RestoreHelp() {
  const [exported, restore] = restoreCommands("FILE.pgdump");
  return (
    <div data-testid="platform-restore-help">
      <strong>Restore on a new machine</strong>
      <p className="muted small">
        Keep the key its secrets are sealed with, apart from the backups. On the new machine run{" "}
        <code>zaneops up</code>, then restore the downloaded file: the API and the controllers stop
        while its database is replaced, then bring every service back. An encrypted backup (
        <code>.pgdump.age</code>) is decrypted by <code>zaneops restore</code> with the same key.
      </p>
      <pre className="mono" style={{ whiteSpace: "pre-wrap", margin: 0 }}>
        {exported}
        {"\n"}
        {restore}
      </pre>
    </div>
  );
}
