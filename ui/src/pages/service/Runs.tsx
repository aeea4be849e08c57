// One-off commands: run one in the live deployment's image and variables, watch its output
// live, and look back at the last ones with their exit codes.

import { type FormEvent, useEffect, useState } from "react";
import { API, get, post } from "../../api/client";
import { fieldErrors, FormProblem, messageOf, unplacedErrors } from "../../api/errors";
import type { LogEntry, LogPage, Page, Run, RunPhase } from "../../api/types";
import {
  Badge,
  Button,
  Card,
  Empty,
  Field,
  FormErrors,
  LoadError,
  Loading,
  type Tone,
  useAction,
} from "../../components/ui";
import { joinCommand, splitCommand } from "../../lib/command";
import { usePoll } from "../../lib/hooks";
import { appendEntries } from "../../lib/logs";
import { useService } from "./context";
import { ScheduledJobs } from "./ScheduledJobs";

const PHASES: Record<RunPhase, { tone: Tone; label: string; live?: boolean }> = {
  QUEUED: { tone: "neutral", label: "Queued", live: true },
  RUNNING: { tone: "info", label: "Running", live: true },
  SUCCEEDED: { tone: "ok", label: "Succeeded" },
  FAILED: { tone: "bad", label: "Failed" },
  CANCELLED: { tone: "neutral", label: "Cancelled" },
};

export function runPhaseOf(run: Run): RunPhase {
  return run.phase ?? "QUEUED";
}

export function runEnded(run: Run): boolean {
  return ["SUCCEEDED", "FAILED", "CANCELLED"].includes(runPhaseOf(run));
}

/** What the run's Completed condition says, once it ended other than by success. */
export function runFailure(run: Run): string | null {
  if (runPhaseOf(run) === "SUCCEEDED") return null;
  const said = (run.status.conditions ?? []).find((c) => c.type === "Completed");
  return said && said.status === "False" ? `${said.reason}: ${said.message ?? ""}` : null;
}

export function Runs() {
  const { service, changes } = useService();
  const [chosen, setChosen] = useState<string | null>(null);
  const runs = usePoll(
    (s) => get<Page<Run>>(`/services/${service.id}/runs?limit=20`, s),
    [service.id],
    2000,
  );
  const never = changes?.live_deployment_id === null;
  const shown = chosen ?? runs.data?.items[0]?.id ?? null;
  return (
    <div className="stack">
      <RunForm disabled={never} onStarted={(run) => setChosen(run.id)} reload={runs.reload} />
      {service.spec.mode !== "job" && service.spec.source.type !== "database" ? (
        <ScheduledJobs />
      ) : null}
      {runs.error && !runs.data ? <LoadError error={runs.error} retry={runs.reload} /> : null}
      {!runs.data && !runs.error ? <Loading label="Loading commands" /> : null}
      {runs.data && runs.data.items.length === 0 ? (
        <Empty title="No command run yet">
          {never
            ? "Deploy the service first: a command runs in its live deployment's image."
            : "A command runs once, beside the service, with its image, variables and volumes."}
        </Empty>
      ) : null}
      {runs.data && runs.data.items.length > 0 ? (
        <Card title="Recent commands">
          <ul className="list" aria-label="Recent commands">
            {runs.data.items.map((run) => (
              <RunRow key={run.id} run={run} open={run.id === shown} onOpen={setChosen} />
            ))}
          </ul>
        </Card>
      ) : null}
    </div>
  );
}

function RunForm({
  disabled,
  onStarted,
  reload,
}: {
  disabled: boolean;
  onStarted: (run: Run) => void;
  reload: () => Promise<void> | void;
}) {
  const { service } = useService();
  const [command, setCommand] = useState("");
  const start = useAction(async () => {
    const args = splitCommand(command);
    if (!args) throw new FormProblem({ command: "type the command to run" });
    const run = await post<Run>(`/services/${service.id}/run`, { command: args });
    onStarted(run);
    await reload();
  });
  const errors = fieldErrors(start.error, {});
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void start.run();
  };
  return (
    <form onSubmit={submit} noValidate>
      <Card
        title="Run command"
        description="Once, in the live deployment's image, with its variables and volumes; the service keeps running."
      >
        <div className="card-body stack">
          <FormErrors messages={unplacedErrors(start.error, ["command"], {})} />
          <div className="run-form">
            <Field
              className="grow"
              label="Command"
              error={errors.command}
              hint="No shell: for pipes or &&, use sh -c '…'."
            >
              {(props) => (
                <input
                  {...props}
                  type="text"
                  className="mono"
                  placeholder="python manage.py migrate"
                  value={command}
                  disabled={disabled}
                  onChange={(e) => setCommand(e.target.value)}
                />
              )}
            </Field>
            <Button type="submit" variant="primary" busy={start.busy} disabled={disabled}>
              Run
            </Button>
          </div>
        </div>
      </Card>
    </form>
  );
}

function RunRow({ run, open, onOpen }: { run: Run; open: boolean; onOpen: (id: string) => void }) {
  const phase = runPhaseOf(run);
  const shown = PHASES[phase];
  const failure = runFailure(run);
  const cancel = useAction(() => post<Run>(`/runs/${run.id}/cancel`));
  return (
    <li className="run" data-testid="run" data-phase={phase}>
      <div className="row">
        <Badge tone={shown.tone} live={Boolean(shown.live)}>
          {shown.label}
        </Badge>
        <button type="button" className="link mono grow" onClick={() => onOpen(run.id)}>
          {joinCommand(run.spec.command)}
        </button>
        {run.spec.cron_job ? <Badge tone="accent">scheduled: {run.spec.cron_job}</Badge> : null}
        {run.exit_code !== null && run.exit_code !== undefined ? (
          <span className="muted">exit code {run.exit_code}</span>
        ) : null}
        <span className="muted">{new Date(run.created_at).toLocaleTimeString()}</span>
        {!runEnded(run) ? (
          <Button small busy={cancel.busy} onClick={() => void cancel.run()}>
            Cancel
          </Button>
        ) : null}
      </div>
      {cancel.error ? <div className="form-error">{messageOf(cancel.error)}</div> : null}
      {open && failure ? (
        <div className="error" data-testid="run-failure">
          {failure.split("\n")[0]}
        </div>
      ) : null}
      {open ? <RunOutput run={run} /> : null}
    </li>
  );
}

/** The run's output from its first line: followed live (server-sent events) while it runs,
 * read once, whole, when it has ended (no stream left open on a finished command). */
function RunOutput({ run }: { run: Run }) {
  const [entries, setEntries] = useState<LogEntry[]>([]);
  const [state, setState] = useState<"loading" | "live" | "error">("loading");
  const ended = runEnded(run);
  useEffect(() => {
    if (ended) {
      const controller = new AbortController();
      // The last lines are the ones that say how it ended.
      get<LogPage>(`/runs/${run.id}/logs?direction=backward&limit=500`, controller.signal)
        .then((page) => {
          setEntries([...page.entries].reverse());
          setState("live");
        })
        .catch(() => {
          if (!controller.signal.aborted) setState("error");
        });
      return () => controller.abort();
    }
    const events = new EventSource(`${API}/runs/${run.id}/logs/follow`);
    events.onopen = () => setState("live");
    events.onerror = () => setState(events.readyState === EventSource.CLOSED ? "error" : "loading");
    events.addEventListener("log", (event) => {
      const message = event as MessageEvent<string>;
      const entry = {
        id: message.lastEventId,
        fields: JSON.parse(message.data) as Record<string, string>,
      };
      setEntries((shown) => appendEntries(shown, [entry]));
    });
    return () => events.close();
  }, [run.id, ended]);
  return (
    <div
      className="logs"
      aria-label="Command output"
      data-state={state}
      style={{ height: 260, borderRadius: 8 }}
    >
      {entries.length === 0 ? (
        <div className="line empty">
          {state === "error" ? "The output could not be followed." : "No output yet."}
        </div>
      ) : null}
      {entries.map((entry) => (
        <div className={`line ${entry.fields.stream === "stderr" ? "stderr" : ""}`} key={entry.id}>
          <span className="ts">{entry.fields.ts?.slice(11, 19)}</span>
          <span className="text">{entry.fields.line}</span>
        </div>
      ))}
    </div>
  );
}
