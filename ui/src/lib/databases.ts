// Databases in the dashboard: the engines offered (as the API's NewDatabase takes them), which
// are backed up, and how a database service is named in lists.

import type { DatabaseSource } from "../api/types";

export type Engine = DatabaseSource["engine"];

type EngineInfo = { title: string; versions: string[]; blurb: string; backedUp: boolean };

export const ENGINES: Record<Engine, EngineInfo> = {
  postgres: {
    title: "PostgreSQL",
    versions: ["15"],
    blurb: "Relational: tables, transactions, SQL",
    backedUp: true,
  },
  mariadb: {
    title: "MariaDB",
    versions: ["10.11"],
    blurb: "Relational, MySQL-compatible: for apps made for MySQL",
    backedUp: true,
  },
  redis: {
    title: "Redis",
    versions: ["7"],
    blurb: "In memory: caches, queues, sessions",
    backedUp: true,
  },
};

/** Whether the backups controller dumps and verifies this database (its Backups tab). */
export function isBackedUp(source: { type: string; engine?: Engine }): boolean {
  return (
    source.type === "database" && source.engine !== undefined && ENGINES[source.engine].backedUp
  );
}

export function databaseLabel(source: DatabaseSource): string {
  return `${ENGINES[source.engine].title} ${source.version}`;
}

/** A published port as typed: empty is none; anything else must be a port number. */
export function publicPortOf(text: string): { port: number | null } | { error: string } {
  const trimmed = text.trim();
  if (!trimmed) return { port: null };
  const port = Number(trimmed);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    return { error: "a port is a whole number from 1 to 65535" };
  return { port };
}
