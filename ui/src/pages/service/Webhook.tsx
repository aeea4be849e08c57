// The service's auto-deploy webhook: the URL and secret to paste into GitHub, GitLab or
// Gitea, a copy button for each, rotation, and what the last push did.

import { useState } from "react";
import { ApiError, get, post, put } from "../../api/client";
import { messageOf } from "../../api/errors";
import type { WebhookDelivery, WebhookInfo } from "../../api/types";
import { useApp } from "../../components/app-context";
import { CopyRow } from "../../components/CopyRow";
import { Button, Card, FormErrors, Loading, useAction } from "../../components/ui";
import { dateTime, shortId, timeAgo } from "../../lib/format";
import { webhookUrl } from "../../lib/gitsource";
import { usePoll } from "../../lib/hooks";
import { useService } from "./context";

const POLL_MS = 10_000;
const TOKEN_ONLY_WARNING =
  "Accept calls without a signature? Anyone who learns the URL can then trigger a build of the branch head.";

async function loadWebhook(serviceId: string, signal: AbortSignal): Promise<WebhookInfo | null> {
  try {
    return await get<WebhookInfo>(`/services/${serviceId}/webhook`, signal);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null; // none created yet
    throw error;
  }
}

export function WebhookPanel() {
  const { service } = useService();
  const loaded = usePoll((s) => loadWebhook(service.id, s), [service.id], POLL_MS);
  const create = useAction(async () => {
    await post(`/services/${service.id}/webhook`);
    await loaded.reload();
  });
  const description =
    "A signed push to the branch builds and deploys the pushed commit; unsigned calls are refused unless the webhook is token-only.";
  if (loaded.data === undefined) {
    return (
      <Card title="Webhook" description={description}>
        {loaded.error ? <FormErrors messages={[messageOf(loaded.error)]} /> : <Loading />}
      </Card>
    );
  }
  if (loaded.data === null) {
    return (
      <Card
        title="Webhook"
        description={description}
        actions={
          <Button variant="primary" busy={create.busy} onClick={() => void create.run()}>
            Create webhook
          </Button>
        }
      >
        <div className="card-body">
          <p className="muted" style={{ margin: 0 }}>
            No webhook yet: pushes do not deploy this service.
          </p>
          <FormErrors messages={create.error ? [messageOf(create.error)] : []} />
        </div>
      </Card>
    );
  }
  return <WebhookDetails webhook={loaded.data} reload={loaded.reload} description={description} />;
}

function WebhookDetails({
  webhook,
  reload,
  description,
}: {
  webhook: WebhookInfo;
  reload: () => Promise<void>;
  description: string;
}) {
  const { notify } = useApp();
  const [showSecret, setShowSecret] = useState(false);
  const rotate = useAction(async () => {
    if (!window.confirm("Rotate the webhook? The current URL and secret stop working at once."))
      return;
    await post(`/services/${webhook.service_id}/webhook/rotate`);
    await reload();
    notify("Webhook rotated: paste the new URL and secret into your Git host");
  });
  const tokenOnly = useAction(async () => {
    const next = !webhook.token_only;
    if (next && !window.confirm(TOKEN_ONLY_WARNING)) return;
    await put(`/services/${webhook.service_id}/webhook`, { token_only: next });
    await reload();
    notify(next ? "Unsigned calls are accepted (branch head only)" : "Every call must be signed");
  });
  const url = webhookUrl(window.location.origin, webhook.path);
  return (
    <Card
      title="Webhook"
      description={description}
      actions={
        <Button busy={rotate.busy} onClick={() => void rotate.run()}>
          Rotate
        </Button>
      }
    >
      <div className="card-body stack">
        <CopyRow label="Payload URL" value={url} />
        <CopyRow
          label="Secret"
          value={webhook.secret}
          hidden={!showSecret}
          onReveal={() => setShowSecret(!showSecret)}
        />
        <p className="muted" style={{ margin: 0 }}>
          GitHub and Gitea: Settings → Webhooks, content type{" "}
          <span className="mono">application/json</span>, the push event, this secret. GitLab:
          Settings → Webhooks, Secret token, Push events.
        </p>
        <label className="row" style={{ gap: 8, alignItems: "center" }}>
          <input
            type="checkbox"
            checked={webhook.token_only}
            disabled={tokenOnly.busy}
            onChange={() => void tokenOnly.run()}
          />
          <span>
            Token only: accept unsigned calls (for a host or script that cannot sign). They build
            the branch head, never a commit their body names.
          </span>
        </label>
        <LastDelivery at={webhook.last_delivery_at} delivery={webhook.last_delivery} />
        <FormErrors
          messages={[rotate.error, tokenOnly.error].filter(Boolean).map((e) => messageOf(e))}
        />
      </div>
    </Card>
  );
}

function LastDelivery({ at, delivery }: { at: string | null; delivery: WebhookDelivery | null }) {
  if (!at || !delivery)
    return (
      <p className="muted" style={{ margin: 0 }}>
        No push received yet.
      </p>
    );
  const what =
    delivery.result === "deployed"
      ? `deployed ${delivery.commit ? delivery.commit.slice(0, 7) : "the branch head"} as ${shortId(delivery.deployment_id ?? "")}`
      : `${delivery.result}: ${delivery.reason ?? ""}`;
  return (
    <p
      style={{ margin: 0 }}
      className={delivery.result === "refused" ? "error" : undefined}
      data-testid="webhook-last-delivery"
    >
      Last push <span title={dateTime(at)}>{timeAgo(at)}</span> from {delivery.host}: {what}
    </p>
  );
}
