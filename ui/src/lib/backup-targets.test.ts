import { describe, expect, it } from "vitest";
import { MASK, type Backup, type BackupTarget } from "../api/types";
import {
  BACKUPS_FOLDER,
  bucketPathOf,
  keptIn,
  liveTargets,
  targetSpecOf,
  targetValuesOf,
} from "./backup-targets";

const at = "2026-12-07T00:00:00Z";

function target(id: string, name: string, deleted = false): BackupTarget {
  return {
    id,
    parent_id: null,
    spec: {
      type: "s3",
      name,
      endpoint: "https://s3.example.com",
      region: "eu-west-1",
      bucket: "backups",
      prefix: "zaneops/prod",
      access_key_id: "AKIA1",
      secret_access_key: MASK,
    },
    generation: 3,
    status: { observed_generation: 3, conditions: [], details: {} },
    finalizers: [],
    deleted_at: deleted ? at : null,
    created_at: at,
    updated_at: at,
  };
}

function backup(details: Record<string, unknown>, target_id: string | null = null): Backup {
  return {
    id: "b",
    parent_id: "e",
    spec: {
      service_id: "s",
      trigger: "manual",
      target_id,
      in_place: false,
      encrypted: false,
      platform: false,
      pause: false,
    },
    generation: 1,
    status: { observed_generation: 1, conditions: [], details },
    finalizers: [],
    deleted_at: null,
    created_at: at,
    updated_at: at,
    phase: null,
  };
}

describe("the backup target form", () => {
  it("starts blank, in us-east-1", () => {
    const values = targetValuesOf();
    expect(values.region).toBe("us-east-1");
    expect(values.secret_access_key).toBe("");
  });

  it("sends back a stored target's masked secret untouched, which keeps it", () => {
    const spec = targetSpecOf(targetValuesOf(target("t1", "offsite")));
    expect(spec).toMatchObject({ name: "offsite", bucket: "backups", prefix: "zaneops/prod" });
    expect(spec.secret_access_key).toBe(MASK);
  });

  it("trims text but takes the secret as typed, and a blank region as the default", () => {
    const spec = targetSpecOf({
      ...targetValuesOf(),
      name: "  offsite ",
      endpoint: " https://minio.local:9000 ",
      region: " ",
      bucket: "Bad_Bucket ",
      secret_access_key: " s3cr3t",
    });
    expect(spec).toMatchObject({
      type: "s3",
      name: "offsite",
      endpoint: "https://minio.local:9000",
      region: "us-east-1",
      bucket: "Bad_Bucket", // the API says what is wrong with it, at the field
      secret_access_key: " s3cr3t",
    });
  });
});

describe("where backups go", () => {
  it("reads a target's bucket and folder as an s3:// address", () => {
    expect(bucketPathOf({ bucket: "b", prefix: "" })).toBe("s3://b");
    expect(bucketPathOf({ bucket: "b", prefix: "/a/b/" })).toBe("s3://b/a/b");
  });

  it("lists live targets by name", () => {
    const listed = liveTargets([target("1", "zeta"), target("2", "gone", true), target("3", "a")]);
    expect(listed.map((t) => t.spec.name)).toEqual(["a", "zeta"]);
  });

  it("says where one backup is kept: its address, its target on the way, or the folder", () => {
    const names = { t1: "offsite" };
    expect(keptIn(backup({ location: "s3://b/p/e/b.pgdump" }, "t1"), names)).toBe(
      "s3://b/p/e/b.pgdump",
    );
    expect(keptIn(backup({}, "t1"), names)).toBe("to offsite");
    expect(keptIn(backup({}, "0123456789"), names)).toBe("to target 01234567");
    expect(keptIn(backup({}), names)).toBe(BACKUPS_FOLDER);
  });
});
