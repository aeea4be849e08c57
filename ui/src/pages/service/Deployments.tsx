// The deployments of a service, newest first, with live status, what each changed,
// and the actions that make sense for it.

import { useState } from "react";
import { get, post } from "../../api/client";
import { messageOf } from "../../api/errors";
import type { Build, Deployment, LogPage, Page } from "../../api/types";
import { useApp } from "../../components/app-context";
import { DiffView } from "../../components/DiffView";
import { isFinished, PhaseBadge, phaseOf, phaseTone } from "../../components/status";
import { Badge, Button, Card, Empty, Loading, useAction } from "../../components/ui";
import {
  BUILD_PHASES,
  buildFailure,
  deploymentFailure,
  type Failure,
  buildPhaseOf,
  endedByBuild,
  waitsForBuild,
} from "../../lib/builds";
import { dateTime, shortId, timeAgo } from "../../lib/format";
import { usePoll } from "../../lib/hooks";
import { specChanges } from "../../lib/specdiff";
import { useService } from "./context";

const TRIGGERS = {
  deploy: "Deploy",
  redeploy: "Redeploy",
  rollback: "Rollback",
  webhook: "Push",
} as const;

export function Deployments() {
  const { deployments } = useService();
  if (!deployments) return <Loading />;
  if (deployments.length === 0) {
    return (
      <Card>
        <Empty title="No deployments yet">Deploy the service to see its history here.</Empty>
      </Card>
    );
  }
  const live = deployments.find((d) => d.phase === "HEALTHY");
  return (
    <Card title="Deployments" description="Statuses update by themselves.">
      <ol className="timeline" aria-label="Deployments">
        {deployments.map((deployment, index) => (
          <DeploymentItem
            key={deployment.id}
            deployment={deployment}
            previous={deployments[index + 1]}
            isLive={deployment.id === live?.id}
          />
        ))}
      </ol>
    </Card>
  );
}

function message(deployment: Deployment): string {
  const conditions = deployment.status.conditions ?? [];
  const condition =
    conditions.find((c) => c.message && c.type !== "Reconciled") ??
    conditions.find((c) => c.message);
  return condition?.message ?? "";
}

function DeploymentItem({
  deployment,
  previous,
  isLive,
}: {
  deployment: Deployment;
  previous: Deployment | undefined;
  isLive: boolean;
}) {
  const { reload } = useService();
  const { notify } = useApp();
  const phase = phaseOf(deployment);
  const finished = isFinished(phase);
  const rollback = useAction(async () => {
    await post(`/deployments/${deployment.id}/rollback`);
    notify(`Rolling back to ${shortId(deployment.id)}`);
    await reload();
  });
  const cancel = useAction(async () => {
    await post(`/deployments/${deployment.id}/cancel`);
    notify("Cancel requested");
    await reload();
  });
  const changes = specChanges(previous?.spec.service_spec ?? null, deployment.spec.service_spec);
  const trigger = TRIGGERS[deployment.spec.trigger];
  const note = message(deployment);
  const failure = deploymentFailure(deployment);
  const error = rollback.error ?? cancel.error;
  const isGit = deployment.spec.service_spec.source.type === "git";
  // The build's own status says it better: its live phase, or why it failed with its last lines.
  const buildTells =
    isGit && (waitsForBuild(deployment) || (phase === "FAILED" && endedByBuild(deployment)));

  return (
    <li data-testid="deployment" data-phase={phase}>
      <span className={`node ${phaseTone(phase)}`} aria-hidden />
      <div className="head">
        <PhaseBadge deployment={deployment} />
        <strong>{trigger}</strong>
        <span className="mono muted">{shortId(deployment.id)}</span>
        {isLive ? <span className="badge accent">Live</span> : null}
        {deployment.spec.rollback_of ? (
          <span className="meta">of {shortId(deployment.spec.rollback_of)}</span>
        ) : null}
        <div className="actions">
          {!finished && !deployment.spec.cancel_requested ? (
            <Button small busy={cancel.busy} onClick={() => void cancel.run()}>
              Cancel
            </Button>
          ) : null}
          {/* Superseded deployments are REMOVED by the services controller: the usual targets. */}
          {!isLive && (phase === "HEALTHY" || phase === "REMOVED") ? (
            <Button small busy={rollback.busy} onClick={() => void rollback.run()}>
              Roll back to this
            </Button>
          ) : null}
        </div>
      </div>
      <div className="meta" title={dateTime(deployment.created_at)}>
        {timeAgo(deployment.created_at)} ·{" "}
        {deployment.spec.image ? (
          <span className="mono">{deployment.spec.image}</span>
        ) : (
          "image to be built"
        )}
        {deployment.spec.commit_sha ? (
          <span className="mono"> · {deployment.spec.commit_sha.slice(0, 7)}</span>
        ) : null}
      </div>
      {deployment.spec.from_repository ? (
        <div className="muted" data-testid="from-repository" style={{ marginTop: 4 }}>
          From <span className="mono">{deployment.spec.from_repository.file}</span>:{" "}
          {deployment.spec.from_repository.fields.length > 0 ? (
            <span className="mono">{deployment.spec.from_repository.fields.join(", ")}</span>
          ) : (
            "nothing set"
          )}
        </div>
      ) : null}
      {failure && !buildTells ? (
        <div style={{ marginTop: 4 }}>
          <FailureView failure={failure} testId="deployment-failure" />
        </div>
      ) : note && !buildTells ? (
        <div className="muted" style={{ marginTop: 4 }}>
          {note}
        </div>
      ) : null}
      {isGit ? <BuildSection deployment={deployment} followed={buildTells} note={note} /> : null}
      {error ? (
        <div className="form-error" style={{ marginTop: 8 }} role="alert">
          {messageOf(error)}
        </div>
      ) : null}
      <details>
        <summary>
          {previous
            ? `${changes.length} change${changes.length === 1 ? "" : "s"} from the previous deployment`
            : "First deployment: the whole spec"}
        </summary>
        <div style={{ marginTop: 8 }}>
          <DiffView changes={changes} empty="Same spec as the previous deployment." />
        </div>
      </details>
    </li>
  );
}

const BUILD_NOTES: Record<string, string> = {
  QUEUED: "waiting for a free build slot",
  CLONING: "fetching the repository",
  BUILDING: "running the Dockerfile",
};

/**
 * A Git deployment's build: followed live while the deployment waits for it (or shown once
 * when it failed), and its log on demand. `note` is the deployment's own message, shown
 * until the build is loaded.
 */
function BuildSection({
  deployment,
  followed,
  note,
}: {
  deployment: Deployment;
  followed: boolean;
  note: string;
}) {
  const [logOpen, setLogOpen] = useState(false);
  const running = !isFinished(phaseOf(deployment));
  const wanted = followed || logOpen;
  const builds = usePoll(
    (s) =>
      wanted
        ? get<Page<Build>>(`/deployments/${deployment.id}/builds?limit=1`, s)
        : Promise.resolve(undefined),
    [deployment.id, wanted],
    running && wanted ? 2000 : null,
  );
  const build = builds.data?.items[0];
  return (
    <>
      {followed ? <BuildProgress build={build} fallback={note} /> : null}
      <details onToggle={(event) => setLogOpen((event.target as HTMLDetailsElement).open)}>
        <summary>Build log</summary>
        {logOpen ? (
          <BuildLines
            build={build}
            loaded={builds.data !== undefined}
            running={running || (build !== undefined && BUILD_PHASES[buildPhaseOf(build)].running)}
          />
        ) : null}
      </details>
    </>
  );
}

function BuildProgress({ build, fallback }: { build: Build | undefined; fallback: string }) {
  if (!build)
    return fallback ? (
      <div className="muted" style={{ marginTop: 4 }}>
        {fallback}
      </div>
    ) : null;
  const phase = buildPhaseOf(build);
  const shown = BUILD_PHASES[phase];
  const failure = buildFailure(build);
  const commit = build.status.details?.commit_sha;
  return (
    <div className="build-progress" data-testid="build-status" data-phase={phase}>
      <div className="row">
        <Badge tone={shown.tone} live={shown.running}>
          Build: {shown.label}
        </Badge>
        {BUILD_NOTES[phase] ? <span className="muted">{BUILD_NOTES[phase]}</span> : null}
        {typeof commit === "string" ? (
          <span className="mono muted">{commit.slice(0, 7)}</span>
        ) : null}
      </div>
      {failure ? <FailureView failure={failure} testId="build-failure" /> : null}
    </div>
  );
}

/** Why something failed: the reason as a title, the cause, and the last log lines. */
function FailureView({ failure, testId }: { failure: Failure; testId: string }) {
  return (
    <div className="build-failure" data-testid={testId}>
      <div className="error">
        <strong>{failure.title}</strong>
        {failure.summary ? `: ${failure.summary}` : null}
      </div>
      {failure.lines.length > 0 ? (
        <div className="logs" aria-label="Last log lines">
          {failure.lines.map((line, index) => (
            <div className="line" key={index}>
              <span className="text">{line}</span>
            </div>
          ))}
        </div>
      ) : null}
    </div>
  );
}

function BuildLines({
  build,
  loaded,
  running,
}: {
  build: Build | undefined;
  loaded: boolean;
  running: boolean;
}) {
  const buildId = build?.id;
  const lines = usePoll(
    (s) =>
      buildId
        ? get<LogPage>(`/builds/${buildId}/logs?direction=forward&limit=500`, s)
        : Promise.resolve(undefined),
    [buildId],
    running ? 2000 : null,
  );
  if (loaded && !build) return <p className="muted">No build was recorded for this deployment.</p>;
  if (!lines.data) return <Loading label="Loading the build log" />;
  return (
    <div className="logs" style={{ height: 260, marginTop: 8, borderRadius: 8 }}>
      {lines.data.entries.length === 0 ? <div className="line empty">No output yet.</div> : null}
      {lines.data.entries.map((entry) => (
        <div className="line" key={entry.id}>
          <span className="ts">{entry.fields.ts?.slice(11, 19)}</span>
          <span className="text">{entry.fields.line}</span>
        </div>
      ))}
    </div>
  );
}
