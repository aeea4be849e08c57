import { describe, expect, it } from "vitest";
import { databaseLabel, isBackedUp, publicPortOf } from "./databases";

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

  it("offers MariaDB 10.11 and Redis 7, both backed up like PostgreSQL", () => {
    const credentials = { username: "app", password: "••••••••", database: "app" };
    const mariadb = { type: "database" as const, engine: "mariadb" as const, version: "10.11" };
    expect(databaseLabel({ ...mariadb, credentials })).toBe("MariaDB 10.11");
    expect(isBackedUp(mariadb)).toBe(true);
    expect(isBackedUp({ type: "database", engine: "redis" })).toBe(true);
    expect(isBackedUp({ type: "image" })).toBe(false);
  });
});
