import { describe, expect, it } from "vitest";
import type { MetricsChart, ServiceMetrics } from "../api/types";
import { formatValue, latest, shownCharts, summary } from "./metrics";

const cpu: MetricsChart = {
  name: "CPU",
  unit: "cores",
  lines: [{ label: "used", values: [0.2, 0.51, null] }],
  limit: 0.5,
};
const requests: MetricsChart = {
  name: "Requests",
  unit: "requests/s",
  lines: [{ label: "2xx", values: [null, null, null] }],
};

describe("metrics", () => {
  it("writes each value in its unit", () => {
    expect(formatValue("cores", 0.512)).toBe("0.51 cores");
    expect(formatValue("bytes", 3 * 1024 * 1024)).toBe("3 MiB");
    expect(formatValue("bytes/s", 1536)).toBe("1.5 KiB/s");
    expect(formatValue("requests/s", 42.4)).toBe("42 req/s");
    expect(formatValue("seconds", 0.0042)).toBe("4.2 ms");
    expect(formatValue("seconds", null)).toBe("–");
    expect(formatValue("percent", 91.26)).toBe("91 %");
    expect(formatValue("percent", 4.26)).toBe("4.3 %");
    expect(formatValue("load", 1.5)).toBe("1.50");
    expect(formatValue("count", 3)).toBe("3");
  });

  it("reads the newest value a line has, past the steps not scraped yet", () => {
    expect(latest([0.2, 0.51, null])).toBe(0.51);
    expect(latest([null])).toBeNull();
  });

  it("sums a chart up with its limit, and hides HTTP charts of a service that served nothing", () => {
    expect(summary(cpu)).toBe("used 0.51 cores (limit 0.50 cores)");
    const metrics = { charts: [cpu, requests] } as unknown as ServiceMetrics;
    expect(shownCharts(metrics).map((c) => c.name)).toEqual(["CPU"]);
  });
});
