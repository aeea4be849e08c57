// The environment's private network, as the networks controller reports it.

import type { Environment } from "../api/types";
import { readyOf } from "../components/status";
import { Badge, type Tone } from "../components/ui";

export type NetworkState = "attached" | "waiting" | "pending" | "deleting";

const SHOWN: Record<NetworkState, { tone: Tone; label: string; live?: boolean }> = {
  attached: { tone: "ok", label: "Isolated · proxy attached" },
  waiting: { tone: "warn", label: "Proxy not attached" },
  pending: { tone: "neutral", label: "Setting up", live: true },
  deleting: { tone: "bad", label: "Removing", live: true },
};

export function networkState(environment: Environment): NetworkState {
  if (environment.deleted_at) return "deleting";
  const ready = readyOf(environment.status);
  if (!ready) return "pending";
  return ready.status === "True" ? "attached" : "waiting";
}

export function EnvironmentNetwork({ environment }: { environment: Environment }) {
  const state = networkState(environment);
  const shown = SHOWN[state];
  const ready = readyOf(environment.status);
  return (
    <section
      className="card"
      aria-label="Private network"
      data-testid="environment-network"
      data-state={state}
    >
      <div className="card-head">
        <div>
          <strong>Private network</strong>
          <p>
            Services here reach each other by name, as{" "}
            <span className="mono">http://&lt;service&gt;:&lt;port&gt;</span>. Services of other
            environments cannot reach them; the public reaches them through your domains.
          </p>
        </div>
        <Badge tone={shown.tone} live={Boolean(shown.live)}>
          {shown.label}
        </Badge>
      </div>
      {state === "waiting" && ready?.message ? (
        <div className="card-body" role="status">
          {ready.message}
        </div>
      ) : null}
    </section>
  );
}
