import { describe, expect, it } from "vitest";
import { fromRecord, mergeEdited, parseDotenv, toDotenv, toRecord } from "./env";

describe("parseDotenv", () => {
  it("reads NAME=value lines, skipping blanks and comments", () => {
    const parsed = parseDotenv("# db\nDB_HOST=localhost\n\nexport PORT=5432\n");
    expect(parsed.errors).toEqual([]);
    expect(parsed.vars).toEqual([
      { name: "DB_HOST", value: "localhost" },
      { name: "PORT", value: "5432" },
    ]);
  });

  it("unquotes double quotes with escapes, keeps single quotes literal", () => {
    const parsed = parseDotenv(`A="line 1\\nline \\"2\\""\nB='no \\n escape'\nC=""`);
    expect(parsed.vars).toEqual([
      { name: "A", value: 'line 1\nline "2"' },
      { name: "B", value: "no \\n escape" },
      { name: "C", value: "" },
    ]);
  });

  it("drops a trailing comment after a bare value but keeps # inside one", () => {
    const parsed = parseDotenv("URL=http://x/#frag # the url\nKEY = value  ");
    expect(parsed.vars).toEqual([
      { name: "URL", value: "http://x/#frag" },
      { name: "KEY", value: "value" },
    ]);
  });

  it("keeps an = inside the value", () => {
    expect(parseDotenv("TOKEN=abc==").vars).toEqual([{ name: "TOKEN", value: "abc==" }]);
  });

  it("reports bad lines with their number and reason", () => {
    const parsed = parseDotenv('GOOD=1\njust text\n1BAD=2\nQ="open\nGOOD=again');
    expect(parsed.errors).toEqual([
      { line: 2, reason: "expected NAME=value" },
      { line: 3, reason: expect.stringContaining("not a variable name") },
      { line: 4, reason: 'the " quote is never closed' },
      { line: 5, reason: "GOOD is already set above" },
    ]);
    expect(parsed.vars).toEqual([{ name: "GOOD", value: "1" }]);
  });
});

describe("toDotenv", () => {
  it("prints plain values bare and quotes the rest so they read back the same", () => {
    const vars = [
      { name: "A", value: "plain" },
      { name: "B", value: "has space" },
      { name: "C", value: 'quote " and \\ and\nnewline' },
      { name: "D", value: "" },
      { name: "E", value: "#hash" },
    ];
    const text = toDotenv(vars);
    expect(text.split("\n")[0]).toBe("A=plain");
    expect(parseDotenv(text).vars).toEqual(vars);
  });

  it("prints nothing for no variables", () => {
    expect(toDotenv([])).toBe("");
  });
});

describe("mergeEdited", () => {
  it("keeps secret names secret and their masked values as sent", () => {
    const previous = [
      { name: "TOKEN", value: "••••••••", secret: true },
      { name: "MODE", value: "dev", secret: false },
    ];
    const edited = [
      { name: "TOKEN", value: "••••••••" },
      { name: "MODE", value: "prod" },
      { name: "NEW", value: "1" },
    ];
    expect(mergeEdited(edited, previous)).toEqual([
      { name: "TOKEN", value: "••••••••", secret: true },
      { name: "MODE", value: "prod", secret: false },
      { name: "NEW", value: "1", secret: false },
    ]);
  });
});

describe("fromRecord and toRecord", () => {
  it("turn shared variables into rows sorted by name, and back", () => {
    const rows = fromRecord({ REGION: "eu", DB: "pg" });
    expect(rows).toEqual([
      { name: "DB", value: "pg" },
      { name: "REGION", value: "eu" },
    ]);
    expect(toRecord(rows)).toEqual({ DB: "pg", REGION: "eu" });
    expect(toDotenv(fromRecord({}))).toBe("");
  });
});
