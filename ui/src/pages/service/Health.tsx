// How readiness is judged: an HTTP request, a command, or nothing (running means ready).

import { type FormEvent, useState } from "react";
import { fieldErrors, unplacedErrors } from "../../api/errors";
import type { Healthcheck } from "../../api/types";
import { useApp } from "../../components/app-context";
import { Button, Card, Field, FormErrors, useAction } from "../../components/ui";
import { seconds } from "../../lib/format";
import { useService } from "./context";

type Kind = "none" | "http" | "command";

interface Draft {
  kind: Kind;
  path: string;
  port: string;
  command: string;
  interval: string;
  timeout: string;
  start_period: string;
  retries: string;
}

function draftOf(check: Healthcheck | null | undefined): Draft {
  return {
    kind: check ? check.type : "none",
    path: check?.type === "http" ? (check.path ?? "/") : "/",
    port: check?.type === "http" ? String(check.port) : "80",
    command: check?.type === "command" ? commandText(check.command) : "",
    interval: seconds(check?.interval ?? 10),
    timeout: seconds(check?.timeout ?? 5),
    start_period: seconds(check?.start_period ?? 30),
    retries: String(check?.retries ?? 3),
  };
}

function commandText(command: string[]): string {
  return command[0] === "sh" && command[1] === "-c" && command.length === 3
    ? (command[2] ?? "")
    : command.join(" ");
}

/** The spec to send; numbers stay text where the API reads units ("30s", "1m"). */
export function healthcheckFrom(draft: Draft): Record<string, unknown> | null {
  if (draft.kind === "none") return null;
  const timing = {
    interval: draft.interval,
    timeout: draft.timeout,
    start_period: draft.start_period,
    retries: Number(draft.retries) || draft.retries,
  };
  if (draft.kind === "http")
    return { type: "http", path: draft.path, port: Number(draft.port) || draft.port, ...timing };
  return { type: "command", command: ["sh", "-c", draft.command], ...timing };
}

export function Health() {
  const { service, save } = useService();
  const { notify } = useApp();
  const [draft, setDraft] = useState<Draft>(() => draftOf(service.spec.healthcheck));
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const saving = useAction(async () => {
    await save({ healthcheck: healthcheckFrom(draft) as Healthcheck | null });
    notify("Health check saved: deploy to apply");
  });
  const raw = fieldErrors(saving.error);
  const errors = Object.fromEntries(
    Object.entries(raw).map(([key, reason]) => [
      key.replace(/^healthcheck\.(http\.|command\.)?/, ""),
      reason,
    ]),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void saving.run();
  };

  return (
    <form onSubmit={submit} noValidate>
      <Card
        title="Health check"
        description="A deployment is healthy once the check passes; a failing one is rolled back."
        footer={
          <Button type="submit" variant="primary" busy={saving.busy}>
            Save health check
          </Button>
        }
      >
        <div className="card-body stack">
          <div className="segmented" role="group" aria-label="Kind of check">
            {(["none", "http", "command"] as const).map((kind) => (
              <button
                key={kind}
                type="button"
                aria-pressed={draft.kind === kind}
                onClick={() => set({ kind })}
              >
                {kind === "none" ? "None" : kind === "http" ? "HTTP" : "Command"}
              </button>
            ))}
          </div>
          <FormErrors messages={unplacedErrors(saving.error, Object.keys(raw))} />
          {draft.kind === "none" ? (
            <p className="muted" style={{ margin: 0 }}>
              Without a check, a container counts as ready once it has kept running a few seconds.
            </p>
          ) : null}
          {draft.kind !== "none" ? (
            <div className="form-grid">
              {draft.kind === "http" ? (
                <>
                  <Field
                    label="Path"
                    error={errors.path}
                    hint="Healthy when GET answers 2xx or 3xx. The platform's probe sends it: the image needs no curl, wget or shell."
                  >
                    {(p) => (
                      <input
                        {...p}
                        type="text"
                        className="mono"
                        value={draft.path}
                        onChange={(e) => set({ path: e.target.value })}
                      />
                    )}
                  </Field>
                  <Field label="Port" error={errors.port}>
                    {(p) => (
                      <input
                        {...p}
                        type="number"
                        value={draft.port}
                        onChange={(e) => set({ port: e.target.value })}
                      />
                    )}
                  </Field>
                </>
              ) : (
                <Field
                  className="wide"
                  label="Command"
                  error={errors.command}
                  hint="Run with sh -c inside the container; healthy when it exits 0."
                >
                  {(p) => (
                    <input
                      {...p}
                      type="text"
                      className="mono"
                      placeholder="test -f /tmp/ready"
                      value={draft.command}
                      onChange={(e) => set({ command: e.target.value })}
                    />
                  )}
                </Field>
              )}
              <Field label="Interval" error={errors.interval} hint="Like 10s or 1m.">
                {(p) => (
                  <input
                    {...p}
                    type="text"
                    value={draft.interval}
                    onChange={(e) => set({ interval: e.target.value })}
                  />
                )}
              </Field>
              <Field label="Timeout" error={errors.timeout}>
                {(p) => (
                  <input
                    {...p}
                    type="text"
                    value={draft.timeout}
                    onChange={(e) => set({ timeout: e.target.value })}
                  />
                )}
              </Field>
              <Field
                label="Start period"
                error={errors.start_period}
                hint="Failures in this window after start do not count."
              >
                {(p) => (
                  <input
                    {...p}
                    type="text"
                    value={draft.start_period}
                    onChange={(e) => set({ start_period: e.target.value })}
                  />
                )}
              </Field>
              <Field label="Retries" error={errors.retries}>
                {(p) => (
                  <input
                    {...p}
                    type="number"
                    min={1}
                    max={100}
                    value={draft.retries}
                    onChange={(e) => set({ retries: e.target.value })}
                  />
                )}
              </Field>
            </div>
          ) : null}
        </div>
      </Card>
    </form>
  );
}
