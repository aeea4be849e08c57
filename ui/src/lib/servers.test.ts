import { describe, expect, it } from "vitest";
import type { HeavyService, Server } from "../api/types";
import { cpuShares, describeServer, gaugesOf } from "./servers";

const GiB = 1024 ** 3;
const server: Server = {
  name: "web-1",
  up: true,
  cores: 2,
  memory_bytes: 4 * GiB,
  memory_used_bytes: 1 * GiB,
  cpu_used_cores: 0.5,
  load1: 0.42,
  disks: [{ device: "/dev/vda", mountpoint: "/", size_bytes: 100 * GiB, used_bytes: 91 * GiB }],
  charts: [],
};

function heavy(cpu: number): HeavyService {
  return {
    service_id: "s",
    project: "p",
    environment: "e",
    service: "s",
    cpu_now_cores: cpu,
    cpu_cores: cpu / 2,
    memory_bytes: 0,
    memory_peak_bytes: 0,
  };
}

describe("servers", () => {
  it("measures CPU, memory and each disk against the whole", () => {
    expect(gaugesOf(server)).toEqual([
      { label: "CPU", share: 0.25, text: "0.50 cores of 2.00 cores (25 %)" },
      { label: "Memory", share: 0.25, text: "1 GiB of 4 GiB (25 %)" },
      { label: "Disk / (/dev/vda)", share: 0.91, text: "91 GiB of 100 GiB (91 %)" },
    ]);
  });

  it("says what was not measured instead of an empty bar", () => {
    const [cpu] = gaugesOf({ ...server, cpu_used_cores: null, cores: null });
    expect(cpu).toEqual({ label: "CPU", share: null, text: "not measured" });
  });

  it("describes a server in a line", () => {
    expect(describeServer(server)).toBe("2 cores · 4 GiB · load 0.42");
    expect(describeServer({ ...server, cores: 1, memory_bytes: null, load1: null })).toBe("1 core");
  });

  it("draws each service's CPU against the heaviest", () => {
    expect(cpuShares([heavy(1), heavy(0.25)])).toEqual([1, 0.25]);
    expect(cpuShares([heavy(0)])).toEqual([0]);
  });
});
