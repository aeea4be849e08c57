// The Git source form: what a person types (text fields, one glob per line, KEY=value lines)
// and the GitSource the API stores, both ways.

import {
  type GitCredentials,
  type GitCredentialsInput,
  type GitSource,
  type GitSourceInput,
  MASK,
} from "../api/types";
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
  configFile: string;
  credentials: CredentialsForm;
}

/** How the builds controller gets into a private repository: nothing, a token, or a deploy key. */
export type CredentialKind = "none" | "token" | "ssh";

/**
 * The private-repository part of the form. The API never sends a stored secret back (only the
 * mask), so `stored` says which kind is stored and an empty secret field keeps it.
 */
export interface CredentialsForm {
  kind: CredentialKind;
  username: string;
  token: string;
  sshKey: string;
  stored: CredentialKind;
}

/** Accepted with a token by GitHub (any name) and GitLab (OAuth and personal tokens). */
export const DEFAULT_TOKEN_USERNAME = "oauth2";

export function credentialsFormOf(credentials: GitCredentials | null | undefined): CredentialsForm {
  const kind: CredentialKind = credentials?.token ? "token" : credentials?.ssh_key ? "ssh" : "none";
  const username =
    kind === "token" && credentials?.username ? credentials.username : DEFAULT_TOKEN_USERNAME;
  return { kind, username, token: "", sshKey: "", stored: kind };
}

export type CredentialErrors = Partial<
  Record<"credentialToken" | "credentialUsername" | "sshKey", string>
>;

/** The secret to send: what was typed, else the mask when that kind is stored (keeps it). */
function secretOf(typed: string, kind: CredentialKind, stored: CredentialKind): string | null {
  if (typed.trim()) return typed;
  return kind === stored ? MASK : null;
}

// A public key pasted where the private one belongs: the commonest deploy-key mistake.
const PUBLIC_KEY = /^\s*(ssh-(rsa|ed25519|dss)|ecdsa-sha2-|sk-(ssh|ecdsa)-)\S*\s/;

/** The credentials to save (exactly one secret, as the API requires), or what is missing. */
export function credentialsOf(
  form: CredentialsForm,
): { credentials: GitCredentialsInput | null } | { errors: CredentialErrors } {
  if (form.kind === "none") return { credentials: null };
  if (form.kind === "token") {
    const token = secretOf(form.token.trim(), "token", form.stored);
    const errors: CredentialErrors = {};
    if (token === null) errors.credentialToken = "enter the access token";
    if (!form.username.trim())
      errors.credentialUsername = `enter a user name (e.g. ${DEFAULT_TOKEN_USERNAME})`;
    return token === null || errors.credentialUsername
      ? { errors }
      : { credentials: { token, username: form.username.trim() } };
  }
  const key = secretOf(form.sshKey, "ssh", form.stored);
  if (key === null) return { errors: { sshKey: "paste the private key of the deploy key" } };
  if (PUBLIC_KEY.test(key)) {
    return {
      errors: {
        sshKey:
          "this is a public key: paste the private one (the public one goes to the repository's deploy keys)",
      },
    };
  }
  return { credentials: { ssh_key: key } };
}

/** A warning when the secret cannot be used with this URL (tokens go over http(s), keys over ssh). */
export function credentialsMismatch(repositoryUrl: string, kind: CredentialKind): string | null {
  const url = repositoryUrl.trim();
  const overHttp = /^https?:\/\//i.test(url);
  const overSsh = /^ssh:\/\//i.test(url) || /^[^/:@\s]+@[^/:\s]+:/.test(url);
  if (kind === "token" && overSsh) return "This URL uses ssh: a token is only sent over https.";
  if (kind === "ssh" && overHttp)
    return "This URL uses https: a deploy key needs git@host:path or ssh://.";
  return null;
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
    configFile: source.config_file ?? "",
    credentials: credentialsFormOf(source.credentials),
  };
}

/** One glob per line; blank lines and repeats dropped. */
export function watchPathsOf(text: string): string[] {
  const globs = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  return [...new Set(globs)];
}

const orNull = (text: string): string | null => (text.trim() ? text.trim() : null);

export type SourceErrors = CredentialErrors & { buildArgs?: string };

/**
 * The source to save, keeping what the form does not show; or, by form field, what could not
 * be read (build argument lines, missing secrets), so nothing half-parsed is saved.
 */
export function sourceOf(
  form: GitForm,
  previous: GitSource,
): { source: GitSourceInput } | { errors: SourceErrors } {
  const args = parseDotenv(form.buildArgs);
  const access = credentialsOf(form.credentials);
  const errors: SourceErrors = "errors" in access ? { ...access.errors } : {};
  if (args.errors.length > 0)
    errors.buildArgs = args.errors.map((e) => `line ${e.line}: ${e.reason}`).join("; ");
  if (Object.keys(errors).length > 0 || "errors" in access) return { errors };
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
      config_file: orNull(form.configFile),
      credentials: access.credentials,
    },
  };
}

/** The URL a Git host calls: the API's `path` on the origin the dashboard is served from. */
export function webhookUrl(origin: string, path: string): string {
  return origin.replace(/\/+$/, "") + path;
}
