import { type FormEvent, useState } from "react";
import { Navigate, useNavigate, useSearchParams } from "react-router";
import { post } from "../api/client";
import { fieldErrors, messageOf } from "../api/errors";
import type { Me } from "../api/types";
import { Logo } from "../components/Logo";
import { Button, Field, FormErrors } from "../components/ui";
import { useTitle } from "../lib/hooks";

function safeNext(next: string | null): string {
  // Only paths of this site: never an open redirect to another origin.
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function Login({
  me,
  onLoggedIn,
}: {
  me: Me | null | undefined;
  onLoggedIn: (me: Me) => void;
}) {
  useTitle("Log in");
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (me) return <Navigate to={safeNext(params.get("next"))} replace />;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await post<Me>("/auth/login", { username, password });
      onLoggedIn(answer);
      navigate(safeNext(params.get("next")), { replace: true });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const errors = fieldErrors(error);
  const general = error && !errors.username && !errors.password ? [messageOf(error)] : [];

  return (
    <div className="login">
      <form className="card" onSubmit={submit} noValidate>
        <div className="card-body">
          <div className="brand">
            <Logo /> ZaneOps
          </div>
          <p>Log in to your dashboard</p>
          <FormErrors messages={general} />
          <Field label="User name" error={errors.username}>
            {(props) => (
              <input
                {...props}
                type="text"
                name="username"
                autoComplete="username"
                autoFocus
                value={username}
                onChange={(e) => setUsername(e.target.value)}
              />
            )}
          </Field>
          <Field label="Password" error={errors.password}>
            {(props) => (
              <input
                {...props}
                type="password"
                name="password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            )}
          </Field>
          <Button type="submit" variant="primary" busy={busy}>
            Log in
          </Button>
        </div>
      </form>
    </div>
  );
}
