// Every database's backups in one place: how the scheduled ones are doing (overdue, failures of
// the last day), then each backup, newest first, with a link to its database and its file.

import { useState } from "react";
import { Link } from "react-router";
import { get } from "../api/client";
import { messageOf } from "../api/errors";
import type {
  BackupPhase,
  BackupsSummary,
  OverviewBackup,
  Page,
  ScheduledDatabaseHealth,
} from "../api/types";
import { useCrumbs } from "../components/app-context";
import { Badge, Button, Card, Empty, FormErrors, LoadError, Skeletons } from "../components/ui";
import {
  canDownload,
  databaseLink,
  downloadUrl,
  durationOf,
  failureOf,
  mergePages,
  overviewPath,
  PHASE_FILTERS,
  placeOf,
  shownPhase,
  sizeOf,
  isVolumeSnapshot,
  triggerOf,
  volumeOf,
} from "../lib/backups";
import { bytes, dateTime, timeAgo } from "../lib/format";
import { usePoll, useTitle } from "../lib/hooks";
import { PlatformBackups } from "./PlatformBackups";

const REFRESH_MS = 5000;

export function BackupsOverview() {
  useTitle("Backups");
  useCrumbs([]);
  const [phase, setPhase] = useState<BackupPhase | "">("");
  return (
    <div className="stack">
      <div className="row" style={{ alignItems: "center", gap: 8 }}>
        <h1 className="grow">Backups</h1>
        <span className="muted">Show</span>
        <select
          aria-label="Show backups in phase"
          style={{ width: "auto" }}
          value={phase}
          onChange={(e) => setPhase(e.target.value as BackupPhase | "")}
        >
          {PHASE_FILTERS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <Summary />
      <PlatformBackups />
      <BackupTable key={phase} phase={phase} />
    </div>
  );
}

function Summary() {
  const summary = usePoll((s) => get<BackupsSummary>("/backup-health", s), [], REFRESH_MS);
  if (summary.error && !summary.data) {
    return <LoadError error={summary.error} retry={summary.reload} />;
  }
  if (!summary.data) return <Skeletons count={1} />;
  const { scheduled, overdue, failed_recently } = summary.data;
  const late = scheduled.filter((health) => health.overdue);
  return (
    <div className="stack">
      <div className="row" style={{ gap: 12, flexWrap: "wrap" }} data-testid="backups-summary">
        <Figure label="Databases on a schedule" value={scheduled.length} testId="scheduled" />
        <Figure label="Overdue" value={overdue} tone={overdue ? "bad" : "ok"} testId="overdue" />
        <Figure
          label="Failed in the last 24 h"
          value={failed_recently}
          tone={failed_recently ? "bad" : "ok"}
          testId="failed-recently"
        />
      </div>
      {late.length > 0 ? <OverdueList late={late} /> : null}
    </div>
  );
}

function Figure({
  label,
  value,
  tone = "neutral",
  testId,
}: {
  label: string;
  value: number;
  tone?: "ok" | "bad" | "neutral";
  testId: string;
}) {
  return (
    <Card className="grow">
      <div className="card-body" data-testid={testId}>
        <div className="muted small">{label}</div>
        <div className="row" style={{ gap: 8, alignItems: "center" }}>
          <strong style={{ fontSize: "1.6em" }}>{value}</strong>
          {tone !== "neutral" ? <Badge tone={tone}>{tone === "ok" ? "OK" : "Look"}</Badge> : null}
        </div>
      </div>
    </Card>
  );
}

function OverdueList({ late }: { late: ScheduledDatabaseHealth[] }) {
  return (
    <div className="banner error" data-testid="overdue-databases">
      <div className="grow">
        <strong>Backups are late:</strong>
        <ul style={{ margin: "4px 0 0", paddingLeft: 18 }}>
          {late.map((health) => (
            <li key={health.database.service_id}>
              <Link to={`/services/${health.database.service_id}/backups`}>
                {placeOf(health.database)} / {health.database.service_slug}
              </Link>
              : {health.overdue} ({health.schedule})
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}

function BackupTable({ phase }: { phase: BackupPhase | "" }) {
  const first = usePoll(
    (s) => get<Page<OverviewBackup>>(overviewPath(phase, null), s),
    [phase],
    REFRESH_MS,
  );
  const [older, setOlder] = useState<OverviewBackup[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [olderError, setOlderError] = useState<unknown>(null);
  const next = cursor === undefined ? first.data?.next_cursor : cursor;
  const showOlder = async () => {
    if (!next) return;
    setLoadingOlder(true);
    try {
      const page = await get<Page<OverviewBackup>>(overviewPath(phase, next));
      setOlder((before) => [...before, ...page.items]);
      setCursor(page.next_cursor);
      setOlderError(null);
    } catch (caught) {
      setOlderError(caught);
    } finally {
      setLoadingOlder(false);
    }
  };
  const items = mergePages(first.data?.items ?? [], older);
  return (
    <Card
      title="Every backup"
      description="Newest first. A backup is Verified only once a restore of it was checked table by table; only then can it be downloaded."
    >
      <div className="card-body">
        {first.error && !first.data ? <LoadError error={first.error} retry={first.reload} /> : null}
        {first.loading && !first.data ? <Skeletons count={2} /> : null}
        {first.data && items.length === 0 ? <NoBackups filtered={phase !== ""} /> : null}
        {items.length > 0 ? (
          <div className="table-wrap">
            <table className="table" aria-label="Backups">
              <thead>
                <tr>
                  <th>Database</th>
                  <th>Project / environment</th>
                  <th>Engine</th>
                  <th>Trigger</th>
                  <th>Started</th>
                  <th>Duration</th>
                  <th>Size</th>
                  <th>Phase</th>
                  <th>
                    <span className="sr-only">File</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((backup) => (
                  <BackupLine key={backup.id} backup={backup} />
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <FormErrors messages={olderError ? [messageOf(olderError)] : []} />
        {next ? (
          <Button small busy={loadingOlder} onClick={() => void showOlder()}>
            Show older
          </Button>
        ) : null}
      </div>
    </Card>
  );
}

function NoBackups({ filtered }: { filtered: boolean }) {
  if (filtered) return <Empty title="No backup in this phase" />;
  return (
    <Empty title="No backups yet">
      Open a database (a project's PostgreSQL or MariaDB) and choose Backups: back up now, or set a
      schedule.
    </Empty>
  );
}

function BackupLine({ backup }: { backup: OverviewBackup }) {
  const shown = shownPhase(backup);
  const size = sizeOf(backup);
  const failure = failureOf(backup);
  const database = backup.database; // null: the platform's own database
  const volume = isVolumeSnapshot(backup);
  const databasePage = database ? databaseLink(database) : null;
  // A volume snapshot's place is its service's Volumes tab.
  const link = volume ? (databasePage?.replace(/\/backups$/, "/volumes") ?? null) : databasePage;
  const name = !database
    ? "The platform"
    : volume
      ? volumeOf(backup)
      : (database.service_slug ?? "a deleted database");
  return (
    <tr data-testid="overview-backup" data-phase={backup.phase ?? "QUEUED"}>
      <td>{link ? <Link to={link}>{name}</Link> : <span className="muted">{name}</span>}</td>
      <td>{database ? placeOf(database) : "its own database"}</td>
      <td>{database ? (database.engine ?? "—") : "postgres"}</td>
      <td>{triggerOf(backup)}</td>
      <td title={dateTime(backup.created_at)}>{timeAgo(backup.created_at)}</td>
      <td>{durationOf(backup) ?? "—"}</td>
      <td>{size !== null ? bytes(size) : "—"}</td>
      <td>
        <Badge tone={shown.tone} live={shown.running}>
          {shown.label}
        </Badge>
        {failure ? (
          <div className="error small" data-testid="failure">
            {failure}
          </div>
        ) : null}
      </td>
      <td>
        {canDownload(backup) ? (
          <a className="btn small" href={downloadUrl(backup)} download>
            Download
          </a>
        ) : null}
      </td>
    </tr>
  );
}
