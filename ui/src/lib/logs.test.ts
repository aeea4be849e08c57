import { describe, expect, it } from "vitest";
import { appendEntries, entryText, entryTime, highlight, logQuery, MAX_LINES } from "./logs";

describe("logQuery", () => {
  it("sends only the filters that are set, times in UTC", () => {
    expect(logQuery({ text: "", since: "", until: "" }, 200)).toBe("limit=200");
    const query = new URLSearchParams(
      logQuery({ text: " error ", since: "2024-01-01T10:00", until: "" }, 50),
    );
    expect(query.get("q")).toBe("error");
    expect(query.get("since")).toBe(new Date("2024-01-01T10:00").toISOString());
    expect(query.has("until")).toBe(false);
  });
});

describe("entries", () => {
  it("shows runtime lines as written and HTTP entries as a request summary", () => {
    expect(entryText({ id: "1-0", fields: { line: "booting" } }, "runtime")).toBe("booting");
    const http = {
      id: "1-0",
      fields: { status: "200", method: "GET", host: "a.com", path: "/x", duration_ms: "3" },
    };
    expect(entryText(http, "http")).toBe("200 GET a.com/x 3ms");
  });

  it("takes the time from ts, else from the entry id", () => {
    expect(entryTime({ id: "1-0", fields: { ts: "2024-01-01T00:00:00Z" } }).toISOString()).toBe(
      "2024-01-01T00:00:00.000Z",
    );
    expect(entryTime({ id: "1704067200000-0", fields: {} }).toISOString()).toBe(
      "2024-01-01T00:00:00.000Z",
    );
  });

  it("appends without duplicates and keeps at most the newest lines", () => {
    const a = { id: "1-0", fields: {} };
    const b = { id: "2-0", fields: {} };
    expect(appendEntries([a], [a, b]).map((e) => e.id)).toEqual(["1-0", "2-0"]);
    const many = Array.from({ length: MAX_LINES + 5 }, (_, i) => ({ id: `${i}-0`, fields: {} }));
    const kept = appendEntries([], many);
    expect(kept).toHaveLength(MAX_LINES);
    expect(kept[0]?.id).toBe("5-0");
  });
});

describe("highlight", () => {
  it("marks every case-insensitive match", () => {
    expect(highlight("GET / 200 get", "get")).toEqual([
      { text: "GET", match: true },
      { text: " / 200 ", match: false },
      { text: "get", match: true },
    ]);
    expect(highlight("abc", "")).toEqual([{ text: "abc", match: false }]);
  });
});
