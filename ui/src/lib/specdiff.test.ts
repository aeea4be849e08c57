import { describe, expect, it } from "vitest";
import { specChanges } from "./specdiff";

const base = {
  slug: "web",
  source: { type: "image", image: "nginx:1.26" },
  env: [
    { name: "A", value: "1", secret: false },
    { name: "B", value: "2", secret: false },
  ],
  replicas: 1,
};

describe("specChanges", () => {
  it("compares variables by name, not by position", () => {
    const after = {
      ...base,
      env: [
        { name: "B", value: "2", secret: false },
        { name: "A", value: "9", secret: false },
      ],
    };
    expect(specChanges(base, after)).toEqual([
      { path: "env.A.value", change: "changed", live: "1", pending: "9" },
    ]);
  });

  it("reports additions, removals and nested changes", () => {
    const after = {
      ...base,
      env: [{ name: "A", value: "1", secret: false }],
      source: { type: "image", image: "nginx:1.27" },
      healthcheck: { type: "http", port: 80 },
    };
    expect(specChanges(base, after)).toEqual([
      { path: "source.image", change: "changed", live: "nginx:1.26", pending: "nginx:1.27" },
      { path: "env.B", change: "removed", live: { name: "B", value: "2", secret: false } },
      { path: "healthcheck", change: "added", pending: { type: "http", port: 80 } },
    ]);
  });

  it("treats the first deployment as everything added", () => {
    expect(specChanges(null, { slug: "web" })).toEqual([
      { path: "slug", change: "added", pending: "web" },
    ]);
  });

  it("finds nothing between equal specs", () => {
    expect(specChanges(base, structuredClone(base))).toEqual([]);
  });
});
