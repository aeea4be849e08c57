import { type FormEvent, type ReactNode, useState } from "react";
import { unplacedErrors } from "../../api/errors";
import { Button, Dialog, Field, FormErrors, useAction } from "../../components/ui";

/** Deleting asks for the slug typed out, so a slip of the mouse deletes nothing. */
export function ConfirmDelete({
  title,
  slug,
  children,
  extra,
  onClose,
  onConfirm,
}: {
  title: string;
  slug: string;
  children: ReactNode;
  extra?: ReactNode;
  onClose: () => void;
  onConfirm: () => Promise<void>;
}) {
  const [typed, setTyped] = useState("");
  const remove = useAction(onConfirm);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (typed === slug) void remove.run();
  };
  return (
    <Dialog title={title} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <div className="card-body">
          <p style={{ margin: 0 }}>{children}</p>
          {extra}
          <FormErrors messages={unplacedErrors(remove.error, [])} />
          <Field label={`Type ${slug} to confirm`}>
            {(props) => (
              <input
                {...props}
                type="text"
                className="mono"
                autoComplete="off"
                value={typed}
                onChange={(e) => setTyped(e.target.value)}
              />
            )}
          </Field>
        </div>
        <div className="card-foot">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="danger" disabled={typed !== slug} busy={remove.busy}>
            Delete
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
