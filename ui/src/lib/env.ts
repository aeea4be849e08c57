// Environment variables as .env text: parse what a person pasted, print what is stored.

import type { EnvVar } from "../api/types";

/** A variable as .env text holds it: whether it is secret is the stored variable's business. */
export type NameValue = Pick<EnvVar, "name" | "value">;

export interface EnvLineError {
  line: number;
  reason: string;
}

export interface ParsedEnv {
  vars: NameValue[];
  errors: EnvLineError[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };

function unquoteDouble(body: string): string {
  return body.replace(/\\(.)/g, (whole, char: string) => ESCAPES[char] ?? whole);
}

/** The value after '=': quoted ("..." with escapes, '...' literal) or bare (a ' #' starts a comment). */
function parseValue(raw: string): string | { error: string } {
  const text = raw.trim();
  const quote = text[0];
  if (quote === '"' || quote === "'") {
    const end = findClosingQuote(text, quote);
    if (end < 0) return { error: `the ${quote} quote is never closed` };
    const rest = text.slice(end + 1).trim();
    if (rest && !rest.startsWith("#")) return { error: "unexpected text after the closing quote" };
    const body = text.slice(1, end);
    return quote === '"' ? unquoteDouble(body) : body;
  }
  const comment = text.search(/\s#/);
  return (comment >= 0 ? text.slice(0, comment) : text).trim();
}

function findClosingQuote(text: string, quote: string): number {
  for (let i = 1; i < text.length; i += 1) {
    if (text[i] === "\\" && quote === '"') i += 1;
    else if (text[i] === quote) return i;
  }
  return -1;
}

function parseLine(line: string): NameValue | { error: string } | null {
  const trimmed = line.trim();
  if (!trimmed || trimmed.startsWith("#")) return null;
  const body = trimmed.replace(/^export\s+/, "");
  const equals = body.indexOf("=");
  if (equals < 0) return { error: "expected NAME=value" };
  const name = body.slice(0, equals).trim();
  if (!NAME.test(name)) {
    return {
      error: `"${name}" is not a variable name: letters, digits and _, not starting with a digit`,
    };
  }
  const value = parseValue(body.slice(equals + 1));
  return typeof value === "string" ? { name, value } : value;
}

/** Each line's variable or the reason it was refused; a name given twice is an error too. */
export function parseDotenv(text: string): ParsedEnv {
  const vars: NameValue[] = [];
  const errors: EnvLineError[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((line, index) => {
    const parsed = parseLine(line);
    if (parsed === null) return;
    if ("error" in parsed) errors.push({ line: index + 1, reason: parsed.error });
    else if (seen.has(parsed.name)) {
      errors.push({ line: index + 1, reason: `${parsed.name} is already set above` });
    } else {
      seen.add(parsed.name);
      vars.push(parsed);
    }
  });
  return { vars, errors };
}

function quoted(value: string): string {
  if (value !== "" && /^[^\s"'#\\]+$/.test(value)) return value;
  const escaped = value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
  return `"${escaped.replace(/\r/g, "\\r").replace(/\t/g, "\\t")}"`;
}

export function toDotenv(vars: readonly NameValue[]): string {
  return vars.map((v) => `${v.name}=${quoted(v.value)}`).join("\n") + (vars.length ? "\n" : "");
}

/**
 * The variables to store from edited text: a name that was secret stays secret, and its
 * masked value keeps the stored one (the API understands the mask).
 */
export function mergeEdited(edited: readonly NameValue[], previous: readonly EnvVar[]): EnvVar[] {
  const secret = new Set(previous.filter((v) => v.secret).map((v) => v.name));
  return edited.map((v) => ({ name: v.name, value: v.value, secret: secret.has(v.name) }));
}

/** An environment's shared variables (name → value) as rows, sorted by name. */
export function fromRecord(record: Readonly<Record<string, string>>): NameValue[] {
  return Object.keys(record)
    .sort()
    .map((name) => ({ name, value: record[name] as string }));
}

export function toRecord(vars: readonly NameValue[]): Record<string, string> {
  return Object.fromEntries(vars.map((v) => [v.name, v.value]));
}
