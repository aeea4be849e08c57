// Replicas, CPU and memory, and the restart policy.

import { type FormEvent, useState } from "react";
import { fieldErrors, unplacedErrors } from "../../api/errors";
import type { Resources, ServiceSpec } from "../../api/types";
import { useApp } from "../../components/app-context";
import { Button, Card, Field, FormErrors, useAction } from "../../components/ui";
import { useService } from "./context";
import { PlacementCard } from "./Placement";

/** Bytes as the shortest exact size the API reads back: 536870912 → "512Mi". */
export function memoryText(value: number | null | undefined): string {
  if (!value) return "";
  for (const [unit, size] of [
    ["Gi", 1024 ** 3],
    ["Mi", 1024 ** 2],
    ["Ki", 1024],
  ] as const) {
    if (value % size === 0) return `${value / size}${unit}`;
  }
  return String(value);
}

const blank = (text: string): string | null => (text.trim() ? text.trim() : null);

export function ResourcesTab() {
  const { service, save } = useService();
  const { notify } = useApp();
  const current = service.spec.resources ?? {};
  const [replicas, setReplicas] = useState(String(service.spec.replicas ?? 1));
  const [cpuLimit, setCpuLimit] = useState(current.cpu_limit ? String(current.cpu_limit) : "");
  const [cpuReservation, setCpuReservation] = useState(
    current.cpu_reservation ? String(current.cpu_reservation) : "",
  );
  const [memLimit, setMemLimit] = useState(memoryText(current.memory_limit));
  const [memReservation, setMemReservation] = useState(memoryText(current.memory_reservation));
  const [restart, setRestart] = useState<NonNullable<ServiceSpec["restart_policy"]>>(
    service.spec.restart_policy ?? "any",
  );
  const saving = useAction(async () => {
    const resources = {
      cpu_limit: blank(cpuLimit),
      cpu_reservation: blank(cpuReservation),
      memory_limit: blank(memLimit),
      memory_reservation: blank(memReservation),
    } as unknown as Resources; // the API reads "0.5", "500m", "512Mi"
    const count = Number(replicas);
    await save({
      replicas:
        Number.isInteger(count) && replicas.trim() ? count : (replicas as unknown as number),
      resources,
      restart_policy: restart,
    });
    notify("Resources saved: deploy to apply");
  });
  const errors = Object.fromEntries(
    Object.entries(fieldErrors(saving.error)).map(([k, v]) => [k.replace(/^resources\./, ""), v]),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void saving.run();
  };

  return (
    <form onSubmit={submit} noValidate>
      <Card
        title="Resources"
        description="Limits cap what each container may use; reservations are set aside for it."
        footer={
          <Button type="submit" variant="primary" busy={saving.busy}>
            Save resources
          </Button>
        }
      >
        <div className="card-body form-grid">
          <FormErrors
            messages={unplacedErrors(
              saving.error,
              Object.keys(errors).map((k) =>
                k === "replicas" || k === "restart_policy" ? k : `resources.${k}`,
              ),
            )}
          />
          <Field
            label="Replicas"
            error={errors.replicas}
            hint="Containers to run; 0 stops the service."
          >
            {(p) => (
              <input
                {...p}
                type="number"
                min={0}
                max={100}
                value={replicas}
                onChange={(e) => setReplicas(e.target.value)}
              />
            )}
          </Field>
          <Field label="Restart policy" error={errors.restart_policy}>
            {(p) => (
              <select
                {...p}
                value={restart}
                onChange={(e) => setRestart(e.target.value as typeof restart)}
              >
                <option value="any">Always</option>
                <option value="on-failure">On failure</option>
                <option value="none">Never</option>
              </select>
            )}
          </Field>
          <Field
            label="CPU limit"
            error={errors.cpu_limit}
            hint="Cores, like 0.5 or 500m. Empty: no cap."
          >
            {(p) => (
              <input
                {...p}
                type="text"
                value={cpuLimit}
                placeholder="no limit"
                onChange={(e) => setCpuLimit(e.target.value)}
              />
            )}
          </Field>
          <Field label="CPU reservation" error={errors.cpu_reservation}>
            {(p) => (
              <input
                {...p}
                type="text"
                value={cpuReservation}
                placeholder="none"
                onChange={(e) => setCpuReservation(e.target.value)}
              />
            )}
          </Field>
          <Field
            label="Memory limit"
            error={errors.memory_limit}
            hint="Like 512Mi or 1Gi. Empty: no cap."
          >
            {(p) => (
              <input
                {...p}
                type="text"
                value={memLimit}
                placeholder="no limit"
                onChange={(e) => setMemLimit(e.target.value)}
              />
            )}
          </Field>
          <Field label="Memory reservation" error={errors.memory_reservation}>
            {(p) => (
              <input
                {...p}
                type="text"
                value={memReservation}
                placeholder="none"
                onChange={(e) => setMemReservation(e.target.value)}
              />
            )}
          </Field>
        </div>
      </Card>
    </form>
  );
}

/** The Resources tab: what each container gets, and where it may run. */
export function ResourcesAndPlacementTab() {
  return (
    <div className="stack">
      <ResourcesTab />
      <PlacementCard />
    </div>
  );
}
