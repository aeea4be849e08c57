import { describe, expect, it } from "vitest";
import type { Backup } from "../api/types";
import { lastFailure, lastVerified, restoreCommands, running } from "./platform-backups";

function backup(id: string, phase: Backup["phase"]): Backup {
  return {
    id,
    parent_id: null,
    spec: {
      service_id: null,
      platform: true,
      trigger: "manual",
      in_place: false,
      pause: false,
      encrypted: false,
    },
    generation: 1,
    status: { observed_generation: 0, conditions: [], details: {} },
    finalizers: [],
    deleted_at: null,
    created_at: "2026-12-07T02:30:00Z",
    updated_at: "2026-12-07T02:30:00Z",
    phase,
  };
}

describe("the platform's backups", () => {
  it("finds the newest verified one past a running one", () => {
    const list = [backup("b3", "DUMPING"), backup("b2", "VERIFIED"), backup("b1", "VERIFIED")];
    expect(lastVerified(list)?.id).toBe("b2");
    expect(running(list)?.id).toBe("b3");
    expect(lastFailure(list)).toBeNull();
  });

  it("says nothing runs once the newest ended, and names a failure", () => {
    const list = [backup("b2", "FAILED"), backup("b1", "VERIFIED")];
    expect(running(list)).toBeNull();
    expect(lastFailure(list)?.id).toBe("b2");
    expect(lastVerified([])).toBeNull();
  });

  it("gives the two commands of a restore, with the file's name", () => {
    const [exported, restore] = restoreCommands("zaneops-platform-x.pgdump");
    expect(exported).toContain("zaneops secret-key export --output zaneops-key.txt");
    expect(restore).toBe(
      "zaneops restore zaneops-platform-x.pgdump --secret-key-file zaneops-key.txt",
    );
  });
});
