// Notification channels as a form edits them (one set of text fields per kind of channel) and
// their messages as a person reads them: what happened, whether it arrived, and why not.

import type { ChannelSpec, ChannelTarget, EventType, Notification } from "../api/types";
import type { Tone } from "../components/ui";

export type ChannelType = ChannelTarget["type"];

export const MASK = "••••••••";

export interface TargetField {
  name: string;
  label: string;
  secret?: boolean;
  optional?: boolean;
  hint?: string;
  placeholder?: string;
  initial?: string;
  choices?: string[];
}

const CHAT_URL: TargetField = {
  name: "url",
  label: "Incoming webhook URL",
  secret: true,
  hint: "It holds the credential: stored sealed, never shown again.",
};

export const TARGET_FIELDS: Record<ChannelType, TargetField[]> = {
  webhook: [
    { name: "url", label: "URL", placeholder: "https://example.com/zaneops-events" },
    {
      name: "secret",
      label: "Signing secret",
      secret: true,
      hint: "At least 16 characters. Each POST carries X-Zane-Signature: sha256=HMAC(secret, timestamp + '.' + body).",
    },
  ],
  slack: [CHAT_URL],
  discord: [CHAT_URL],
  mattermost: [CHAT_URL],
  teams: [CHAT_URL],
  ntfy: [
    { name: "server_url", label: "Server", initial: "https://ntfy.sh" },
    { name: "topic", label: "Topic", placeholder: "my-servers" },
    { name: "token", label: "Access token", secret: true, optional: true },
  ],
  telegram: [
    { name: "bot_token", label: "Bot token", secret: true },
    { name: "chat_id", label: "Chat", placeholder: "-1001234567890 or @channel" },
    { name: "api_url", label: "Bot API server", initial: "https://api.telegram.org" },
  ],
  email: [
    { name: "host", label: "SMTP server", placeholder: "smtp.example.com" },
    { name: "port", label: "Port", initial: "587" },
    {
      name: "security",
      label: "Security",
      initial: "starttls",
      choices: ["starttls", "tls", "none"],
    },
    { name: "username", label: "User name", optional: true },
    { name: "password", label: "Password", secret: true, optional: true },
    { name: "sender", label: "From", placeholder: "zaneops@example.com" },
    {
      name: "recipients",
      label: "To",
      placeholder: "ops@example.com, dev@example.com",
      hint: "Up to 20 addresses, separated by commas.",
    },
  ],
};

export const TYPE_LABELS: Record<ChannelType, string> = {
  webhook: "Webhook (signed JSON)",
  slack: "Slack",
  discord: "Discord",
  mattermost: "Mattermost",
  teams: "Microsoft Teams",
  ntfy: "ntfy",
  telegram: "Telegram",
  email: "Email (SMTP)",
};

export const EVENT_LABELS: Record<EventType, string> = {
  "deployment.failed": "Deployment failed",
  "build.failed": "Build failed",
  "service.unavailable": "Service down (a crash loop is one message)",
  "deployment.rolled_back": "Rolled back",
  "backup.failed": "Backup failed",
  "backup.missing": "Backups late (none verified in twice the schedule)",
  "job.failed": "Scheduled job failed",
  "metric.above": "Metric alert above its threshold",
  "metric.recovered": "Metric alert back under",
  "certificate.failed": "Certificate cannot be issued",
  "node.down": "Server down (and back up)",
  "node.disk_full": "Server disk above 90 % (and back under)",
  "deployment.succeeded": "Deployment succeeded",
  test: "Test",
};

export const SUBSCRIBABLE = Object.keys(EVENT_LABELS).filter((e) => e !== "test") as EventType[];
export const DEFAULT_EVENTS = SUBSCRIBABLE.filter((e) => e !== "deployment.succeeded");

/** The form's text values for a target: stored ones (secrets come masked), else defaults. */
export function valuesOf(type: ChannelType, target?: ChannelTarget): Record<string, string> {
  const stored = (target?.type === type ? target : {}) as Record<string, unknown>;
  const values: Record<string, string> = {};
  for (const field of TARGET_FIELDS[type]) {
    const value = stored[field.name];
    if (Array.isArray(value)) values[field.name] = value.join(", ");
    else if (value === null || value === undefined) values[field.name] = field.initial ?? "";
    else values[field.name] = String(value);
  }
  return values;
}

/** The target the API takes, from the form's text values: blanks left out, numbers as numbers. */
export function targetOf(type: ChannelType, values: Record<string, string>): ChannelTarget {
  const target: Record<string, unknown> = { type };
  for (const field of TARGET_FIELDS[type]) {
    const raw = values[field.name] ?? "";
    const value = field.secret ? raw : raw.trim(); // a secret is taken as typed
    if (value === "") {
      if (!field.optional) target[field.name] = value; // the API says it is missing, by field
      continue;
    }
    if (field.name === "port") target.port = /^\d+$/.test(value) ? Number(value) : value;
    else if (field.name === "recipients")
      target.recipients = value.split(/[\s,;]+/).filter((address) => address !== "");
    else target[field.name] = value;
  }
  return target as unknown as ChannelTarget;
}

/** A random signing secret, made in the browser (the API never invents a secret to show). */
export function newSecret(bytes = 24): string {
  const raw = new Uint8Array(bytes);
  crypto.getRandomValues(raw);
  return Array.from(raw, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function describeChannel(spec: ChannelSpec, projectNames: Record<string, string>): string {
  const events =
    spec.events.length === SUBSCRIBABLE.length
      ? "every event"
      : `${spec.events.length} kinds of event`;
  const projects = spec.projects?.length
    ? spec.projects.map((id) => projectNames[id] ?? id.slice(0, 8)).join(", ")
    : "every project";
  return `${TYPE_LABELS[spec.target.type]} · ${events} · ${projects}`;
}

interface Shown {
  label: string;
  tone: Tone;
  waiting: boolean;
}

/** Where a message stands: sent, refused for good, or waiting to be (re)tried. */
export function shownDelivery(message: Notification): Shown {
  const details = message.status.details as Record<string, unknown>;
  if (message.phase === "DELIVERED") return { label: "Delivered", tone: "ok", waiting: false };
  if (message.phase === "FAILED") return { label: "Failed", tone: "bad", waiting: false };
  if (message.phase === "GROUPED") return { label: "Counted", tone: "neutral", waiting: false };
  const attempts = Number(details.attempts ?? 0);
  return attempts > 0
    ? { label: `Retrying (${attempts} tried)`, tone: "warn", waiting: true }
    : { label: "Sending", tone: "info", waiting: true };
}

/** What the receiver said, or why it was not sent; and how many more times it happened. */
export function deliveryNote(message: Notification): string {
  const details = message.status.details as Record<string, unknown>;
  const said = (message.status.conditions ?? []).find((c) => c.type === "Delivered");
  const parts: string[] = [];
  if (message.phase === "GROUPED")
    return "the same again soon after an earlier message: counted there, not sent";
  if (message.phase === "DELIVERED" && typeof details.latency_ms === "number")
    parts.push(`arrived ${(details.latency_ms / 1000).toFixed(1)} s after the event`);
  if (message.phase !== "DELIVERED" && said?.message) parts.push(said.message);
  return parts.join(" · ");
}
