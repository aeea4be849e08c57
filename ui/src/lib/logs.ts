// Log entries as lines: the parts shown, and the query a search and time range make.

import type { LogEntry } from "../api/types";

export type LogKind = "runtime" | "http";

export interface LogFilter {
  text: string;
  since: string; // datetime-local values, in the person's time zone; "" for none
  until: string;
}

export function logQuery(filter: LogFilter, limit: number): string {
  const params = new URLSearchParams({ limit: String(limit) });
  if (filter.text.trim()) params.set("q", filter.text.trim());
  if (filter.since) params.set("since", new Date(filter.since).toISOString());
  if (filter.until) params.set("until", new Date(filter.until).toISOString());
  return params.toString();
}

/** The text of one entry: the line for runtime logs, a request summary for HTTP logs. */
export function entryText(entry: LogEntry, kind: LogKind): string {
  const f = entry.fields;
  if (kind === "runtime") return f.line ?? "";
  const duration = f.duration_ms ? ` ${f.duration_ms}ms` : "";
  return `${f.status ?? "-"} ${f.method ?? ""} ${f.host ?? ""}${f.path ?? ""}${duration}`.trim();
}

/** The time of an entry: its ts field, or the time in its Redis id (milliseconds). */
export function entryTime(entry: LogEntry): Date {
  if (entry.fields.ts) return new Date(entry.fields.ts);
  return new Date(Number(entry.id.split("-")[0]));
}

/** Splits text around case-insensitive matches of `term`, for highlighting. */
export function highlight(text: string, term: string): { text: string; match: boolean }[] {
  const needle = term.trim().toLowerCase();
  if (!needle) return [{ text, match: false }];
  const parts: { text: string; match: boolean }[] = [];
  const lower = text.toLowerCase();
  let at = 0;
  for (let found = lower.indexOf(needle); found >= 0; found = lower.indexOf(needle, at)) {
    if (found > at) parts.push({ text: text.slice(at, found), match: false });
    parts.push({ text: text.slice(found, found + needle.length), match: true });
    at = found + needle.length;
  }
  if (at < text.length) parts.push({ text: text.slice(at), match: false });
  return parts;
}

export const MAX_LINES = 2000;

/** New entries appended, duplicates dropped (a reconnect may repeat one), oldest trimmed. */
export function appendEntries(shown: LogEntry[], incoming: LogEntry[]): LogEntry[] {
  const seen = new Set(shown.map((e) => e.id));
  const merged = [...shown, ...incoming.filter((e) => !seen.has(e.id))];
  return merged.length > MAX_LINES ? merged.slice(merged.length - MAX_LINES) : merged;
}
