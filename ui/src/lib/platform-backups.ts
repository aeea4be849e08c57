// The platform's own backups: the newest verified one, the one running, and the commands that
// restore one on a new machine.

import type { Backup } from "../api/types";

export const PLATFORM_BACKUPS_PATH = "/platform/backups?limit=20";
export const PLATFORM_POLICY_PATH = "/platform/backup-policy";

/** The newest verified backup (the list is newest first). */
export function lastVerified(backups: Backup[]): Backup | null {
  return backups.find((backup) => backup.phase === "VERIFIED" && !backup.deleted_at) ?? null;
}

/** The newest one, when it has not ended: what "Back up now" started, or the schedule. */
export function running(backups: Backup[]): Backup | null {
  const newest = backups[0];
  if (!newest || newest.phase === "VERIFIED" || newest.phase === "FAILED") return null;
  return newest;
}

/** The newest one when it failed after the last verified one: said, with its reason. */
export function lastFailure(backups: Backup[]): Backup | null {
  const newest = backups[0];
  return newest?.phase === "FAILED" ? newest : null;
}

/** What a person runs on a new machine, after `zaneops up`, with the downloaded file. */
export function restoreCommands(fileName: string): string[] {
  return [
    "zaneops secret-key export --output zaneops-key.txt   # now, on this machine (0600); keep it apart",
    `zaneops restore ${fileName} --secret-key-file zaneops-key.txt`,
  ];
}
