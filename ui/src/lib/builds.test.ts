import { describe, expect, it } from "vitest";
import type {
  Build,
  BuildPhase,
  Condition,
  Deployment,
  DeploymentPhase,
  GitSource,
  ServiceSpec,
} from "../api/types";
import {
  buildFailure,
  buildPhaseOf,
  deploymentFailure,
  endedByBuild,
  reasonLabel,
  waitsForBuild,
} from "./builds";

const WHEN = "2026-01-01T00:00:00Z";
const GIT: GitSource = {
  type: "git",
  repository_url: "https://git.example.com/app.git",
  branch: "main",
  context: ".",
  dockerfile_path: "Dockerfile",
};

function condition(
  type: string,
  status: Condition["status"],
  reason: string,
  message: string,
): Condition {
  return { type, status, reason, message, last_transition_time: WHEN };
}

function build(phase: BuildPhase | null, conditions: Condition[] = []): Build {
  return {
    id: "b1",
    parent_id: "d1",
    spec: { deployment_id: "d1", source: GIT, timeout: 1800 },
    generation: 1,
    status: { observed_generation: 1, conditions, details: {} },
    finalizers: [],
    deleted_at: null,
    created_at: WHEN,
    updated_at: WHEN,
    phase,
    image: null,
  };
}

function deployment(
  phase: DeploymentPhase | null,
  image: string | null,
  kind: "git" | "image" = "git",
  conditions: Condition[] = [],
): Deployment {
  const source: ServiceSpec["source"] = kind === "git" ? GIT : { type: "image", image: "nginx" };
  return {
    id: "d1",
    parent_id: "s1",
    generation: 1,
    phase,
    spec: {
      service_spec: { slug: "app", source, mode: "service", replicas: 1, restart_policy: "any" },
      image,
      trigger: "deploy",
      rollback_of: null,
      commit_sha: null,
      cancel_requested: false,
    },
    status: { observed_generation: 1, conditions, details: {} },
    finalizers: [],
    deleted_at: null,
    created_at: WHEN,
    updated_at: WHEN,
  };
}

describe("build progress", () => {
  it("counts a build no controller has picked up yet as queued", () => {
    expect(buildPhaseOf(build(null))).toBe("QUEUED");
    expect(buildPhaseOf(build("CLONING"))).toBe("CLONING");
  });

  it("follows the build of a Git deployment that has no image and has not ended", () => {
    expect(waitsForBuild(deployment("BUILDING", null))).toBe(true);
    expect(waitsForBuild(deployment(null, null))).toBe(true);
    expect(waitsForBuild(deployment("STARTING", "zane-build/s1:abc"))).toBe(false);
    expect(waitsForBuild(deployment("FAILED", null))).toBe(false);
    expect(waitsForBuild(deployment("QUEUED", null, "image"))).toBe(false);
  });

  it("knows a deployment ended by its build from the services controller's reason", () => {
    const failed = deployment("FAILED", null, "git", [
      condition("Ready", "False", "BuildFailed", "the build failed"),
    ]);
    expect(endedByBuild(failed)).toBe(true);
    expect(
      endedByBuild(
        deployment("FAILED", "img", "git", [condition("Ready", "False", "Unhealthy", "")]),
      ),
    ).toBe(false);
  });
});

describe("build failure", () => {
  it("splits the reason, the cause and the last log lines the controller appended", () => {
    const message =
      "Step 2/3 : RUN make failed: exit code 2\nlast log lines:\nStep 2/3 : RUN make\n\nmake: *** no rule\n";
    const failed = build("FAILED", [condition("Succeeded", "False", "BuildFailed", message)]);
    expect(buildFailure(failed)).toEqual({
      title: "Build failed",
      summary: "Step 2/3 : RUN make failed: exit code 2",
      lines: ["Step 2/3 : RUN make", "make: *** no rule"],
    });
  });

  it("shows a message without log lines whole", () => {
    const failed = build("FAILED", [
      condition("Succeeded", "False", "CredentialsUnavailable", "ZANE_SECRET_KEY is not set"),
    ]);
    expect(buildFailure(failed)).toEqual({
      title: "Credentials unavailable",
      summary: "ZANE_SECRET_KEY is not set",
      lines: [],
    });
  });

  it("says nothing for a build that has not failed", () => {
    expect(
      buildFailure(build("BUILDING", [condition("Succeeded", "Unknown", "Building", "")])),
    ).toBeNull();
  });

  it("reads the controller's reasons as words", () => {
    expect(reasonLabel("CloneFailed")).toBe("Clone failed");
    expect(reasonLabel("DockerfileNotFound")).toBe("Dockerfile not found");
    expect(reasonLabel("TimedOut")).toBe("Timed out");
  });
});

describe("deploymentFailure", () => {
  function failedDeployment(conditions: Condition[]): Deployment {
    return {
      id: "d1",
      parent_id: "s1",
      spec: {
        service_spec: { slug: "web", source: { type: "image", image: "nginx" } } as ServiceSpec,
        image: "nginx",
        trigger: "deploy",
      } as Deployment["spec"],
      generation: 1,
      status: { observed_generation: 1, conditions, details: { phase: "FAILED" } },
      finalizers: [],
      deleted_at: null,
      created_at: WHEN,
      updated_at: WHEN,
      phase: "FAILED" as DeploymentPhase,
    } as Deployment;
  }

  it("titles the reason and splits off the container's last log lines", () => {
    const message =
      "nothing listens on port 80 in the container\nlast log lines:\nlistening on :8080\n";
    const failed = failedDeployment([condition("Deployed", "False", "PortNotListening", message)]);
    expect(deploymentFailure(failed)).toEqual({
      title: "Port not listening",
      summary: "nothing listens on port 80 in the container",
      lines: ["listening on :8080"],
    });
  });

  it("is null while the deployment has not failed", () => {
    const healthy = { ...failedDeployment([]), phase: "HEALTHY" as DeploymentPhase };
    expect(deploymentFailure(healthy)).toBeNull();
  });
});
