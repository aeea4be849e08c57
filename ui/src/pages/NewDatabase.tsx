// Create a database in one step: the API makes the service, its data volume, a random
// password and a health check that asks the engine. The password is shown on its page.

import { type FormEvent, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { post } from "../api/client";
import { fieldErrors, FormProblem, unplacedErrors } from "../api/errors";
import type { CreatedDatabase, NewDatabase } from "../api/types";
import { Button, Card, Field, FormErrors, useAction } from "../components/ui";
import { type Engine, ENGINES, publicPortOf } from "../lib/databases";
import { useEnvironmentPage } from "../lib/environment-page";

const PLACED = ["slug", "engine", "version", "public_port"];

export function NewDatabasePage() {
  const { projectId = "", environmentId = "" } = useParams();
  const navigate = useNavigate();
  useEnvironmentPage(projectId, environmentId, "New database", "new-database");
  const [slug, setSlug] = useState("");
  const [engine, setEngine] = useState<Engine>("postgres");
  const [publicPort, setPublicPort] = useState("");
  const create = useAction(async () => {
    const port = publicPortOf(publicPort);
    if ("error" in port) throw new FormProblem({ public_port: port.error });
    const body: NewDatabase = { slug: slug.trim(), engine, public_port: port.port };
    const made = await post<CreatedDatabase>(`/environments/${environmentId}/databases`, body);
    navigate(`/services/${made.service.id}`);
  });
  const errors = fieldErrors(create.error, {});
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void create.run();
  };

  return (
    <form onSubmit={submit} noValidate style={{ maxWidth: 720 }}>
      <div className="page-head">
        <div>
          <h1>New database</h1>
          <p>
            Its data lives on a volume of its own, its password is generated, and only the services
            of this environment reach it. Deploy it to start it.
          </p>
        </div>
      </div>
      <Card
        footer={
          <>
            <Button onClick={() => navigate(-1)}>Cancel</Button>
            <Button type="submit" variant="primary" busy={create.busy}>
              Create database
            </Button>
          </>
        }
      >
        <div className="card-body stack">
          <div className="choice-grid" role="group" aria-label="Engine">
            {(Object.keys(ENGINES) as Engine[]).map((name) => (
              <button
                key={name}
                type="button"
                className="choice"
                aria-pressed={engine === name}
                onClick={() => setEngine(name)}
              >
                <strong>
                  {ENGINES[name].title} {ENGINES[name].versions.at(-1)}
                </strong>
                <span>{ENGINES[name].blurb}</span>
              </button>
            ))}
          </div>
          <FormErrors messages={unplacedErrors(create.error, PLACED, {})} />
          <Field
            label="Name"
            error={errors.slug}
            hint="Also its host name for the other services of the environment."
          >
            {(props) => (
              <input
                {...props}
                type="text"
                className="mono"
                placeholder="db"
                value={slug}
                onChange={(e) => setSlug(e.target.value)}
              />
            )}
          </Field>
          <Field
            label="Public port"
            error={errors.public_port}
            hint="Empty: reachable only inside the environment (safest). A port opens it on every server."
          >
            {(props) => (
              <input
                {...props}
                type="text"
                inputMode="numeric"
                className="mono"
                placeholder="not published"
                value={publicPort}
                onChange={(e) => setPublicPort(e.target.value)}
              />
            )}
          </Field>
        </div>
      </Card>
    </form>
  );
}
