// An environment's shared variables: listed, and edited all at once as .env text.

import { useState } from "react";
import { put } from "../api/client";
import { errorsUnder, fieldErrors, unplacedErrors } from "../api/errors";
import type { Environment } from "../api/types";
import { useApp } from "../components/app-context";
import { Button, Card, Empty, FormErrors, useAction } from "../components/ui";
import { fromRecord, parseDotenv, toDotenv, toRecord } from "../lib/env";

export function SharedVariables({
  environment,
  onSaved,
}: {
  environment: Environment;
  onSaved: () => Promise<void>;
}) {
  const { notify } = useApp();
  const stored = fromRecord(environment.spec.variables ?? {});
  const [text, setText] = useState<string | null>(null);
  const parsed = text === null ? null : parseDotenv(text);
  const saving = useAction(async () => {
    if (!parsed) return;
    const spec = { ...environment.spec, variables: toRecord(parsed.vars) };
    await put<Environment>(`/environments/${environment.id}`, spec, environment.generation);
    await onSaved();
    setText(null);
    notify("Shared variables saved: deploy to apply them");
  });
  const apiErrors = errorsUnder(saving.error, "variables");
  const placed = Object.keys(fieldErrors(saving.error)).filter((key) =>
    key.startsWith("variables"),
  );
  const cancel = () => {
    setText(null);
    saving.setError(null);
  };

  return (
    <Card
      title="Shared variables"
      description={
        <>
          Services use them as <span className="mono">{"{{env.NAME}}"}</span> in their variables;
          changes apply on the next deploy.
        </>
      }
      actions={
        text === null ? (
          <Button small onClick={() => setText(toDotenv(stored))}>
            Edit as .env
          </Button>
        ) : null
      }
      footer={
        text === null ? null : (
          <>
            <Button onClick={cancel}>Cancel</Button>
            <Button
              variant="primary"
              busy={saving.busy}
              disabled={Boolean(parsed?.errors.length)}
              onClick={() => void saving.run()}
            >
              Save shared variables
            </Button>
          </>
        )
      }
    >
      <div className="card-body stack">
        <FormErrors messages={unplacedErrors(saving.error, placed)} />
        {text !== null ? (
          <div className="field">
            <label htmlFor="shared-dotenv">Shared variables as .env</label>
            <textarea
              id="shared-dotenv"
              spellCheck={false}
              rows={8}
              value={text}
              aria-invalid={Boolean(parsed?.errors.length || apiErrors.length)}
              aria-describedby="shared-dotenv-help"
              onChange={(e) => setText(e.target.value)}
            />
            <div className="hint" id="shared-dotenv-help">
              One NAME=value per line; # starts a comment.
            </div>
            {[
              ...(parsed?.errors ?? []).map((e) => `Line ${e.line}: ${e.reason}`),
              ...apiErrors,
            ].map((message) => (
              <div key={message} className="error" role="alert">
                {message}
              </div>
            ))}
          </div>
        ) : stored.length === 0 ? (
          <Empty title="No shared variables">
            Set values every service of this environment can use.
          </Empty>
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Value</th>
                </tr>
              </thead>
              <tbody>
                {stored.map((v) => (
                  <tr key={v.name}>
                    <td className="mono">{v.name}</td>
                    <td className="mono">{v.value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </Card>
  );
}
