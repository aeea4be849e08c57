import type { Deployment, DeploymentPhase, Service, Status } from "../api/types";
import { Badge, type Tone } from "./ui";

const PHASES: Record<DeploymentPhase, { tone: Tone; label: string; live?: boolean }> = {
  QUEUED: { tone: "neutral", label: "Queued", live: true },
  BUILDING: { tone: "info", label: "Building", live: true },
  STARTING: { tone: "warn", label: "Starting", live: true },
  HEALTHY: { tone: "ok", label: "Healthy" },
  SUCCEEDED: { tone: "ok", label: "Succeeded" },
  FAILED: { tone: "bad", label: "Failed" },
  REMOVED: { tone: "neutral", label: "Removed" },
  CANCELLED: { tone: "neutral", label: "Cancelled" },
};

export function phaseOf(deployment: Deployment): DeploymentPhase {
  return deployment.phase ?? "QUEUED";
}

export function isFinished(phase: DeploymentPhase): boolean {
  return ["HEALTHY", "SUCCEEDED", "FAILED", "REMOVED", "CANCELLED"].includes(phase);
}

export function phaseTone(phase: DeploymentPhase): Tone {
  return PHASES[phase].tone;
}

export function PhaseBadge({ deployment }: { deployment: Deployment }) {
  const phase = phaseOf(deployment);
  const shown = PHASES[phase];
  const cancelling = deployment.spec.cancel_requested && !isFinished(phase);
  return (
    <Badge tone={shown.tone} live={Boolean(shown.live)}>
      {cancelling ? "Cancelling" : shown.label}
    </Badge>
  );
}

export function readyOf(status: Status) {
  return (status.conditions ?? []).find((condition) => condition.type === "Ready");
}

/** The service's state: its Ready condition if a controller wrote one, else the latest deployment. */
export function ServiceBadge({
  service,
  latest,
}: {
  service: Service;
  latest?: Deployment | undefined;
}) {
  if (service.deleted_at)
    return (
      <Badge tone="bad" live>
        Deleting
      </Badge>
    );
  const ready = readyOf(service.status);
  if (ready) {
    const tone: Tone = ready.status === "True" ? "ok" : ready.status === "False" ? "bad" : "warn";
    const label = ready.status === "True" ? "Running" : ready.reason || "Not ready";
    return <Badge tone={tone}>{label}</Badge>;
  }
  if (latest) return <PhaseBadge deployment={latest} />;
  return <Badge>Not deployed</Badge>;
}

/** Running replicas as the services controller reports them, when it does. */
export function runningReplicas(status: Status): number | null {
  const details = status.details ?? {};
  for (const key of ["running_replicas", "replicas_running", "running", "tasks_running"]) {
    const value = details[key];
    if (typeof value === "number") return value;
  }
  return null;
}
