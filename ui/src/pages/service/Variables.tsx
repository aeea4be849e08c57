// Environment variables: a table to edit one by one, or all at once as .env text.

import { useState } from "react";
import { fieldErrors, unplacedErrors } from "../../api/errors";
import { type EnvVar, MASK } from "../../api/types";
import { useApp } from "../../components/app-context";
import { Button, Card, Empty, FormErrors, useAction } from "../../components/ui";
import { mergeEdited, parseDotenv, toDotenv } from "../../lib/env";
import { useService } from "./context";

export function Variables() {
  const { service, save, environment } = useService();
  const { notify } = useApp();
  const stored = service.spec.env ?? [];
  // The table's rows once edited here; until then (and after a save or cancel) what is stored.
  const [edits, setEdits] = useState<EnvVar[] | null>(null);
  const rows = edits ?? stored;
  const [mode, setMode] = useState<"table" | "text">("table");
  const [text, setText] = useState("");
  const [dirty, setDirty] = useState(false);

  const parsed = mode === "text" ? parseDotenv(text) : null;
  const saving = useAction(async () => {
    const env = parsed ? mergeEdited(parsed.vars, stored) : rows;
    await save({ env });
    setDirty(false);
    setEdits(null);
    setMode("table");
    notify("Variables saved: deploy to apply them");
  });
  const errors = fieldErrors(saving.error);
  const edit = (index: number, patch: Partial<EnvVar>) => {
    setDirty(true);
    setEdits(rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  };
  const shared = Object.keys(environment?.spec.variables ?? {});

  return (
    <Card
      title="Environment variables"
      description="Secret values are sealed at rest and never shown again. Changes apply on the next deploy."
      actions={
        <div className="segmented" role="group" aria-label="Editor">
          <button type="button" aria-pressed={mode === "table"} onClick={() => setMode("table")}>
            Table
          </button>
          <button
            type="button"
            aria-pressed={mode === "text"}
            onClick={() => {
              setText(toDotenv(rows));
              setMode("text");
            }}
          >
            .env
          </button>
        </div>
      }
      footer={
        <>
          {dirty || mode === "text" ? (
            <Button
              onClick={() => {
                setDirty(false);
                setMode("table");
                setEdits(null);
                saving.setError(null);
              }}
            >
              Cancel
            </Button>
          ) : null}
          <Button
            variant="primary"
            busy={saving.busy}
            disabled={(!dirty && mode === "table") || Boolean(parsed?.errors.length)}
            onClick={() => void saving.run()}
          >
            Save variables
          </Button>
        </>
      }
    >
      <div className="card-body stack">
        <FormErrors
          messages={unplacedErrors(
            saving.error,
            rows.flatMap((_, i) => [`env.${i}.name`, `env.${i}.value`]),
          )}
        />
        {mode === "text" ? (
          <TextEditor
            text={text}
            onChange={(value) => {
              setText(value);
              setDirty(true);
            }}
            errors={parsed?.errors ?? []}
          />
        ) : rows.length === 0 ? (
          <Empty title="No variables">Add one, or paste a whole .env file.</Empty>
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Value</th>
                  <th>Secret</th>
                  <th>
                    <span className="sr-only">Remove</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row, index) => (
                  <VariableRow
                    key={index}
                    row={row}
                    index={index}
                    errors={errors}
                    onChange={(patch) => edit(index, patch)}
                    onRemove={() => {
                      setDirty(true);
                      setEdits(rows.filter((_, i) => i !== index));
                    }}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
        {mode === "table" ? (
          <div>
            <Button
              small
              onClick={() => {
                setDirty(true);
                setEdits([...rows, { name: "", value: "", secret: false }]);
              }}
            >
              + Add variable
            </Button>
          </div>
        ) : null}
        {shared.length ? (
          <p className="muted" style={{ margin: 0 }}>
            Also set by the environment: <span className="mono">{shared.join(", ")}</span>
          </p>
        ) : null}
      </div>
    </Card>
  );
}

function VariableRow({
  row,
  index,
  errors,
  onChange,
  onRemove,
}: {
  row: EnvVar;
  index: number;
  errors: Record<string, string>;
  onChange: (patch: Partial<EnvVar>) => void;
  onRemove: () => void;
}) {
  const nameError = errors[`env.${index}.name`] ?? errors[`env.${index}`];
  const valueError = errors[`env.${index}.value`];
  return (
    <tr>
      <td>
        <input
          type="text"
          className="mono"
          aria-label={`Name of variable ${index + 1}`}
          aria-invalid={Boolean(nameError)}
          value={row.name}
          placeholder="NAME"
          onChange={(e) => onChange({ name: e.target.value })}
        />
        {nameError ? (
          <div className="error" role="alert">
            {nameError}
          </div>
        ) : null}
      </td>
      <td>
        <input
          type={row.secret ? "password" : "text"}
          className="mono"
          aria-label={`Value of ${row.name || `variable ${index + 1}`}`}
          aria-invalid={Boolean(valueError)}
          value={row.value}
          placeholder={row.secret && row.value === MASK ? "unchanged" : "value"}
          onFocus={(e) => row.secret && row.value === MASK && e.currentTarget.select()}
          onChange={(e) => onChange({ value: e.target.value })}
        />
        {valueError ? (
          <div className="error" role="alert">
            {valueError}
          </div>
        ) : null}
      </td>
      <td>
        <input
          type="checkbox"
          aria-label={`${row.name || "Variable"} is secret`}
          checked={Boolean(row.secret)}
          onChange={(e) => onChange({ secret: e.target.checked })}
        />
      </td>
      <td>
        <Button
          small
          variant="ghost"
          aria-label={`Remove ${row.name || "variable"}`}
          onClick={onRemove}
        >
          ✕
        </Button>
      </td>
    </tr>
  );
}

function TextEditor({
  text,
  onChange,
  errors,
}: {
  text: string;
  onChange: (text: string) => void;
  errors: { line: number; reason: string }[];
}) {
  return (
    <div className="field">
      <label htmlFor="dotenv">Variables as .env</label>
      <textarea
        id="dotenv"
        spellCheck={false}
        rows={14}
        value={text}
        aria-invalid={errors.length > 0}
        aria-describedby="dotenv-help"
        onChange={(e) => onChange(e.target.value)}
      />
      <div className="hint" id="dotenv-help">
        One NAME=value per line; # starts a comment. A secret keeps its stored value while it shows{" "}
        {MASK}.
      </div>
      {errors.map((error) => (
        <div key={error.line} className="error" role="alert">
          Line {error.line}: {error.reason}
        </div>
      ))}
    </div>
  );
}
