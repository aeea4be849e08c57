// Where the service may run: rules on the servers' labels (`zaneops node label NODE key=value`).

import { type FormEvent, useState } from "react";
import { fieldErrors, unplacedErrors } from "../../api/errors";
import type { PlacementRule } from "../../api/types";
import { useApp } from "../../components/app-context";
import { Button, Card, Empty, Field, FormErrors, useAction } from "../../components/ui";
import { type Pin, pinsOf } from "../../lib/pinning";
import { useService } from "./context";
import { useEnvironmentVolumes } from "./Volumes";

type Match = NonNullable<PlacementRule["match"]>;
interface Row {
  label: string;
  match: Match;
  value: string;
}

const toRow = (rule: PlacementRule): Row => ({
  label: rule.label,
  match: rule.match ?? "equals",
  value: rule.value,
});

/** The rule as Swarm reads it, for people who know constraints. */
export function constraintText(row: Row): string {
  return `node.labels.${row.label || "…"} ${row.match === "equals" ? "==" : "!="} ${row.value || "…"}`;
}

export function PlacementCard() {
  const { service, save } = useService();
  const { notify } = useApp();
  const volumes = useEnvironmentVolumes(service.parent_id);
  const pins = pinsOf(service.spec.volumes ?? [], volumes.data?.items ?? []);
  const [rows, setRows] = useState<Row[]>((service.spec.placement ?? []).map(toRow));
  const saving = useAction(async () => {
    await save({ placement: rows.map((row) => ({ ...row })) });
    notify("Placement saved: deploy to apply");
  });
  const errors = fieldErrors(saving.error);
  const change = (index: number, part: Partial<Row>) =>
    setRows(rows.map((row, i) => (i === index ? { ...row, ...part } : row)));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void saving.run();
  };
  const shown = rows.flatMap((_, i) => [`placement.${i}.label`, `placement.${i}.value`]);

  return (
    <form onSubmit={submit} noValidate aria-label="Placement">
      <Card
        title="Placement"
        description="Run its containers only on servers whose labels meet every rule. Label a server with `zaneops node label NODE key=value`."
        footer={
          <>
            <Button
              onClick={() => setRows([...rows, { label: "", match: "equals", value: "" }])}
              disabled={rows.length >= 10}
            >
              Add a rule
            </Button>
            <Button type="submit" variant="primary" busy={saving.busy}>
              Save placement
            </Button>
          </>
        }
      >
        <div className="card-body">
          <VolumePins pins={pins} />
          <FormErrors messages={unplacedErrors(saving.error, shown)} />
          {rows.length === 0 ? (
            <Empty title="Any server">
              No rule: Swarm places its containers on any server (a volume it writes keeps it on
              that volume&apos;s server).
            </Empty>
          ) : (
            rows.map((row, index) => (
              <div className="form-grid placement-rule" key={index} data-testid="placement-rule">
                <Field label="Server label" error={errors[`placement.${index}.label`]}>
                  {(p) => (
                    <input
                      {...p}
                      type="text"
                      value={row.label}
                      placeholder="disk"
                      onChange={(e) => change(index, { label: e.target.value })}
                    />
                  )}
                </Field>
                <Field label="Match">
                  {(p) => (
                    <select
                      {...p}
                      value={row.match}
                      onChange={(e) => change(index, { match: e.target.value as Match })}
                    >
                      <option value="equals">equals</option>
                      <option value="differs">differs from</option>
                    </select>
                  )}
                </Field>
                <Field
                  label="Value"
                  error={errors[`placement.${index}.value`]}
                  hint={constraintText(row)}
                >
                  {(p) => (
                    <input
                      {...p}
                      type="text"
                      value={row.value}
                      placeholder="ssd"
                      onChange={(e) => change(index, { value: e.target.value })}
                    />
                  )}
                </Field>
                <div className="placement-remove">
                  <Button small onClick={() => setRows(rows.filter((_, i) => i !== index))}>
                    Remove rule
                  </Button>
                </div>
              </div>
            ))
          )}
        </div>
      </Card>
    </form>
  );
}

/** The servers its named volumes keep it on: Swarm never moves it away from its data. */
function VolumePins({ pins }: { pins: Pin[] }) {
  if (pins.length === 0) return null;
  return (
    <ul className="list" aria-label="Kept on its volumes' servers">
      {pins.map((pin) => (
        <li key={pin.volume} data-testid="volume-pin">
          <span>
            Runs on server <strong className="mono">{pin.server}</strong>: its volume{" "}
            <span className="mono">{pin.volume}</span> lives there, and a named volume stays on the
            server it was made on.
          </span>
        </li>
      ))}
    </ul>
  );
}
