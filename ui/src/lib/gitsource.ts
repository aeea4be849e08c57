// The Git source form: what a person types (text fields, one glob per line, KEY=value lines)
// and the GitSource the API stores, both ways.

import type { GitSource } from "../api/types";
import { parseDotenv, toDotenv, fromRecord, toRecord } from "./env";

export interface GitForm {
  repository: string;
  branch: string;
  commit: string;
  dockerfile: string;
  context: string;
  buildArgs: string;
  target: string;
  watchPaths: string;
}

export function formOf(source: GitSource): GitForm {
  return {
    repository: source.repository_url,
    branch: source.branch ?? "main",
    commit: source.commit ?? "",
    dockerfile: source.dockerfile_path ?? "Dockerfile",
    context: source.context ?? ".",
    buildArgs: toDotenv(fromRecord(source.build_args ?? {})),
    target: source.target ?? "",
    watchPaths: (source.watch_paths ?? []).join("\n"),
  };
}

/** One glob per line; blank lines and repeats dropped. */
export function watchPathsOf(text: string): string[] {
  const globs = text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  return [...new Set(globs)];
}

const orNull = (text: string): string | null => (text.trim() ? text.trim() : null);

/**
 * The source to save, keeping what the form does not show (e.g. credentials); or the build
 * argument lines that could not be read, so nothing half-parsed is saved.
 */
export function sourceOf(form: GitForm, previous: GitSource): { source: GitSource } | { buildArgsError: string } {
  const args = parseDotenv(form.buildArgs);
  if (args.errors.length > 0) {
    return { buildArgsError: args.errors.map((e) => `line ${e.line}: ${e.reason}`).join("; ") };
  }
  return {
    source: {
      ...previous,
      repository_url: form.repository.trim(),
      branch: form.branch.trim(),
      commit: orNull(form.commit),
      dockerfile_path: form.dockerfile.trim(),
      context: form.context.trim(),
      build_args: toRecord(args.vars),
      target: orNull(form.target),
      watch_paths: watchPathsOf(form.watchPaths),
    },
  };
}

/** The URL a Git host calls: the API's `path` on the origin the dashboard is served from. */
export function webhookUrl(origin: string, path: string): string {
  return origin.replace(/\/+$/, "") + path;
}
