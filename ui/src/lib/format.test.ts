import { describe, expect, it } from "vitest";
import { memoryText } from "../pages/service/Resources";
import { joinCommand, splitCommand } from "./command";
import { bytes, seconds, timeAgo } from "./format";
import { slugify } from "./slug";

describe("formatting", () => {
  it("says how long ago", () => {
    const now = Date.parse("2024-01-01T12:00:00Z");
    expect(timeAgo("2024-01-01T11:59:58Z", now)).toBe("just now");
    expect(timeAgo("2024-01-01T11:59:00Z", now)).toBe("1m ago");
    expect(timeAgo("2024-01-01T09:00:00Z", now)).toBe("3h ago");
    expect(timeAgo("2023-12-30T12:00:00Z", now)).toBe("2d ago");
  });

  it("prints sizes and durations the API reads back", () => {
    expect(bytes(536870912)).toBe("512 MiB");
    expect(bytes(null)).toBe("no limit");
    expect(memoryText(536870912)).toBe("512Mi");
    expect(memoryText(2 * 1024 ** 3)).toBe("2Gi");
    expect(memoryText(1000)).toBe("1000");
    expect(seconds(30)).toBe("30s");
    expect(seconds(120)).toBe("2m");
    expect(seconds(0.5)).toBe("500ms");
  });

  it("suggests slugs the API accepts", () => {
    expect(slugify("My Shop!")).toBe("my-shop");
    expect(slugify("  Café 2024 ")).toBe("cafe-2024");
    expect(slugify("42 things")).toBe("things");
  });

  it("splits a start command into arguments", () => {
    expect(splitCommand('sh -c "echo hi"')).toEqual(["sh", "-c", "echo hi"]);
    expect(splitCommand("   ")).toBeNull();
  });

  it("joins a command so that splitting it again gives the same arguments", () => {
    const script = ["sh", "-c", 'mkdir -p /www && echo "$GREETING" > /www/index.html'];
    expect(splitCommand(joinCommand(script))).toEqual(script);
    expect(splitCommand(joinCommand(["echo", "it's"]))).toEqual(["echo", "it's"]);
  });
});
