// How the builds controller gets into a private repository: none, an access token, or a
// deploy key. Shared by the new-service page and a service's settings.

import { Field } from "./ui";
import { type CredentialsForm, credentialsMismatch } from "../lib/gitsource";

const CREDENTIAL_KINDS = [
  ["none", "Public"],
  ["token", "Access token"],
  ["ssh", "SSH deploy key"],
] as const;

const STORED_HINT = "Stored (hidden). Leave empty to keep it; type a new one to replace it.";

/** How the builds controller gets into a private repository; a stored secret is never shown. */
export function CredentialFields({
  form,
  repository,
  onChange,
  errors,
}: {
  form: CredentialsForm;
  repository: string;
  onChange: (form: CredentialsForm) => void;
  errors: Record<string, string>;
}) {
  const set = (patch: Partial<CredentialsForm>) => onChange({ ...form, ...patch });
  const keeps = form.kind === form.stored;
  const mismatch = credentialsMismatch(repository, form.kind);
  return (
    <div className="wide stack" data-testid="git-credentials">
      <div className="field">
        <span className="field-label">Private repository</span>
        <div className="segmented" role="group" aria-label="Private repository">
          {CREDENTIAL_KINDS.map(([kind, label]) => (
            <button
              key={kind}
              type="button"
              aria-pressed={form.kind === kind}
              onClick={() => set({ kind })}
            >
              {label}
            </button>
          ))}
        </div>
        {errors.credentials ? (
          <div className="error" role="alert">
            {errors.credentials}
          </div>
        ) : null}
        <div className="hint">{credentialHint(form)}</div>
        {mismatch ? (
          <div className="hint warn" role="note">
            {mismatch}
          </div>
        ) : null}
      </div>
      {form.kind === "token" ? (
        <div className="form-grid">
          <Field
            label="Token user name"
            error={errors.credentialUsername}
            hint="GitHub takes any name; GitLab: oauth2; Bitbucket: x-token-auth."
          >
            {(p) => (
              <input
                {...p}
                type="text"
                className="mono"
                autoComplete="off"
                value={form.username}
                onChange={(e) => set({ username: e.target.value })}
              />
            )}
          </Field>
          <Field
            label="Access token"
            error={errors.credentialToken}
            hint={keeps ? STORED_HINT : "Read access to the repository is enough."}
          >
            {(p) => (
              <input
                {...p}
                type="password"
                className="mono"
                autoComplete="new-password"
                placeholder={keeps ? "stored — leave empty to keep" : ""}
                value={form.token}
                onChange={(e) => set({ token: e.target.value })}
              />
            )}
          </Field>
        </div>
      ) : null}
      {form.kind === "ssh" ? (
        <Field
          label="Deploy key (private)"
          error={errors.sshKey}
          hint={
            keeps
              ? STORED_HINT
              : "The private half (-----BEGIN OPENSSH PRIVATE KEY-----); add the public half to the repository's deploy keys."
          }
        >
          {(p) => (
            <textarea
              {...p}
              className="mono"
              rows={keeps ? 2 : 6}
              spellCheck={false}
              autoComplete="off"
              placeholder={
                keeps ? "stored — leave empty to keep" : "-----BEGIN OPENSSH PRIVATE KEY-----"
              }
              value={form.sshKey}
              onChange={(e) => set({ sshKey: e.target.value })}
            />
          )}
        </Field>
      ) : null}
    </div>
  );
}

function credentialHint(form: CredentialsForm): string {
  if (form.kind === "none" && form.stored !== "none")
    return "Saving removes the stored credentials.";
  if (form.kind === "none") return "Cloned without credentials.";
  if (form.kind === "token") return "Sent over https only, stored encrypted.";
  return "For git@host:path or ssh:// URLs, stored encrypted.";
}
