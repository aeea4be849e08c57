// A deployment's build as a person follows it: where it is now, and why it failed.

import type { Build, BuildPhase, Deployment } from "../api/types";
import type { Tone } from "../components/ui";

export const BUILD_PHASES: Record<BuildPhase, { label: string; tone: Tone; running: boolean }> = {
  QUEUED: { label: "Queued", tone: "neutral", running: true },
  CLONING: { label: "Cloning", tone: "info", running: true },
  BUILDING: { label: "Building", tone: "info", running: true },
  SUCCEEDED: { label: "Built", tone: "ok", running: false },
  FAILED: { label: "Failed", tone: "bad", running: false },
  CANCELLED: { label: "Cancelled", tone: "neutral", running: false },
};

/** No phase yet: the builds controller has not picked the row up, so it waits like a queued one. */
export function buildPhaseOf(build: Build): BuildPhase {
  return build.phase ?? "QUEUED";
}

/** A Git deployment with no image yet and not ended: its build is what it waits for. */
export function waitsForBuild(deployment: Deployment): boolean {
  const pending =
    deployment.phase === null || deployment.phase === "QUEUED" || deployment.phase === "BUILDING";
  return deployment.spec.service_spec.source.type === "git" && !deployment.spec.image && pending;
}

/** The services controller's reason for a deployment whose build ended without an image. */
export function endedByBuild(deployment: Deployment): boolean {
  return (deployment.status.conditions ?? []).some(
    (c) => c.reason === "BuildFailed" || c.reason === "BuildCancelled",
  );
}

export interface Failure {
  /** The controller's reason, readable: "Clone failed", "Health check failing"... */
  title: string;
  /** The cause, e.g. "Step 2/3 : RUN make failed: exit code 2". */
  summary: string;
  /** The last log lines the controller appended to its message. */
  lines: string[];
}

const LAST_LINES = "\nlast log lines:\n";

/** A controller's failure message split into its cause and the log lines it ends with. */
export function failureOf(reason: string, message: string): Failure {
  const cut = message.indexOf(LAST_LINES);
  const summary = (cut < 0 ? message : message.slice(0, cut)).trim();
  const lines =
    cut < 0
      ? []
      : message
          .slice(cut + LAST_LINES.length)
          .split("\n")
          .filter((line) => line.trim());
  return { title: reasonLabel(reason), summary, lines };
}

/** "DockerfileNotFound" → "Dockerfile not found". */
export function reasonLabel(reason: string): string {
  const words = reason.replace(/([a-z0-9])([A-Z])/g, "$1 $2").split(" ");
  return words
    .map((word, i) => (i === 0 || word === "Dockerfile" ? word : word.toLowerCase()))
    .join(" ");
}

/** Why the build failed, from its Succeeded condition; null while it has not failed. */
export function buildFailure(build: Build): Failure | null {
  if (build.phase !== "FAILED") return null;
  const outcome = (build.status.conditions ?? []).find((c) => c.type === "Succeeded");
  return failureOf(outcome?.reason || "BuildFailed", outcome?.message ?? "");
}

/** Why the deployment failed (the services controller's words); null unless it did. */
export function deploymentFailure(deployment: Deployment): Failure | null {
  if (deployment.phase !== "FAILED") return null;
  const said = (deployment.status.conditions ?? []).find((c) => c.type === "Deployed");
  return failureOf(said?.reason || "Failed", said?.message ?? "");
}
