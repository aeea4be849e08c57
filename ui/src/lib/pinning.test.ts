import { describe, expect, it } from "vitest";
import type { Volume, VolumeMount } from "../api/types";
import { pinsOf, serverOf } from "./pinning";

const volume = (slug: string, details: Record<string, unknown>, spec = {}): Volume =>
  ({
    id: slug,
    spec: { slug, kind: "named", read_only: false, ...spec },
    status: { conditions: [], details, observed_generation: 1 },
  }) as unknown as Volume;

const mount = (name: string, readOnly = false): VolumeMount => ({
  volume: name,
  container_path: `/${name}`,
  read_only: readOnly,
});

describe("pinsOf", () => {
  it("names the server of each writable named volume once", () => {
    const volumes = [volume("data", { node: "worker-2" }), volume("cache", { node: "manager-1" })];
    const mounts = [mount("data"), mount("cache"), { ...mount("data"), container_path: "/again" }];
    expect(pinsOf(mounts, volumes)).toEqual([
      { volume: "data", server: "worker-2" },
      { volume: "cache", server: "manager-1" },
    ]);
  });

  it("leaves out read-only mounts, read-only volumes and host folders", () => {
    const volumes = [
      volume("ro", { node: "a" }),
      volume("frozen", { node: "b" }, { read_only: true }),
      volume("folder", { node: "c" }, { kind: "host_path", host_path: "/srv/x" }),
    ];
    expect(pinsOf([mount("ro", true), mount("frozen"), mount("folder")], volumes)).toEqual([]);
  });

  it("waits for the volumes controller to say where a volume is", () => {
    expect(pinsOf([mount("new")], [volume("new", {})])).toEqual([]);
    expect(pinsOf([mount("missing")], [])).toEqual([]);
    expect(serverOf(volume("odd", { node: 3 }))).toBeNull();
  });
});
