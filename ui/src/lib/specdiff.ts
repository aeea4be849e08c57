// What a deployment changed compared with the one before it, computed here from the two
// snapshots, the way the API computes pending changes (lists keyed by their natural key).

import type { Change } from "../api/types";

type Json = unknown;
type Keyed = Record<string, Json>;

const LIST_KEYS: Record<string, (item: Keyed) => string> = {
  env: (item) => String(item.name),
  volumes: (item) => String(item.container_path),
  ports: (item) => `${String(item.published)}/${String(item.protocol ?? "tcp")}`,
};

function isObject(value: Json): value is Keyed {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function keyed(spec: Keyed): Keyed {
  const shaped: Keyed = { ...spec };
  for (const [field, key] of Object.entries(LIST_KEYS)) {
    const list = spec[field];
    if (Array.isArray(list))
      shaped[field] = Object.fromEntries(list.map((item: Keyed) => [key(item), item]));
  }
  return shaped;
}

function same(a: Json, b: Json): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function walk(live: Json, pending: Json, path: string, out: Change[]): void {
  if (isObject(live) && isObject(pending)) {
    const names = [...Object.keys(live), ...Object.keys(pending).filter((k) => !(k in live))];
    for (const name of names) {
      const child = path ? `${path}.${name}` : name;
      if (!(name in pending)) out.push({ path: child, change: "removed", live: live[name] });
      else if (!(name in live)) out.push({ path: child, change: "added", pending: pending[name] });
      else walk(live[name], pending[name], child, out);
    }
  } else if (!same(live, pending)) {
    out.push({ path, change: "changed", live, pending });
  }
}

/** Field-by-field changes from `before` (none: everything is added) to `after`. */
export function specChanges(before: object | null, after: object): Change[] {
  const out: Change[] = [];
  walk(keyed((before ?? {}) as Keyed), keyed(after as Keyed), "", out);
  return out;
}
