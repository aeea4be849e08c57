// Backup targets (S3-compatible stores) as their form edits them and as a person reads them:
// where a target puts files, and where one backup is kept.

import type { Backup, BackupTarget, BackupTargetSpec } from "../api/types";

export const DEFAULT_REGION = "us-east-1";

/** The form's text fields, in the order shown; each is the API's field of the same name. */
export const TARGET_FIELDS = [
  "name",
  "endpoint",
  "region",
  "bucket",
  "prefix",
  "access_key_id",
  "secret_access_key",
] as const;

export type TargetField = (typeof TARGET_FIELDS)[number];
export type TargetValues = Record<TargetField, string>;

/** A new target's blank form, or a stored one's values (its secret comes back masked). */
export function targetValuesOf(target?: BackupTarget): TargetValues {
  const spec = target?.spec;
  return {
    name: spec?.name ?? "",
    endpoint: spec?.endpoint ?? "",
    region: spec?.region ?? DEFAULT_REGION,
    bucket: spec?.bucket ?? "",
    prefix: spec?.prefix ?? "",
    access_key_id: spec?.access_key_id ?? "",
    secret_access_key: spec?.secret_access_key ?? "",
  };
}

/** The spec the API takes: text trimmed, a blank region its default; the secret as typed (a
 * masked one sent back keeps the stored secret). */
export function targetSpecOf(values: TargetValues): BackupTargetSpec {
  return {
    type: "s3",
    name: values.name.trim(),
    endpoint: values.endpoint.trim(),
    region: values.region.trim() || DEFAULT_REGION,
    bucket: values.bucket.trim(),
    prefix: values.prefix.trim(),
    access_key_id: values.access_key_id.trim(),
    secret_access_key: values.secret_access_key,
  };
}

/** "s3://bucket/folder", how the target's backups' addresses start. */
export function bucketPathOf(spec: Pick<BackupTargetSpec, "bucket" | "prefix">): string {
  const folder = spec.prefix.replace(/^\/+|\/+$/g, "");
  return folder ? `s3://${spec.bucket}/${folder}` : `s3://${spec.bucket}`;
}

/** The live targets, by name, for lists and selects (a deleted one is on its way out). */
export function liveTargets(targets: BackupTarget[]): BackupTarget[] {
  return targets
    .filter((target) => !target.deleted_at)
    .sort((a, b) => a.spec.name.localeCompare(b.spec.name));
}

export const BACKUPS_FOLDER = "backups folder";

/**
 * Where a backup is kept: its file's address once uploaded; before that the target it goes to
 * (by name while the target is known); "backups folder" when it stays on this server.
 */
export function keptIn(backup: Backup, targetNames: Record<string, string>): string {
  const location = backup.status.details?.location;
  if (typeof location === "string" && location) return location;
  const targetId = backup.spec.target_id;
  if (!targetId) return BACKUPS_FOLDER;
  return `to ${targetNames[targetId] ?? `target ${targetId.slice(0, 8)}`}`;
}
