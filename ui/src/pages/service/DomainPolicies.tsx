// A domain's edge policies: who may pass (sign-in, networks), what the proxy adds to answers
// (headers, compression), the body limit, the maintenance page and the www. variant. Saved
// like any spec edit; the proxy applies them at once, without a deploy.

import { type FormEvent, useState } from "react";
import { put } from "../../api/client";
import { ApiError, errorsUnder, fieldErrors, unplacedErrors } from "../../api/errors";
import type { Domain } from "../../api/types";
import { useApp } from "../../components/app-context";
import { Button, Field, FormErrors, useAction } from "../../components/ui";
import { linesOf, policiesFrom, policiesToSpec, type Policies } from "../../lib/policies";

const SHOWN = [
  "basic_auth",
  "allow_networks",
  "deny_networks",
  "response_headers",
  "max_body_size",
  "maintenance_message",
  "redirect_www",
  "certificate",
  "security_headers",
  "compress",
  "maintenance",
];

export function DomainPolicies({
  domain,
  onSaved,
}: {
  domain: Domain;
  onSaved: () => Promise<void>;
}) {
  const { notify } = useApp();
  const [form, setForm] = useState<Policies>(() => policiesFrom(domain.spec));
  const set = <K extends keyof Policies>(key: K, value: Policies[K]) =>
    setForm((current) => ({ ...current, [key]: value }));
  const save = useAction(async () => {
    await put<Domain>(
      `/domains/${domain.id}`,
      policiesToSpec(domain.spec, form),
      domain.generation,
    );
    notify(`${domain.spec.domain}: policies saved`);
    await onSaved();
  });
  const errors = fieldErrors(save.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run();
  };
  const listErrors = (field: string) =>
    errorsUnder(save.error, field).map((reason) =>
      reason.replace(/^(\d+):/, (_, n) => `line ${Number(n) + 1}:`),
    );
  const prefixed = unplacedErrors(save.error, SHOWN).filter(
    (message) => !SHOWN.some((field) => message.startsWith(field + ".")),
  );

  return (
    <form
      onSubmit={submit}
      noValidate
      className="policies"
      aria-label={`Policies of ${domain.spec.domain}`}
    >
      <FormErrors
        messages={save.error instanceof ApiError ? prefixed : unplacedErrors(save.error, SHOWN)}
      />
      <fieldset>
        <legend>Who may pass</legend>
        <UsersEditor
          users={form.users}
          onChange={(users) => set("users", users)}
          errors={errorsUnder(save.error, "basic_auth")}
        />
        <TextBox
          label="Allowed networks"
          error={listErrors("allow_networks").join("; ") || undefined}
          hint="One address or CIDR per line (203.0.113.0/24); others get 403. Empty: everyone."
          value={form.allow}
          onChange={(text) => set("allow", text)}
        />
        <TextBox
          label="Denied networks"
          error={listErrors("deny_networks").join("; ") || undefined}
          hint="One per line; refused with 403 even if allowed."
          value={form.deny}
          onChange={(text) => set("deny", text)}
        />
      </fieldset>
      <fieldset>
        <legend>Answers</legend>
        <label className="check">
          <input
            type="checkbox"
            checked={form.securityHeaders}
            onChange={(e) => set("securityHeaders", e.target.checked)}
          />
          <span>
            Security headers{" "}
            <span className="muted">— HSTS, nosniff, SAMEORIGIN frames, referrer policy</span>
          </span>
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={form.compress}
            onChange={(e) => set("compress", e.target.checked)}
          />
          <span>
            Compression <span className="muted">— zstd or gzip, as the visitor accepts</span>
          </span>
        </label>
        <TextBox
          label="Response headers"
          error={errorsUnder(save.error, "response_headers").join("; ") || undefined}
          hint="One per line, Name: value. Replaces the service's own header of that name."
          placeholder="X-Robots-Tag: noindex"
          value={form.headers}
          onChange={(text) => set("headers", text)}
        />
        <Field
          label="Request body limit"
          error={errors.max_body_size}
          hint="e.g. 10Mi; larger requests get 413. Empty: none."
        >
          {(props) => (
            <input
              {...props}
              type="text"
              className="mono"
              placeholder="10Mi"
              value={form.maxBody}
              onChange={(e) => set("maxBody", e.target.value)}
            />
          )}
        </Field>
      </fieldset>
      <fieldset>
        <legend>Certificate</legend>
        <CertificateState domain={domain} />
        <TextBox
          label="Certificate (PEM)"
          error={errors["certificate.certificate"]}
          hint="The chain, this domain's certificate first. Empty: one is obtained automatically."
          placeholder="-----BEGIN CERTIFICATE-----"
          value={form.certificate}
          onChange={(text) => set("certificate", text)}
        />
        {form.certificate.trim() ? (
          <TextBox
            label="Private key (PEM)"
            error={errors["certificate.private_key"]}
            hint="Unencrypted; stored sealed and shown masked (leave the mask to keep it)."
            placeholder="-----BEGIN PRIVATE KEY-----"
            value={form.privateKey}
            onChange={(text) => set("privateKey", text)}
          />
        ) : null}
      </fieldset>
      <fieldset>
        <legend>Maintenance and redirects</legend>
        <label className="check">
          <input
            type="checkbox"
            checked={form.maintenance}
            onChange={(e) => set("maintenance", e.target.checked)}
          />
          <span>
            Maintenance page{" "}
            <span className="muted">
              — every request gets a 503 page, the service is left alone
            </span>
          </span>
        </label>
        {form.maintenance ? (
          <Field
            label="Maintenance message"
            error={errors.maintenance_message}
            hint="Plain text, shown on the page."
          >
            {(props) => (
              <input
                {...props}
                type="text"
                value={form.maintenanceMessage}
                onChange={(e) => set("maintenanceMessage", e.target.value)}
              />
            )}
          </Field>
        ) : null}
        <label className="check">
          <input
            type="checkbox"
            checked={form.redirectWww}
            onChange={(e) => set("redirectWww", e.target.checked)}
          />
          <span>
            Redirect the www. variant{" "}
            <span className="muted">
              — {wwwVariant(domain.spec.domain)} → {domain.spec.domain}
            </span>
          </span>
        </label>
        {errors[""] ? <div className="error">{errors[""]}</div> : null}
      </fieldset>
      <div className="actions">
        <Button type="submit" variant="primary" busy={save.busy}>
          Save policies
        </Button>
      </div>
    </form>
  );
}

function wwwVariant(domain: string): string {
  return domain.startsWith("www.") ? domain.slice(4) : `www.${domain}`;
}

interface UsersEditorProps {
  users: Policies["users"];
  onChange: (users: Policies["users"]) => void;
  errors: string[];
}

/** Sign-in users: a stored password reads back masked; leave it so to keep it. */
function UsersEditor({ users, onChange, errors }: UsersEditorProps) {
  const edit = (index: number, key: "username" | "password", value: string) =>
    onChange(users.map((user, n) => (n === index ? { ...user, [key]: value } : user)));
  return (
    <div className="field">
      <span className="field-label">Sign-in (basic authentication)</span>
      {users.length === 0 ? <div className="hint">Nobody needs to sign in.</div> : null}
      {users.map((user, index) => (
        <div className="row" key={index}>
          <input
            type="text"
            className="mono"
            aria-label={`User ${index + 1} name`}
            placeholder="user"
            value={user.username}
            onChange={(e) => edit(index, "username", e.target.value)}
          />
          <input
            type="password"
            aria-label={`User ${index + 1} password`}
            placeholder="password"
            autoComplete="new-password"
            value={user.password}
            onChange={(e) => edit(index, "password", e.target.value)}
          />
          <Button
            small
            variant="ghost"
            onClick={() => onChange(users.filter((_, n) => n !== index))}
          >
            Remove
          </Button>
        </div>
      ))}
      {errors.map((reason) => (
        <div className="error" role="alert" key={reason}>
          {linesOf(reason)}
        </div>
      ))}
      <Button small onClick={() => onChange([...users, { username: "", password: "" }])}>
        Add a user
      </Button>
    </div>
  );
}

/** The uploaded certificate's state, as the routes controller last reported it. */
function CertificateState({ domain }: { domain: Domain }) {
  const state = (domain.status.conditions ?? []).find((c) => c.type === "Certificate");
  if (!state) return null;
  const tone =
    state.reason === "Valid" ? "hint" : state.reason === "ExpiresSoon" ? "hint warn" : "error";
  return (
    <div className={tone} data-testid="certificate-state">
      {state.message}
    </div>
  );
}

interface TextBoxProps {
  label: string;
  error: string | undefined;
  hint: string;
  placeholder?: string;
  value: string;
  onChange: (text: string) => void;
}

/** A few lines of text (networks, headers, PEM) with its hint and the API's reason. */
function TextBox({ label, error, hint, placeholder, value, onChange }: TextBoxProps) {
  return (
    <Field label={label} error={error} hint={hint}>
      {(props) => (
        <textarea
          {...props}
          className="mono"
          rows={2}
          spellCheck={false}
          placeholder={placeholder}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  );
}
