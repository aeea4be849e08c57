// Runtime and HTTP logs: a page of the newest, then live over server-sent events.

import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { API, get } from "../../api/client";
import { messageOf } from "../../api/errors";
import type { LogEntry, LogPage } from "../../api/types";
import { Badge, Button, Card, Field } from "../../components/ui";
import {
  appendEntries,
  entryText,
  entryTime,
  highlight,
  type LogFilter,
  type LogKind,
  logQuery,
} from "../../lib/logs";
import { useOnChange } from "../../lib/hooks";
import { useService } from "./context";

const EMPTY: LogFilter = { text: "", since: "", until: "" };

function useLogs(serviceId: string, kind: LogKind, filter: LogFilter, live: boolean) {
  const [entries, setEntries] = useState<LogEntry[]>([]);
  const [older, setOlder] = useState<string | null>(null);
  const [state, setState] = useState<"loading" | "live" | "paused" | "error">("loading");
  const [error, setError] = useState("");
  const base = `/services/${serviceId}/logs/${kind}`;

  useOnChange([base, filter, live], () => setState("loading"));
  useEffect(() => {
    let source: EventSource | null = null;
    const controller = new AbortController();
    get<LogPage>(`${base}?${logQuery(filter, 200)}`, controller.signal)
      .then((page) => {
        const shown = [...page.entries].reverse();
        setEntries(shown);
        setOlder(page.next_cursor);
        setError("");
        if (!live || filter.until) return setState("paused");
        source = follow(shown[shown.length - 1]?.id);
      })
      .catch((caught) => {
        if (controller.signal.aborted) return;
        setError(messageOf(caught));
        setState("error");
      });

    function follow(after: string | undefined): EventSource {
      const params = new URLSearchParams();
      if (after) params.set("after", after);
      if (filter.text.trim()) params.set("q", filter.text.trim());
      const events = new EventSource(`${API}${base}/follow?${params}`);
      events.onopen = () => setState("live");
      events.onerror = () =>
        setState(events.readyState === EventSource.CLOSED ? "error" : "loading");
      events.addEventListener("log", (event) => {
        const message = event as MessageEvent<string>;
        const entry = {
          id: message.lastEventId,
          fields: JSON.parse(message.data) as Record<string, string>,
        };
        setEntries((shown) => appendEntries(shown, [entry]));
        setState("live");
      });
      return events;
    }
    return () => {
      controller.abort();
      source?.close();
    };
  }, [base, filter, live]);

  const loadOlder = async () => {
    if (!older) return;
    const page = await get<LogPage>(
      `${base}?${logQuery(filter, 200)}&cursor=${encodeURIComponent(older)}`,
    );
    setEntries((shown) => [...[...page.entries].reverse(), ...shown]);
    setOlder(page.next_cursor);
  };
  return { entries, older, state, error, loadOlder };
}

export function Logs() {
  const { service } = useService();
  const [kind, setKind] = useState<LogKind>("runtime");
  const [draft, setDraft] = useState<LogFilter>(EMPTY);
  const [filter, setFilter] = useState<LogFilter>(EMPTY);
  const [live, setLive] = useState(true);
  const logs = useLogs(service.id, kind, filter, live);
  const box = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  // Follow the tail while the person is at the bottom; leave them be when they scrolled up.
  useLayoutEffect(() => {
    if (box.current && stick.current) box.current.scrollTop = box.current.scrollHeight;
  }, [logs.entries]);
  useEffect(() => {
    const timer = window.setTimeout(
      () => setFilter((f) => (f.text === draft.text ? f : { ...f, text: draft.text })),
      300,
    );
    return () => window.clearTimeout(timer);
  }, [draft.text]);

  const apply = () => setFilter(draft);
  const stateBadge =
    logs.state === "live" ? (
      <Badge tone="ok" live>
        Live
      </Badge>
    ) : logs.state === "paused" ? (
      <Badge>Paused</Badge>
    ) : logs.state === "error" ? (
      <Badge tone="bad">Disconnected</Badge>
    ) : (
      <Badge tone="warn" live>
        Connecting
      </Badge>
    );

  return (
    <Card>
      <div className="log-tools">
        <div className="segmented" role="group" aria-label="Which logs">
          <button
            type="button"
            aria-pressed={kind === "runtime"}
            onClick={() => setKind("runtime")}
          >
            Runtime
          </button>
          <button type="button" aria-pressed={kind === "http"} onClick={() => setKind("http")}>
            HTTP
          </button>
        </div>
        <Field label="Search logs" className="grow">
          {(props) => (
            <input
              {...props}
              type="search"
              placeholder="Text in the line…"
              value={draft.text}
              onChange={(e) => setDraft({ ...draft, text: e.target.value })}
            />
          )}
        </Field>
        <Field label="From">
          {(props) => (
            <input
              {...props}
              type="datetime-local"
              step="1"
              value={draft.since}
              onChange={(e) => setDraft({ ...draft, since: e.target.value })}
            />
          )}
        </Field>
        <Field label="To">
          {(props) => (
            <input
              {...props}
              type="datetime-local"
              step="1"
              value={draft.until}
              onChange={(e) => setDraft({ ...draft, until: e.target.value })}
            />
          )}
        </Field>
        <div className="row">
          <Button onClick={apply}>Apply</Button>
          <Button
            variant="ghost"
            onClick={() => {
              setDraft(EMPTY);
              setFilter(EMPTY);
            }}
          >
            Clear
          </Button>
        </div>
        <div className="row" style={{ height: 34 }}>
          <label className="check" style={{ alignItems: "center" }}>
            <input
              type="checkbox"
              checked={live}
              onChange={(e) => setLive(e.target.checked)}
              style={{ marginTop: 0 }}
            />{" "}
            Live tail
          </label>
          {stateBadge}
        </div>
      </div>
      {logs.error ? (
        <div className="form-error" role="alert" style={{ margin: 12 }}>
          {logs.error}
        </div>
      ) : null}
      <div
        className="logs"
        ref={box}
        role="log"
        aria-label={`${kind} logs`}
        aria-live="off"
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {logs.older ? (
          <div className="line">
            <span />
            <button
              type="button"
              className="btn small ghost"
              style={{ color: "inherit", justifySelf: "start" }}
              onClick={() => void logs.loadOlder()}
            >
              Load older lines
            </button>
          </div>
        ) : null}
        {logs.entries.length === 0 && logs.state !== "loading" ? (
          <div className="line empty">
            <span />
            <span>
              {filter.text || filter.since || filter.until
                ? "No line matches."
                : "No logs yet. Lines appear here as the service writes them."}
            </span>
          </div>
        ) : null}
        {logs.entries.map((entry) => (
          <div
            key={entry.id}
            className={`line ${entry.fields.stream === "stderr" ? "stderr" : ""}`}
          >
            <time className="ts">
              {entryTime(entry).toLocaleString(undefined, {
                month: "short",
                day: "2-digit",
                hour: "2-digit",
                minute: "2-digit",
                second: "2-digit",
              })}
            </time>
            <span className="text">
              {highlight(entryText(entry, kind), filter.text).map((part, i) =>
                part.match ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>,
              )}
            </span>
          </div>
        ))}
      </div>
    </Card>
  );
}
