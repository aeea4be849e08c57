// How to reach a database: host, port, user, password (shown on request), the URL, and the
// reference another service's variable uses so the secret is never copied.

import { useState } from "react";
import { get } from "../../api/client";
import { messageOf } from "../../api/errors";
import type { DatabaseConnection } from "../../api/types";
import { CopyRow } from "../../components/CopyRow";
import { Button, Card, FormErrors, LoadError, Loading, useAction } from "../../components/ui";
import { usePoll } from "../../lib/hooks";
import { useService } from "./context";

export function Connection() {
  const { service } = useService();
  const masked = usePoll(
    (s) => get<DatabaseConnection>(`/services/${service.id}/connection`, s),
    [service.id],
  );
  const [revealed, setRevealed] = useState<DatabaseConnection | null>(null);
  const reveal = useAction(async () => {
    setRevealed(await get<DatabaseConnection>(`/services/${service.id}/connection?reveal=true`));
  });
  const shown = revealed ?? masked.data;

  return (
    <Card
      title="Connection"
      description="From the services of this environment. Reference it in their variables rather than copying the password."
      actions={
        revealed ? (
          <Button small onClick={() => setRevealed(null)}>
            Hide password
          </Button>
        ) : (
          <Button small busy={reveal.busy} onClick={() => void reveal.run()}>
            Reveal password
          </Button>
        )
      }
    >
      <div className="card-body stack" data-testid="connection">
        {masked.error && !shown ? <LoadError error={masked.error} retry={masked.reload} /> : null}
        {!shown && !masked.error ? <Loading label="Loading the connection" /> : null}
        {shown ? (
          <>
            <CopyRow label="Host" value={`${shown.host}:${shown.port}`} />
            {shown.username ? <CopyRow label="User" value={shown.username} /> : null}
            {shown.database ? <CopyRow label="Database" value={shown.database} /> : null}
            <CopyRow label="Password" value={shown.password} />
            <CopyRow label="URL" value={shown.url} />
            <CopyRow label="Reference" value={shown.references.DATABASE_URL ?? ""} />
            <p className="muted" style={{ margin: 0 }}>
              A variable whose value is{" "}
              <span className="mono">{shown.references.DATABASE_URL}</span> gets the URL at deploy
              time; so do the other keys:{" "}
              <span className="mono">{Object.keys(shown.references).join(", ")}</span>.
            </p>
          </>
        ) : null}
        <FormErrors messages={reveal.error ? [messageOf(reveal.error)] : []} />
      </div>
    </Card>
  );
}
