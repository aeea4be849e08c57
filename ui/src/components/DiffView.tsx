import type { Change } from "../api/types";
import { diffRows } from "../lib/diff";

const SIGNS = { added: "+", removed: "−", changed: "~" } as const;
const WORDS = { added: "added", removed: "removed", changed: "changed" } as const;

/** Changes between two specs, one line each: a sign, what, and before → after. */
export function DiffView({
  changes,
  empty = "No changes.",
}: {
  changes: readonly Change[];
  empty?: string;
}) {
  const rows = diffRows(changes);
  if (rows.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ul className="diff" aria-label="Changes">
      {rows.map((row) => (
        <li key={row.key} className={row.kind}>
          <span className="sign" aria-label={WORDS[row.kind]}>
            {SIGNS[row.kind]}
          </span>
          <span className="what">{row.label}</span>
          <span className="values">
            {row.before !== null ? <span className="before">{row.before}</span> : null}
            {row.before !== null && row.after !== null ? (
              <span className="arrow" aria-label="becomes">
                →
              </span>
            ) : null}
            {row.after !== null ? <span className="after">{row.after}</span> : null}
          </span>
        </li>
      ))}
    </ul>
  );
}
