// A domain's edge policies as the form edits them (lists as lines of text), and back to the
// spec the API takes. Fields that are not policies (host, path, destination) pass through.

import type { Domain, DomainSpec } from "../api/types";

export interface SignInUser {
  username: string;
  password: string; // a stored one reads back masked: sent back so, it is kept
}

export interface Policies {
  users: SignInUser[];
  allow: string; // one address or network per line
  deny: string;
  securityHeaders: boolean;
  compress: boolean;
  headers: string; // one "Name: value" per line
  maxBody: string;
  maintenance: boolean;
  maintenanceMessage: string;
  redirectWww: boolean;
  certificate: string; // PEM chain; empty: none uploaded
  privateKey: string; // PEM, or the mask of the stored one
}

export function policiesFrom(spec: DomainSpec): Policies {
  return {
    users: (spec.basic_auth ?? []).map(({ username, password }) => ({ username, password })),
    allow: (spec.allow_networks ?? []).join("\n"),
    deny: (spec.deny_networks ?? []).join("\n"),
    securityHeaders: spec.security_headers ?? false,
    compress: spec.compress ?? true,
    headers: Object.entries(spec.response_headers ?? {})
      .map(([name, value]) => `${name}: ${value}`)
      .join("\n"),
    maxBody: spec.max_body_size == null ? "" : String(spec.max_body_size),
    maintenance: spec.maintenance ?? false,
    maintenanceMessage: spec.maintenance_message ?? "",
    redirectWww: spec.redirect_www ?? false,
    certificate: spec.certificate?.certificate ?? "",
    privateKey: spec.certificate?.private_key ?? "",
  };
}

/** Non-empty lines, trimmed. */
export function nonEmptyLines(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
}

/** "Name: value" lines; a line without a colon is a name with an empty value (the API says
 * what is wrong with it, at the header's name). */
export function headersFrom(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of nonEmptyLines(text)) {
    const colon = line.indexOf(":");
    const name = (colon < 0 ? line : line.slice(0, colon)).trim();
    headers[name] = colon < 0 ? "" : line.slice(colon + 1).trim();
  }
  return headers;
}

export function policiesToSpec(spec: DomainSpec, form: Policies): DomainSpec {
  return {
    ...spec,
    basic_auth: form.users.map((user) => ({
      username: user.username.trim(),
      password: user.password,
    })),
    allow_networks: nonEmptyLines(form.allow),
    deny_networks: nonEmptyLines(form.deny),
    security_headers: form.securityHeaders,
    compress: form.compress,
    response_headers: headersFrom(form.headers),
    max_body_size: form.maxBody.trim() ? form.maxBody.trim() : null,
    maintenance: form.maintenance,
    maintenance_message: form.maintenanceMessage,
    redirect_www: form.redirectWww,
    certificate: form.certificate.trim()
      ? { certificate: form.certificate, private_key: form.privateKey }
      : null,
  } as DomainSpec;
}

/** "0.password: reason" (an API field path under basic_auth) → "user 1's password: reason". */
export function linesOf(reason: string): string {
  return reason.replace(
    /^(\d+)\.(\w+):/,
    (_, n: string, field: string) => `user ${Number(n) + 1}'s ${field}:`,
  );
}

/** A certificate the proxy could not get (Caddy's reason), until one is issued. */
export function certificateProblem(domain: Domain): string | null {
  const found = (domain.status.conditions ?? []).find((c) => c.type === "Certificate");
  if (found?.reason !== "IssueFailed") return null;
  return `Certificate cannot be issued: ${found.message || "the proxy gave no reason"}`;
}
