import { describe, expect, it } from "vitest";
import type { Backup } from "../api/types";
import {
  canDownload,
  databaseLink,
  downloadUrl,
  durationOf,
  failureOf,
  filesOf,
  isEncrypted,
  isVolumeSnapshot,
  kindOf,
  mergePages,
  overviewPath,
  placeOf,
  progressOf,
  shownPhase,
  triggerOf,
  verdictOf,
  volumeOf,
} from "./backups";

function backup(phase: Backup["phase"], details: Record<string, unknown> = {}): Backup {
  const made: Backup = {
    id: "b",
    parent_id: "e",
    spec: {
      service_id: "s",
      trigger: "manual",
      in_place: false,
      platform: false,
      pause: false,
      encrypted: false,
    },
    generation: 1,
    status: {
      observed_generation: 1,
      conditions: [
        {
          type: "Verified",
          status: phase === "VERIFIED" ? "True" : "Unknown",
          reason: "r",
          message: "restored: 2 tables",
        },
      ],
      details,
    },
    finalizers: [],
    deleted_at: null,
    created_at: "2026-12-07T00:00:00Z",
    updated_at: "2026-12-07T00:00:00Z",
    phase,
  };
  return made;
}

describe("backups", () => {
  it("moves its progress bar through dump and check", () => {
    expect(progressOf(backup(null))).toBe(0);
    expect(progressOf(backup("DUMPING"))).toBeCloseTo(1 / 3);
    expect(progressOf(backup("VERIFYING"))).toBeCloseTo(2 / 3);
    expect(progressOf(backup("VERIFIED"))).toBe(1);
  });

  it("says a backup kept in a target is uploaded while it is dumped", () => {
    const kept = (phase: Backup["phase"]) => ({
      ...backup(phase),
      spec: { ...backup(null).spec, target_id: "t" },
    });
    expect(progressOf(kept("DUMPING"))).toBeCloseTo(1 / 3);
    expect(shownPhase(kept("DUMPING"))).toMatchObject({
      label: "Dumping and uploading",
      running: true,
    });
    expect(shownPhase(backup("DUMPING")).label).toBe("Dumping");
  });

  it("moves a restore's bar through its own steps", () => {
    const restore = { ...backup("RESTORING"), spec: { ...backup(null).spec, restore_from: "b0" } };
    expect(progressOf(restore)).toBeCloseTo(1 / 2);
  });

  it("moves a restore in place's bar through its safety backup first", () => {
    const spec = { ...backup(null).spec, restore_from: "b0", in_place: true };
    expect(progressOf({ ...backup("SAFETY_BACKUP"), spec })).toBeCloseTo(1 / 3);
    expect(progressOf({ ...backup("RESTORING"), spec })).toBeCloseTo(2 / 3);
    expect(shownPhase(backup("SAFETY_BACKUP"))).toMatchObject({ label: "Safety backup" });
  });

  it("says what each row is", () => {
    const spec = backup(null).spec;
    expect(
      kindOf({ ...backup(null), spec: { ...spec, restore_from: "1a2b3c4d5e", in_place: true } }),
    ).toBe("restore here of backup 1a2b3c4d");
    expect(kindOf({ ...backup(null), spec: { ...spec, trigger: "safety" } })).toBe(
      "safety backup, before a restore here",
    );
    expect(kindOf(backup(null))).toBe("asked for");
  });

  it("says a backup is encrypted only when its own row says so, never a restore", () => {
    const spec = backup("VERIFIED").spec;
    expect(isEncrypted(backup("VERIFIED"))).toBe(false);
    expect(isEncrypted({ ...backup("VERIFIED"), spec: { ...spec, encrypted: true } })).toBe(true);
    const restore = { ...spec, encrypted: true, restore_from: "1a2b3c4d" };
    expect(isEncrypted({ ...backup("VERIFIED"), spec: restore })).toBe(false);
  });

  it("tells a running backup from a finished one", () => {
    expect(shownPhase(backup("VERIFYING")).running).toBe(true);
    expect(shownPhase(backup("FAILED"))).toMatchObject({ label: "Failed", tone: "bad" });
  });

  it("adds the dump's and the check's time, and says what was checked", () => {
    expect(durationOf(backup("VERIFIED", { dump_seconds: 1.2, verify_seconds: 3.4 }))).toBe(
      "4.6 s",
    );
    expect(durationOf(backup("DUMPING"))).toBeNull();
    expect(verdictOf(backup("VERIFIED"))).toBe("restored: 2 tables");
  });
});

describe("the backups overview", () => {
  const database = {
    project_id: "p",
    project_slug: "shop",
    project_name: "Shop",
    environment_id: "e",
    environment_slug: "prod",
    service_id: "s1",
    service_slug: "db",
    service_deleted: false,
    engine: "postgres",
  };

  it("offers the file of a verified backup only, never of a restore or one being deleted", () => {
    const restore = { ...backup("VERIFIED"), spec: { ...backup(null).spec, restore_from: "b0" } };
    expect(canDownload(backup("VERIFIED"))).toBe(true);
    expect(canDownload(backup("FAILED"))).toBe(false);
    expect(canDownload(restore)).toBe(false);
    expect(canDownload({ ...backup("VERIFIED"), deleted_at: "2026-12-07T01:00:00Z" })).toBe(false);
    expect(downloadUrl(backup("VERIFIED"))).toBe("/api/v1/backups/b/file");
  });

  it("says how a backup came to be, and why one failed", () => {
    const scheduled = {
      ...backup(null),
      spec: {
        service_id: "s",
        trigger: "schedule" as const,
        in_place: false,
        platform: false,
        pause: false,
        encrypted: false,
      },
    };
    expect(triggerOf(scheduled)).toBe("scheduled");
    expect(triggerOf(backup(null))).toBe("asked for");
    expect(failureOf(backup("FAILED"))).toBe("restored: 2 tables");
    expect(failureOf(backup("VERIFIED"))).toBeNull();
  });

  it("links to the database's Backups tab while the database exists", () => {
    expect(placeOf(database)).toBe("shop / prod");
    expect(databaseLink(database)).toBe("/services/s1/backups");
    expect(databaseLink({ ...database, service_deleted: true })).toBeNull();
  });

  it("asks for one phase or all, after a cursor", () => {
    expect(overviewPath("", null)).toBe("/backups?limit=50");
    expect(overviewPath("FAILED", "abc", 20)).toBe("/backups?limit=20&phase=FAILED&cursor=abc");
  });

  it("appends older pages without repeating a backup the first page now holds", () => {
    const merged = mergePages([{ id: "c" }, { id: "b" }], [{ id: "b" }, { id: "a" }]);
    expect(merged.map((item) => item.id)).toEqual(["c", "b", "a"]);
  });
});

describe("volume snapshots", () => {
  it("are named by their volume, with their files, and their restores say snapshot", () => {
    const snapshot = backup("VERIFIED", { volume_slug: "files", files: 10 });
    snapshot.spec = { ...snapshot.spec, volume_id: "v" };
    expect(isVolumeSnapshot(snapshot)).toBe(true);
    expect(volumeOf(snapshot)).toBe("volume files");
    expect(filesOf(snapshot)).toBe(10);
    const restore = { ...snapshot, spec: { ...snapshot.spec, restore_from: "1a2b3c4d5e" } };
    expect(triggerOf(restore)).toBe("restore of snapshot 1a2b3c4d");
    expect(isVolumeSnapshot(backup(null))).toBe(false);
    expect(
      triggerOf({ ...backup(null), spec: { ...backup(null).spec, restore_from: "abcdef123" } }),
    ).toBe("restore of backup abcdef12");
  });
});
