// Your account: change your password, see your sessions and end them, manage API tokens.

import { useState } from "react";
import { del, get, post } from "../api/client";
import { fieldErrors, messageOf, unplacedErrors } from "../api/errors";
import type { CreatedToken, SessionInfo, TokenInfo } from "../api/types";
import { useApp } from "../components/app-context";
import {
  Badge,
  Button,
  Card,
  Empty,
  Field,
  FormErrors,
  LoadError,
  Skeletons,
  useAction,
} from "../components/ui";
import { dateTime, timeAgo } from "../lib/format";
import { usePoll, useTitle } from "../lib/hooks";

export function Account() {
  useTitle("Your account");
  return (
    <div className="stack">
      <h1>Your account</h1>
      <PasswordCard />
      <SessionsCard />
      <TokensCard />
    </div>
  );
}

function PasswordCard() {
  const { notify } = useApp();
  const [current, setCurrent] = useState("");
  const [fresh, setFresh] = useState("");
  const change = useAction(async () => {
    await post("/auth/password", { current_password: current, new_password: fresh });
    setCurrent("");
    setFresh("");
    notify("Password changed: your other sessions were logged out");
  });
  const errors = fieldErrors(change.error);
  return (
    <Card
      title="Password"
      description="Changing it logs out every other session."
      footer={
        <Button
          variant="primary"
          busy={change.busy}
          disabled={!current || fresh.length < 12}
          onClick={() => void change.run()}
        >
          Change password
        </Button>
      }
    >
      <div className="card-body stack">
        <FormErrors messages={unplacedErrors(change.error, ["current_password", "new_password"])} />
        <Field label="Current password" error={errors.current_password}>
          {(props) => (
            <input
              {...props}
              type="password"
              autoComplete="current-password"
              value={current}
              onChange={(e) => setCurrent(e.target.value)}
            />
          )}
        </Field>
        <Field label="New password" hint="At least 12 characters." error={errors.new_password}>
          {(props) => (
            <input
              {...props}
              type="password"
              autoComplete="new-password"
              value={fresh}
              onChange={(e) => setFresh(e.target.value)}
            />
          )}
        </Field>
      </div>
    </Card>
  );
}

function SessionsCard() {
  const { notify } = useApp();
  const sessions = usePoll((s) => get<SessionInfo[]>("/auth/sessions", s), [], 30_000);
  const end = useAction(async (id: string) => {
    await del(`/auth/sessions/${id}`);
    await sessions.reload();
    notify("Session ended");
  });
  const endOthers = useAction(async () => {
    const { ended } = await post<{ ended: number }>("/auth/sessions/end-others");
    await sessions.reload();
    notify(`${ended} other session${ended === 1 ? "" : "s"} logged out`);
  });
  return (
    <Card
      title="Sessions"
      description="Where you are logged in. End any you do not recognise."
      actions={
        <Button small busy={endOthers.busy} onClick={() => void endOthers.run()}>
          Log out everywhere else
        </Button>
      }
    >
      <div className="card-body stack">
        {sessions.error ? <LoadError error={sessions.error} retry={sessions.reload} /> : null}
        {sessions.data === undefined && !sessions.error ? <Skeletons count={2} /> : null}
        <FormErrors messages={[end.error, endOthers.error].filter(Boolean).map(messageOf)} />
        <ul className="plain-list" aria-label="Sessions">
          {(sessions.data ?? []).map((session) => (
            <li key={session.id} className="row" data-testid="session">
              <div className="grow">
                <strong>{session.client || "unknown address"}</strong>{" "}
                {session.current ? <Badge tone="ok">this session</Badge> : null}
                <div className="muted">
                  {session.user_agent || "unknown browser"} · since{" "}
                  <span title={dateTime(session.created_at)}>{timeAgo(session.created_at)}</span> ·
                  last used{" "}
                  <span title={dateTime(session.last_seen_at)}>
                    {timeAgo(session.last_seen_at)}
                  </span>
                </div>
              </div>
              {session.current ? null : (
                <Button small onClick={() => void end.run(session.id)}>
                  End
                </Button>
              )}
            </li>
          ))}
        </ul>
      </div>
    </Card>
  );
}

function TokensCard() {
  const tokens = usePoll((s) => get<TokenInfo[]>("/auth/tokens", s), [], 60_000);
  const [name, setName] = useState("");
  const [days, setDays] = useState("90");
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const create = useAction(async () => {
    const expires = days ? Number(days) : null;
    setCreated(await post<CreatedToken>("/auth/tokens", { name, expires_in_days: expires }));
    setName("");
    await tokens.reload();
  });
  const revoke = useAction(async (id: string) => {
    await del(`/auth/tokens/${id}`);
    await tokens.reload();
  });
  const errors = fieldErrors(create.error);
  return (
    <Card title="API tokens" description="For the CLI and scripts: Authorization: Bearer <token>.">
      <div className="card-body stack">
        {created ? (
          <div className="banner" role="status">
            Token <strong>{created.name}</strong> (shown only now):{" "}
            <code data-testid="new-token">{created.token}</code>
          </div>
        ) : null}
        <div className="row" style={{ gap: 8, alignItems: "end" }}>
          <Field label="Token name" error={errors.name}>
            {(props) => <input {...props} value={name} onChange={(e) => setName(e.target.value)} />}
          </Field>
          <Field label="Expires after (days)" hint="Empty: never." error={errors.expires_in_days}>
            {(props) => (
              <input
                {...props}
                inputMode="numeric"
                value={days}
                onChange={(e) => setDays(e.target.value.replace(/\D/g, ""))}
              />
            )}
          </Field>
          <Button busy={create.busy} disabled={!name} onClick={() => void create.run()}>
            Create token
          </Button>
        </div>
        <FormErrors
          messages={[
            ...unplacedErrors(create.error, ["name", "expires_in_days"]),
            ...(revoke.error ? [messageOf(revoke.error)] : []),
          ]}
        />
        {tokens.error ? <LoadError error={tokens.error} retry={tokens.reload} /> : null}
        {tokens.data?.length === 0 ? <Empty title="No API tokens yet" /> : null}
        <ul className="plain-list" aria-label="API tokens">
          {(tokens.data ?? []).map((token) => (
            <li key={token.id} className="row" data-testid="token">
              <div className="grow">
                <strong>{token.name}</strong> <span className="mono">{token.prefix}…</span>
                <div className="muted">
                  {token.last_used_at ? `used ${timeAgo(token.last_used_at)}` : "never used"} ·{" "}
                  {token.expires_at ? `expires ${dateTime(token.expires_at)}` : "never expires"}
                </div>
              </div>
              <Button small onClick={() => void revoke.run(token.id)}>
                Revoke
              </Button>
            </li>
          ))}
        </ul>
      </div>
    </Card>
  );
}
