// A backup as a person reads it: where it stands among its steps (dump, then a restore that
// checks it), how big and how long, and why it failed.

import { API } from "../api/client";
import type { Backup, BackupDatabase, BackupPhase } from "../api/types";
import type { Tone } from "../components/ui";

export const STEPS = ["QUEUED", "DUMPING", "VERIFYING", "VERIFIED"];
export const RESTORE_STEPS = ["QUEUED", "RESTORING", "VERIFIED"];
export const IN_PLACE_STEPS = ["QUEUED", "SAFETY_BACKUP", "RESTORING", "VERIFIED"];

/** A restore of a backup into this database (a new one, or in place), not a backup of it. */
export function isRestore(backup: Backup): boolean {
  return Boolean(backup.spec.restore_from);
}

/** A restore into the database the backup came from (its contents replaced). */
export function isInPlace(backup: Backup): boolean {
  return Boolean(backup.spec.in_place);
}

/** What a row is, in a few words: "scheduled", "restore here of backup 1a2b3c4d", ... */
export function kindOf(backup: Backup): string {
  const from = backup.spec.restore_from?.slice(0, 8);
  if (isInPlace(backup)) return `restore here of backup ${from}`;
  if (isRestore(backup)) return `restore of backup ${from}`;
  if (backup.spec.trigger === "safety") return "safety backup, before a restore here";
  return backup.spec.trigger === "schedule" ? "scheduled" : "asked for";
}

interface Shown {
  label: string;
  tone: Tone;
  running: boolean;
}

const QUEUED: Shown = { label: "Queued", tone: "neutral", running: true };
const SHOWN: Record<string, Shown> = {
  QUEUED,
  DUMPING: { label: "Dumping", tone: "info", running: true },
  SAFETY_BACKUP: { label: "Safety backup", tone: "info", running: true },
  VERIFYING: { label: "Verifying", tone: "info", running: true },
  RESTORING: { label: "Restoring", tone: "info", running: true },
  VERIFIED: { label: "Verified", tone: "ok", running: false },
  FAILED: { label: "Failed", tone: "bad", running: false },
};

/** A backup kept in a backup target is uploaded while it is dumped. */
const DUMPING_TO_TARGET: Shown = { label: "Dumping and uploading", tone: "info", running: true };

export function shownPhase(backup: Backup): Shown {
  if (backup.phase === "DUMPING" && backup.spec.target_id) return DUMPING_TO_TARGET;
  return SHOWN[backup.phase ?? "QUEUED"] ?? QUEUED;
}

/** How far along a backup is, 0..1, for its progress bar (a failed one stops where it was). */
export function progressOf(backup: Backup): number {
  const steps = isInPlace(backup) ? IN_PLACE_STEPS : isRestore(backup) ? RESTORE_STEPS : STEPS;
  const index = steps.indexOf(backup.phase ?? "QUEUED");
  return index < 0 ? 1 : index / (steps.length - 1);
}

function numberAt(details: Record<string, unknown> | undefined, name: string): number | null {
  const value = details?.[name];
  return typeof value === "number" ? value : null;
}

/** "12.5 s" or "850 ms": the dump (and its upload) and the check together. */
export function durationOf(backup: Backup): string | null {
  const details = backup.status.details;
  const first = numberAt(details, "dump_seconds") ?? numberAt(details, "restore_seconds");
  if (first === null) return null;
  const total = first + (numberAt(details, "verify_seconds") ?? 0);
  return total < 1 ? `${Math.round(total * 1000)} ms` : `${total.toFixed(1)} s`;
}

/** A volume snapshot's files (regular files; its links are checked too). */
export function filesOf(backup: Backup): number | null {
  return numberAt(backup.status.details, "files");
}

/** A snapshot of a volume's files (restic), or a restore of one into a new volume. */
export function isVolumeSnapshot(backup: Pick<Backup, "spec">): boolean {
  return Boolean(backup.spec.volume_id);
}

/** "volume data": what a volume snapshot is of (the overview's first column). */
export function volumeOf(backup: Backup): string {
  const slug = backup.status.details?.volume_slug;
  return typeof slug === "string" ? `volume ${slug}` : "a volume";
}

export function sizeOf(backup: Backup): number | null {
  return numberAt(backup.status.details, "size_bytes");
}

/** The condition's message: what was checked, or why it failed. */
export function verdictOf(backup: Backup): string | null {
  const condition = (backup.status.conditions ?? []).find((c) => c.type === "Verified");
  return condition?.message || null;
}

export const SCHEDULE_EXAMPLES: [string, string][] = [
  ["0 3 * * *", "every day at 03:00 UTC"],
  ["0 */6 * * *", "every 6 hours"],
  ["30 2 * * 0", "Sundays at 02:30 UTC"],
];

/** Only a verified backup (not a restore, not being deleted) has a file to download. */
export function canDownload(backup: Backup): boolean {
  return backup.phase === "VERIFIED" && !isRestore(backup) && !backup.deleted_at;
}

/** The file, as an attachment named after the database and the time (the session's cookie). */
export function downloadUrl(backup: Backup): string {
  return `${API}/backups/${backup.id}/file`;
}

/** How it came to be: a person asked, the schedule made it, or it restores another. */
export function triggerOf(backup: Backup): string {
  const what = isVolumeSnapshot(backup) ? "snapshot" : "backup";
  if (isRestore(backup)) return `restore of ${what} ${backup.spec.restore_from?.slice(0, 8)}`;
  return backup.spec.trigger === "schedule" ? "scheduled" : "asked for";
}

/** The condition's message of a failed one: why. */
export function failureOf(backup: Backup): string | null {
  return backup.phase === "FAILED" ? verdictOf(backup) : null;
}

/** "shop / prod": where the database is. */
export function placeOf(database: BackupDatabase): string {
  return `${database.project_slug} / ${database.environment_slug}`;
}

/** Its database's Backups tab; none once the database is deleted. */
export function databaseLink(database: BackupDatabase): string | null {
  return database.service_deleted ? null : `/services/${database.service_id}/backups`;
}

export const PHASE_FILTERS: [BackupPhase | "", string][] = [
  ["", "All"],
  ["VERIFIED", "Verified"],
  ["FAILED", "Failed"],
  ["DUMPING", "Dumping"],
  ["VERIFYING", "Verifying"],
  ["RESTORING", "Restoring"],
  ["QUEUED", "Queued"],
];

/** The platform-wide list's address: a page after `cursor`, of one phase or all. */
export function overviewPath(phase: BackupPhase | "", cursor: string | null, limit = 50): string {
  const query = new URLSearchParams({ limit: String(limit) });
  if (phase) query.set("phase", phase);
  if (cursor) query.set("cursor", cursor);
  return `/backups?${query.toString()}`;
}

/** Older pages appended to the first (which is polled): each backup once, newest first. */
export function mergePages<T extends { id: string }>(first: T[], older: T[]): T[] {
  const seen = new Set(first.map((item) => item.id));
  return [...first, ...older.filter((item) => !seen.has(item.id))];
}

/** Its file is encrypted at rest (age): said on the row, and its download is named .age. */
export function isEncrypted(backup: Backup): boolean {
  return Boolean(backup.spec.encrypted) && !isRestore(backup);
}

/** Where the key of encrypted backups comes from, and how a download is read elsewhere. */
export const ENCRYPTION_HELP =
  "Encrypted with age, with a key derived from the platform's secret key: whoever keeps that key (zaneops secret-key export) can read every encrypted backup. To decrypt a download anywhere: zaneops backup-key export --output key.txt, then age -d -i key.txt FILE.age > dump.";
