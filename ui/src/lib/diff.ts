// Pending changes as rows a person reads: what changed, from what, to what.

import type { Change } from "../api/types";

export interface DiffRow {
  key: string;
  kind: Change["change"];
  label: string;
  before: string | null;
  after: string | null;
}

const SECTIONS: Record<string, string> = {
  env: "Variable",
  volumes: "Volume at",
  ports: "Port",
  source: "Source",
  resources: "Resources",
  healthcheck: "Health check",
  replicas: "Replicas",
  command: "Command",
  entrypoint: "Entrypoint",
  restart_policy: "Restart policy",
  slug: "Name",
};

/** "env.API_KEY.value" → "Variable API_KEY · value"; keyed items read as their key. */
export function labelFor(path: string): string {
  const [head = "", ...rest] = path.split(".");
  const section = SECTIONS[head] ?? head.replace(/_/g, " ");
  if (rest.length === 0) return section;
  const keyed = head === "env" || head === "volumes" || head === "ports";
  if (keyed) {
    const [item = "", ...field] = rest;
    return field.length
      ? `${section} ${item} · ${field.join(".").replace(/_/g, " ")}`
      : `${section} ${item}`;
  }
  return `${section} · ${rest.join(".").replace(/_/g, " ")}`;
}

/** A value on one line: text as-is, nothing as "none", objects as compact JSON. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return "none";
  if (typeof value === "string") return value === "" ? '""' : value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) {
    return value.length ? value.join(" ") : "[]";
  }
  return JSON.stringify(value, Object.keys(flatKeys(value)).sort());
}

function flatKeys(value: unknown, into: Record<string, true> = {}): Record<string, true> {
  if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      into[key] = true;
      flatKeys(item, into);
    }
  }
  return into;
}

type Item = Record<string, unknown>;

/** A whole keyed item (a variable, a mount, a port) as people write it. */
const ITEMS: Record<string, (item: Item) => string> = {
  env: (v) => `${String(v.name)}=${String(v.value)}${v.secret ? " (secret)" : ""}`,
  volumes: (m) =>
    `${String(m.volume)} → ${String(m.container_path)}${m.read_only ? " (read-only)" : ""}`,
  ports: (p) => `${String(p.published)} → ${String(p.target)}/${String(p.protocol ?? "tcp")}`,
};

/** The value at `path`, shown for people: whole list items read like their source form. */
export function formatAt(path: string, value: unknown): string {
  const [head = "", ...rest] = path.split(".");
  const item = ITEMS[head];
  if (item && rest.length === 1 && value && typeof value === "object") return item(value as Item);
  return formatValue(value);
}

export function diffRows(changes: readonly Change[]): DiffRow[] {
  return changes.map((change) => ({
    key: `${change.change}:${change.path}`,
    kind: change.change,
    label: labelFor(change.path),
    before: change.change === "added" ? null : formatAt(change.path, change.live),
    after: change.change === "removed" ? null : formatAt(change.path, change.pending),
  }));
}

export function summarize(changes: readonly Change[]): string {
  const count = changes.length;
  return count === 1 ? "1 pending change" : `${count} pending changes`;
}
