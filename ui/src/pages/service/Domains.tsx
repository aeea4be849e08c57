// Domains route web traffic to the service; they apply at once, without a deploy.

import { type FormEvent, useState } from "react";
import { del, post } from "../../api/client";
import { fieldErrors, messageOf, unplacedErrors } from "../../api/errors";
import type { Domain } from "../../api/types";
import { useApp } from "../../components/app-context";
import {
  Badge,
  Button,
  Card,
  Empty,
  Field,
  FormErrors,
  Loading,
  useAction,
} from "../../components/ui";
import { useService } from "./context";
import { DomainPolicies } from "./DomainPolicies";
import { certificateProblem } from "../../lib/policies";
import { domainUrl, useServiceDomains } from "./Overview";

const RENAME: Record<string, string> = { "target.port": "port", "target.service_id": "port" };

function defaultPort(check: { type: string; port?: number } | null | undefined): string {
  return check && check.type === "http" && check.port ? String(check.port) : "80";
}

export function Domains() {
  const { service } = useService();
  const { notify } = useApp();
  const domains = useServiceDomains(service.parent_id, service.id);
  const [domain, setDomain] = useState("");
  const [basePath, setBasePath] = useState("/");
  const [port, setPort] = useState(defaultPort(service.spec.healthcheck as never));
  const [strip, setStrip] = useState(false);
  const add = useAction(async () => {
    const portNumber = Number(port);
    await post<Domain>(`/environments/${service.parent_id}/domains`, {
      domain: domain.trim(),
      base_path: basePath.trim() || "/",
      strip_prefix: strip,
      target: {
        service_id: service.id,
        port: Number.isInteger(portNumber) && port.trim() ? portNumber : port,
      },
    });
    notify(`${domain} added`);
    setDomain("");
    setBasePath("/");
    await domains.reload();
  });
  const errors = fieldErrors(add.error, RENAME);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void add.run();
  };

  return (
    <div className="stack">
      <Card
        title="Domains"
        description="Routed by the proxy as soon as they are added; no deploy needed."
      >
        {!domains.data ? <Loading /> : null}
        {domains.mine?.length === 0 ? <Empty title="No domains yet">Add one below.</Empty> : null}
        <ul className="list">
          {domains.mine?.map((item) => (
            <DomainRow key={item.id} domain={item} onRemoved={domains.reload} />
          ))}
        </ul>
      </Card>
      <form onSubmit={submit} noValidate>
        <Card
          title="Add a domain"
          footer={
            <Button type="submit" variant="primary" busy={add.busy}>
              Add domain
            </Button>
          }
        >
          <div className="card-body form-grid">
            <FormErrors
              messages={unplacedErrors(
                add.error,
                ["domain", "base_path", "port", "strip_prefix"],
                RENAME,
              )}
            />
            <Field
              className="wide"
              label="Domain"
              error={errors.domain}
              hint="Point its DNS at this server. *.example.com covers one level."
            >
              {(props) => (
                <input
                  {...props}
                  type="text"
                  className="mono"
                  placeholder="app.example.com"
                  value={domain}
                  onChange={(e) => setDomain(e.target.value)}
                />
              )}
            </Field>
            <Field label="Path" error={errors.base_path} hint="Only requests under this path.">
              {(props) => (
                <input
                  {...props}
                  type="text"
                  className="mono"
                  value={basePath}
                  onChange={(e) => setBasePath(e.target.value)}
                />
              )}
            </Field>
            <Field label="Container port" error={errors.port}>
              {(props) => (
                <input
                  {...props}
                  type="number"
                  min={1}
                  max={65535}
                  value={port}
                  onChange={(e) => setPort(e.target.value)}
                />
              )}
            </Field>
            <label className="check wide">
              <input type="checkbox" checked={strip} onChange={(e) => setStrip(e.target.checked)} />
              <span>
                Strip the path{" "}
                <span className="muted">— the service sees / instead of the path above</span>
              </span>
            </label>
            {errors.strip_prefix ? <div className="error wide">{errors.strip_prefix}</div> : null}
          </div>
        </Card>
      </form>
    </div>
  );
}

function DomainRow({ domain, onRemoved }: { domain: Domain; onRemoved: () => Promise<void> }) {
  const { notify } = useApp();
  const [open, setOpen] = useState(false);
  const remove = useAction(async () => {
    await del(`/domains/${domain.id}`);
    notify(`${domain.spec.domain} removed`);
    await onRemoved();
  });
  const ready = (domain.status.conditions ?? []).find((c) => c.type === "Ready");
  const certificate = certificateProblem(domain);
  return (
    <li className="domain-item">
      <div className="domain-line">
        <div style={{ flex: 1, minWidth: 0 }}>
          <a className="link" href={domainUrl(domain)} target="_blank" rel="noreferrer">
            {domain.spec.domain}
            {domain.spec.base_path !== "/" ? domain.spec.base_path : ""} ↗
          </a>
          <div className="muted" style={{ fontSize: 13 }}>
            → port {domain.spec.target?.port}
            {domain.spec.strip_prefix ? " · path stripped" : ""}
            {policySummary(domain)}
          </div>
          {ready?.status === "False" ? <div className="error">{ready.message}</div> : null}
          {certificate ? (
            <div className="error" data-testid="certificate-problem">
              {certificate}
            </div>
          ) : null}
          {remove.error ? <div className="error">{messageOf(remove.error)}</div> : null}
        </div>
        {domain.deleted_at ? (
          <Badge tone="bad" live>
            Removing
          </Badge>
        ) : ready ? (
          <Badge tone={ready.status === "True" ? "ok" : "warn"}>
            {ready.status === "True" ? "Routed" : ready.reason || "Pending"}
          </Badge>
        ) : (
          <Badge>Pending</Badge>
        )}
        <Button
          small
          variant="ghost"
          aria-expanded={open}
          disabled={Boolean(domain.deleted_at)}
          onClick={() => setOpen(!open)}
        >
          Policies
        </Button>
        <Button
          small
          variant="ghost"
          busy={remove.busy}
          disabled={Boolean(domain.deleted_at)}
          onClick={() => void remove.run()}
          aria-label={`Remove ${domain.spec.domain}`}
        >
          Remove
        </Button>
      </div>
      {open ? (
        <DomainPolicies
          domain={domain}
          onSaved={async () => {
            setOpen(false);
            await onRemoved();
          }}
        />
      ) : null}
    </li>
  );
}

/** What the proxy does on this domain besides routing, in a few words. */
function policySummary(domain: Domain): string {
  const spec = domain.spec;
  const said = [
    spec.maintenance ? "maintenance page" : "",
    spec.basic_auth?.length ? "sign-in" : "",
    spec.allow_networks?.length || spec.deny_networks?.length ? "network rules" : "",
    spec.security_headers ? "security headers" : "",
    spec.max_body_size ? "body limit" : "",
    spec.redirect_www ? "www. redirect" : "",
    spec.certificate ? `own certificate${expiresOn(domain)}` : "",
  ].filter(Boolean);
  return said.length ? ` · ${said.join(", ")}` : "";
}

function expiresOn(domain: Domain): string {
  const expires = domain.status.details?.["certificate_expires_at"];
  return typeof expires === "string" ? ` until ${expires.slice(0, 10)}` : "";
}
