import { describe, expect, it } from "vitest";
import type { Run } from "../../api/types";
import { runEnded, runFailure, runPhaseOf } from "./Runs";

function run(phase: Run["phase"], conditions: Run["status"]["conditions"] = []): Run {
  return {
    id: "r1",
    parent_id: "s1",
    generation: 1,
    phase,
    exit_code: null,
    spec: {
      command: ["echo", "hi"],
      deployment_id: "d1",
      timeout_seconds: 3600,
      cancel_requested: false,
    },
    status: { observed_generation: 0, conditions, details: {} },
    finalizers: [],
    deleted_at: null,
    created_at: "2026-12-02T00:00:00Z",
    updated_at: "2026-12-02T00:00:00Z",
  };
}

describe("runs", () => {
  it("counts a run the controller has not looked at yet as queued, not ended", () => {
    expect(runPhaseOf(run(null))).toBe("QUEUED");
    expect(runEnded(run(null))).toBe(false);
    expect(runEnded(run("RUNNING"))).toBe(false);
    expect(runEnded(run("CANCELLED"))).toBe(true);
  });

  it("says why a run failed from its Completed condition, and nothing for a success", () => {
    const failed = run("FAILED", [
      {
        type: "Completed",
        status: "False",
        reason: "ContainerExited",
        message: "the container exited with code 3\nlast output lines:\nbad",
      },
    ]);
    expect(runFailure(failed)).toBe(
      "ContainerExited: the container exited with code 3\nlast output lines:\nbad",
    );
    expect(runFailure(run("SUCCEEDED"))).toBeNull();
    expect(runFailure(run("RUNNING"))).toBeNull();
  });
});
