import { describe, expect, it } from "vitest";
import { diffRows, formatValue, labelFor, summarize } from "./diff";

describe("labelFor", () => {
  it("names keyed list items by their key", () => {
    expect(labelFor("env.API_KEY")).toBe("Variable API_KEY");
    expect(labelFor("env.API_KEY.value")).toBe("Variable API_KEY · value");
    expect(labelFor("volumes./data.read_only")).toBe("Volume at /data · read only");
    expect(labelFor("ports.8080/tcp")).toBe("Port 8080/tcp");
  });

  it("names plain fields and nested ones", () => {
    expect(labelFor("replicas")).toBe("Replicas");
    expect(labelFor("resources.memory_limit")).toBe("Resources · memory limit");
    expect(labelFor("source.image")).toBe("Source · image");
  });
});

describe("formatValue", () => {
  it("shows values on one line", () => {
    expect(formatValue(null)).toBe("none");
    expect(formatValue("")).toBe('""');
    expect(formatValue(3)).toBe("3");
    expect(formatValue(false)).toBe("false");
    expect(formatValue(["sh", "-c", "echo hi"])).toBe("sh -c echo hi");
    expect(formatValue({ port: 80, type: "http" })).toBe('{"port":80,"type":"http"}');
  });

  it("prints object keys in a stable order", () => {
    expect(formatValue({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });
});

describe("diffRows", () => {
  it("gives each change its sign, label and sides", () => {
    const rows = diffRows([
      { path: "replicas", change: "changed", live: 2, pending: 3 },
      { path: "env.NEW", change: "added", pending: { name: "NEW", value: "1", secret: false } },
      { path: "healthcheck", change: "removed", live: null },
    ]);
    expect(rows).toEqual([
      { key: "changed:replicas", kind: "changed", label: "Replicas", before: "2", after: "3" },
      {
        key: "added:env.NEW",
        kind: "added",
        label: "Variable NEW",
        before: null,
        after: "NEW=1",
      },
      {
        key: "removed:healthcheck",
        kind: "removed",
        label: "Health check",
        before: "none",
        after: null,
      },
    ]);
  });

  it("shows whole list items the way they are written", () => {
    const [mount, port, secret] = diffRows([
      {
        path: "volumes./data",
        change: "added",
        pending: { volume: "db", container_path: "/data", read_only: true },
      },
      {
        path: "ports.8080/tcp",
        change: "removed",
        live: { published: 8080, target: 80, protocol: "tcp" },
      },
      {
        path: "env.TOKEN",
        change: "added",
        pending: { name: "TOKEN", value: "••••••••", secret: true },
      },
    ]);
    expect(mount?.after).toBe("db → /data (read-only)");
    expect(port?.before).toBe("8080 → 80/tcp");
    expect(secret?.after).toBe("TOKEN=•••••••• (secret)");
  });

  it("counts changes in words", () => {
    expect(summarize([])).toBe("0 pending changes");
    expect(summarize([{ path: "replicas", change: "changed" }])).toBe("1 pending change");
  });
});
