// Git servers' SSH host keys, pinned the first time a build reached each: review and forget.

import { useState } from "react";
import { del, get } from "../api/client";
import { messageOf } from "../api/errors";
import type { PinnedHostKey, PinnedHostKeys } from "../api/types";
import { useApp } from "../components/app-context";
import { Button, Card, Empty, FormErrors, LoadError, Skeletons, useAction } from "../components/ui";
import { dateTime, timeAgo } from "../lib/format";
import { usePoll, useTitle } from "../lib/hooks";

/** One entry per server: a server presents several keys (ed25519, ecdsa, rsa). */
export function byHost(keys: PinnedHostKey[]): [string, PinnedHostKey[]][] {
  const hosts = new Map<string, PinnedHostKey[]>();
  for (const key of keys) hosts.set(key.host, [...(hosts.get(key.host) ?? []), key]);
  return [...hosts.entries()];
}

export function SshHosts() {
  useTitle("SSH hosts");
  const { notify } = useApp();
  const keys = usePoll((s) => get<PinnedHostKeys>("/ssh-hosts", s), [], 30_000);
  const [confirming, setConfirming] = useState<string | null>(null);
  const forget = useAction(async (host: string) => {
    await del(`/ssh-hosts/${encodeURIComponent(host)}`);
    setConfirming(null);
    await keys.reload();
    notify(`${host} forgotten: the next build pins the key it presents then`);
  });
  const hosts = byHost(keys.data?.items ?? []);
  return (
    <div className="stack">
      <h1>SSH hosts</h1>
      <Card
        title="Pinned host keys"
        description="The first build that reaches a Git server over SSH pins the keys it presents; every later build refuses any other key, so nobody can stand in for the server. Forget a server only if you know its key changed."
      >
        <div className="card-body stack">
          {keys.error ? <LoadError error={keys.error} retry={keys.reload} /> : null}
          {keys.data === undefined && !keys.error ? <Skeletons count={2} /> : null}
          {keys.data && hosts.length === 0 ? (
            <Empty title="No SSH host used yet">
              A service built from an ssh:// or git@ repository pins its server here.
            </Empty>
          ) : null}
          <FormErrors messages={forget.error ? [messageOf(forget.error)] : []} />
          <ul className="plain-list" aria-label="SSH hosts">
            {hosts.map(([host, pinned]) => (
              <li key={host} className="row" data-testid="ssh-host">
                <div className="grow">
                  <strong className="mono">{host}</strong>
                  {pinned.map((key) => (
                    <div key={key.key_type} className="mono muted" data-testid="fingerprint">
                      {key.key_type} {key.fingerprint}
                    </div>
                  ))}
                  <div className="muted">
                    first seen{" "}
                    <span title={dateTime(pinned[0]!.first_seen_at)}>
                      {timeAgo(pinned[0]!.first_seen_at)}
                    </span>{" "}
                    for {pinned[0]!.first_seen_for || "a build"}
                  </div>
                </div>
                {confirming === host ? (
                  <>
                    <Button small variant="ghost" onClick={() => setConfirming(null)}>
                      Keep
                    </Button>
                    <Button
                      small
                      variant="danger"
                      busy={forget.busy}
                      onClick={() => void forget.run(host)}
                    >
                      Forget {host}
                    </Button>
                  </>
                ) : (
                  <Button small onClick={() => setConfirming(host)}>
                    Forget…
                  </Button>
                )}
              </li>
            ))}
          </ul>
        </div>
      </Card>
    </div>
  );
}
