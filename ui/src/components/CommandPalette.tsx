// The global search: Ctrl+K (or /) anywhere, arrows to choose, Enter to go.

import { useEffect, useState } from "react";
import { useNavigate } from "react-router";
import { get } from "../api/client";
import { messageOf } from "../api/errors";
import type { SearchHit } from "../api/types";
import { useOnChange } from "../lib/hooks";
import { Dialog, Spinner } from "./ui";

export function hitPath(hit: SearchHit): string {
  return hit.kind === "projects" ? `/projects/${hit.id}` : `/services/${hit.id}`;
}

/** Opens on Ctrl/Cmd+K, or on "/" when the person is not typing in a field. */
export function isPaletteShortcut(event: KeyboardEvent): boolean {
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") return true;
  const target = event.target as HTMLElement | null;
  const typing = target?.closest?.("input, textarea, select, [contenteditable='true']");
  return event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey;
}

function useSearch(text: string) {
  const [hits, setHits] = useState<SearchHit[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const query = text.trim();
  // A cleared field shows no hits, and no spinner for the search it cancelled.
  useOnChange([query], () => {
    setBusy(query !== "");
    if (!query) setHits([]);
  });
  useEffect(() => {
    if (!query) return;
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      get<SearchHit[]>(`/search?q=${encodeURIComponent(query)}&limit=12`, controller.signal)
        .then((found) => {
          setHits(found);
          setError("");
        })
        .catch((caught) => !controller.signal.aborted && setError(messageOf(caught)))
        .finally(() => !controller.signal.aborted && setBusy(false));
    }, 120);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [query]);
  return { hits, busy, error };
}

export function CommandPalette({ onClose }: { onClose: () => void }) {
  const [text, setText] = useState("");
  const [selected, setSelected] = useState(0);
  const { hits, busy, error } = useSearch(text);
  const navigate = useNavigate();
  useOnChange([hits], () => setSelected(0));

  const go = (hit: SearchHit | undefined) => {
    if (!hit) return;
    onClose();
    navigate(hitPath(hit));
  };
  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.key === "ArrowDown") setSelected((i) => Math.min(i + 1, hits.length - 1));
    else if (event.key === "ArrowUp") setSelected((i) => Math.max(i - 1, 0));
    else if (event.key === "Enter") go(hits[selected]);
    else return;
    event.preventDefault();
  };

  return (
    <Dialog onClose={onClose} className="palette" labelledBy="palette-label">
      <label id="palette-label" className="sr-only" htmlFor="palette-input">
        Search projects and services
      </label>
      <input
        id="palette-input"
        type="search"
        placeholder="Search projects and services…"
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        role="combobox"
        aria-expanded={hits.length > 0}
        aria-controls="palette-results"
        aria-activedescendant={hits[selected] ? `hit-${hits[selected].id}` : undefined}
        autoComplete="off"
      />
      {error ? <div className="hint-row error">{error}</div> : null}
      {!text.trim() ? (
        <div className="hint-row">Type a project or service name. Enter opens it.</div>
      ) : null}
      {text.trim() && !busy && !error && hits.length === 0 ? (
        <div className="hint-row">Nothing matches “{text}”.</div>
      ) : null}
      {busy && hits.length === 0 ? (
        <div className="hint-row">
          <Spinner />
        </div>
      ) : null}
      <ul id="palette-results" role="listbox">
        {hits.map((hit, index) => (
          <li key={hit.id} role="presentation">
            <a
              id={`hit-${hit.id}`}
              role="option"
              aria-selected={index === selected}
              href={hitPath(hit)}
              onMouseEnter={() => setSelected(index)}
              onClick={(event) => {
                event.preventDefault();
                go(hit);
              }}
            >
              <strong>{hit.name}</strong>
              {hit.name !== hit.slug ? <span className="muted">{hit.slug}</span> : null}
              <span className="kind">{hit.kind === "projects" ? "Project" : "Service"}</span>
            </a>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
