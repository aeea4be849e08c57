// The servers as a person reads them: each one's gauges (how full, against what), and the
// heaviest services ranked, each bar against the heaviest.

import type { HeavyService, Server } from "../api/types";
import { formatValue } from "./metrics";

export type Gauge = {
  label: string;
  /** 0..1 of the total; null: not measured. */
  share: number | null;
  text: string;
};

function gauge(
  label: string,
  used: number | null | undefined,
  total: number | null | undefined,
  unit: "cores" | "bytes",
): Gauge {
  if (used === null || used === undefined || !total) {
    return { label, share: null, text: "not measured" };
  }
  const share = Math.min(1, Math.max(0, used / total));
  const text = `${formatValue(unit, used)} of ${formatValue(unit, total)} (${Math.round(share * 100)} %)`;
  return { label, share, text };
}

/** CPU, memory and every disk: used against the whole. */
export function gaugesOf(server: Server): Gauge[] {
  return [
    gauge("CPU", server.cpu_used_cores, server.cores, "cores"),
    gauge("Memory", server.memory_used_bytes, server.memory_bytes, "bytes"),
    ...server.disks.map((disk) =>
      gauge(`Disk ${disk.mountpoint} (${disk.device})`, disk.used_bytes, disk.size_bytes, "bytes"),
    ),
  ];
}

/** "2 cores · 23.6 GiB · load 0.42" */
export function describeServer(server: Server): string {
  const parts = [
    server.cores !== null ? `${server.cores} ${server.cores === 1 ? "core" : "cores"}` : null,
    server.memory_bytes ? formatValue("bytes", server.memory_bytes) : null,
    server.load1 !== null ? `load ${formatValue("load", server.load1)}` : null,
  ];
  return parts.filter(Boolean).join(" · ");
}

/** Each service's CPU now as a share of the heaviest one's (the bar's length). */
export function cpuShares(services: HeavyService[]): number[] {
  const most = Math.max(0, ...services.map((s) => s.cpu_now_cores));
  return services.map((s) => (most > 0 ? s.cpu_now_cores / most : 0));
}
