import { describe, expect, it } from "vitest";
import { databaseLabel, publicPortOf } from "./databases";

describe("databases", () => {
  it("reads a public port: empty is none, a number in range is a port, else a reason", () => {
    expect(publicPortOf("  ")).toEqual({ port: null });
    expect(publicPortOf(" 15432 ")).toEqual({ port: 15432 });
    expect(publicPortOf("0")).toHaveProperty("error");
    expect(publicPortOf("5432x")).toHaveProperty("error");
    expect(publicPortOf("70000")).toHaveProperty("error");
  });

  it("names a database by its engine and version", () => {
    const source = {
      type: "database" as const,
      engine: "postgres" as const,
      version: "15",
      credentials: { username: "app", password: "••••••••", database: "app" },
    };
    expect(databaseLabel(source)).toBe("PostgreSQL 15");
  });
});
