import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { Environment } from "../api/types";
import { EnvironmentNetwork, networkState } from "./EnvironmentNetwork";

function environment(
  conditions: Environment["status"]["conditions"],
  deleted = false,
): Environment {
  return {
    id: "e1",
    parent_id: "p1",
    spec: { slug: "production" },
    generation: 1,
    status: { observed_generation: 1, conditions, details: {} },
    finalizers: [],
    deleted_at: deleted ? "2026-12-01T00:00:00Z" : null,
    created_at: "2026-12-01T00:00:00Z",
    updated_at: "2026-12-01T00:00:00Z",
  } as Environment;
}

const at = "2026-12-01T00:00:00Z";

describe("EnvironmentNetwork", () => {
  it("is setting up until the networks controller reports", () => {
    expect(networkState(environment([]))).toBe("pending");
  });

  it("says isolated once the proxy is attached", () => {
    const env = environment([
      {
        type: "Ready",
        status: "True",
        reason: "ProxyAttached",
        message: "",
        last_transition_time: at,
      },
    ]);
    expect(networkState(env)).toBe("attached");
    expect(renderToStaticMarkup(<EnvironmentNetwork environment={env} />)).toContain(
      "Isolated · proxy attached",
    );
  });

  it("shows why the proxy is not attached", () => {
    const env = environment([
      {
        type: "Ready",
        status: "False",
        reason: "ProxyNotRunning",
        message: "no container of the proxy service runs on this node",
        last_transition_time: at,
      },
    ]);
    const html = renderToStaticMarkup(<EnvironmentNetwork environment={env} />);
    expect(networkState(env)).toBe("waiting");
    expect(html).toContain('role="status"');
    expect(html).toContain("no container of the proxy service runs on this node");
  });

  it("is being removed once deleted", () => {
    expect(networkState(environment([], true))).toBe("deleting");
  });
});
