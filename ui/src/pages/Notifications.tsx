// Notification channels: where messages go (a webhook, a chat, ntfy, Telegram, email), which
// events and projects each hears, "Send a test", and each channel's delivery log.

import { type FormEvent, useState } from "react";
import { del, get, post, put } from "../api/client";
import { fieldErrors, messageOf, unplacedErrors } from "../api/errors";
import type { Channel, ChannelSpec, EventType, Notification, Page, Project } from "../api/types";
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
import {
  type ChannelType,
  DEFAULT_EVENTS,
  deliveryNote,
  describeChannel,
  EVENT_LABELS,
  newSecret,
  shownDelivery,
  SUBSCRIBABLE,
  TARGET_FIELDS,
  targetOf,
  TYPE_LABELS,
  valuesOf,
} from "../lib/notifications";

export function Notifications() {
  useTitle("Notifications");
  const channels = usePoll((s) => get<Page<Channel>>("/channels?limit=100", s), [], 10_000);
  const projects = usePoll((s) => get<Page<Project>>("/projects?limit=200", s), [], 60_000);
  const [editing, setEditing] = useState<Channel | "new" | null>(null);
  const names = Object.fromEntries(
    (projects.data?.items ?? []).map((p) => [p.id, p.spec.name || p.spec.slug]),
  );
  const items = (channels.data?.items ?? []).filter((c) => !c.deleted_at);
  const done = () => {
    setEditing(null);
    void channels.reload();
  };
  return (
    <div className="stack">
      <div className="row" style={{ alignItems: "center" }}>
        <h1 className="grow">Notifications</h1>
        {editing === null ? (
          <Button variant="primary" onClick={() => setEditing("new")}>
            New channel
          </Button>
        ) : null}
      </div>
      {editing !== null ? (
        <ChannelForm
          key={editing === "new" ? "new" : editing.id}
          channel={editing === "new" ? undefined : editing}
          projects={projects.data?.items ?? []}
          onDone={done}
          onCancel={() => setEditing(null)}
        />
      ) : null}
      {channels.error && !channels.data ? (
        <LoadError error={channels.error} retry={channels.reload} />
      ) : null}
      {channels.loading && !channels.data ? <Skeletons count={2} /> : null}
      {channels.data && items.length === 0 && editing === null ? (
        <Empty title="No channel yet">
          Add one to be told when a deployment or build fails, a service goes down, or a backup or
          scheduled job fails: a webhook, Slack, Discord, Mattermost, Teams, ntfy, Telegram or
          email.
        </Empty>
      ) : null}
      {items.map((channel) => (
        <ChannelCard
          key={channel.id}
          channel={channel}
          projectNames={names}
          onEdit={() => setEditing(channel)}
          onDeleted={() => void channels.reload()}
        />
      ))}
    </div>
  );
}

function ChannelCard({
  channel,
  projectNames,
  onEdit,
  onDeleted,
}: {
  channel: Channel;
  projectNames: Record<string, string>;
  onEdit: () => void;
  onDeleted: () => void;
}) {
  const { notify } = useApp();
  const [confirming, setConfirming] = useState(false);
  const log = usePoll(
    (s) => get<Page<Notification>>(`/channels/${channel.id}/notifications?limit=20`, s),
    [channel.id],
  );
  const test = useAction(async () => {
    await post<Notification>(`/channels/${channel.id}/test`);
    notify("Test queued: see the delivery log");
    void log.reload();
  });
  const remove = useAction(async () => {
    await del(`/channels/${channel.id}`);
    notify(`${channel.spec.name} deleted`);
    onDeleted();
  });
  return (
    <section data-testid="channel" aria-label={`Channel ${channel.spec.name}`}>
      <Card
        title={channel.spec.name}
        description={describeChannel(channel.spec, projectNames)}
        actions={
          <>
            {channel.spec.enabled ? null : <Badge tone="neutral">Off</Badge>}
            <Button small busy={test.busy} onClick={() => void test.run()}>
              Send a test
            </Button>
            <Button small onClick={onEdit}>
              Edit
            </Button>
            {confirming ? (
              <Button small variant="danger" busy={remove.busy} onClick={() => void remove.run()}>
                Delete {channel.spec.name} and its log
              </Button>
            ) : (
              <Button small variant="ghost" onClick={() => setConfirming(true)}>
                Delete…
              </Button>
            )}
          </>
        }
      >
        <FormErrors
          messages={[test.error, remove.error].filter(Boolean).map((e) => messageOf(e))}
        />
        {log.error && !log.data ? <LoadError error={log.error} retry={log.reload} /> : null}
        {log.loading && !log.data ? <Skeletons count={1} /> : null}
        {log.data && log.data.items.length === 0 ? (
          <Empty title="Nothing sent yet">Send a test to check the channel works.</Empty>
        ) : null}
        {log.data && log.data.items.length > 0 ? (
          <ul className="list" aria-label="Delivery log">
            {log.data.items.map((message) => (
              <DeliveryRow key={message.id} message={message} />
            ))}
          </ul>
        ) : null}
      </Card>
    </section>
  );
}

function DeliveryRow({ message }: { message: Notification }) {
  const shown = shownDelivery(message);
  const event = message.spec.event;
  const note = deliveryNote(message);
  return (
    <li data-testid="delivery" data-phase={message.phase ?? "PENDING"}>
      <div style={{ display: "grid", gap: 4, flex: 1 }}>
        <div className="row" style={{ gap: 8, alignItems: "center" }}>
          <Badge tone={shown.tone} live={shown.waiting}>
            {shown.label}
          </Badge>
          <strong>{event.title}</strong>
          <span style={{ flex: 1 }} />
          <span className="muted" title={dateTime(message.created_at)}>
            {EVENT_LABELS[event.type]} · {timeAgo(message.created_at)}
          </span>
        </div>
        {note ? (
          <div
            className={message.phase === "FAILED" ? "error" : "muted"}
            data-testid="delivery-note"
          >
            {note}
          </div>
        ) : null}
        {event.link ? (
          <a className="muted" href={event.link}>
            {event.link}
          </a>
        ) : null}
      </div>
    </li>
  );
}

const RENAMES: Record<string, string> = {};

/** A field's reason, or one of its items' ("target.recipients.1": the second address). */
function errorOf(errors: Record<string, string>, field: string): string | undefined {
  const item = Object.keys(errors).find((key) => key.startsWith(`${field}.`));
  return errors[field] ?? (item ? errors[item] : undefined);
}

function ChannelForm({
  channel,
  projects,
  onDone,
  onCancel,
}: {
  channel?: Channel;
  projects: Project[];
  onDone: () => void;
  onCancel: () => void;
}) {
  const { notify } = useApp();
  const spec = channel?.spec;
  const [name, setName] = useState(spec?.name ?? "");
  const [type, setType] = useState<ChannelType>(spec?.target.type ?? "webhook");
  const [values, setValues] = useState(() => valuesOf(type, spec?.target));
  const [events, setEvents] = useState<EventType[]>(spec?.events ?? DEFAULT_EVENTS);
  const [chosen, setChosen] = useState<string[]>(spec?.projects ?? []);
  const [enabled, setEnabled] = useState(spec?.enabled ?? true);
  const [generated, setGenerated] = useState<string | null>(null);
  const fields = TARGET_FIELDS[type];
  const switchType = (next: ChannelType) => {
    setType(next);
    setValues(valuesOf(next, spec?.target));
  };
  const save = useAction(async () => {
    const body: ChannelSpec = {
      name: name.trim(),
      enabled,
      events,
      projects: chosen,
      target: targetOf(type, values),
    };
    if (channel) await put<Channel>(`/channels/${channel.id}`, body, channel.generation);
    else await post<Channel>("/channels", body);
    notify(channel ? "Channel saved" : "Channel added: send a test to check it");
    onDone();
  });
  const errors = fieldErrors(save.error, RENAMES);
  const shownFields = Object.keys(errors).filter(
    (key) =>
      ["name", "events", "projects", "target"].includes(key) ||
      fields.some((f) => key === `target.${f.name}` || key.startsWith(`target.${f.name}.`)),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run();
  };
  const toggle = <T,>(list: T[], item: T, on: boolean): T[] =>
    on ? [...list.filter((x) => x !== item), item] : list.filter((x) => x !== item);
  return (
    <form onSubmit={submit} noValidate aria-label={channel ? "Edit channel" : "New channel"}>
      <Card
        title={channel ? `Edit ${channel.spec.name}` : "New channel"}
        description="Secrets (webhook URLs of chat services, tokens, passwords) are stored sealed and shown masked; leave a masked one as it is to keep it."
        footer={
          <>
            <Button onClick={onCancel}>Cancel</Button>
            <Button type="submit" variant="primary" busy={save.busy}>
              {channel ? "Save" : "Add channel"}
            </Button>
          </>
        }
      >
        <div className="card-body form-grid">
          <FormErrors messages={unplacedErrors(save.error, shownFields, RENAMES)} />
          <Field label="Name" error={errors.name}>
            {(p) => (
              <input {...p} type="text" value={name} onChange={(e) => setName(e.target.value)} />
            )}
          </Field>
          <Field label="Kind" error={errors["target"]}>
            {(p) => (
              <select
                {...p}
                value={type}
                onChange={(e) => switchType(e.target.value as ChannelType)}
              >
                {(Object.keys(TYPE_LABELS) as ChannelType[]).map((t) => (
                  <option key={t} value={t}>
                    {TYPE_LABELS[t]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {fields.map((field) => (
            <Field
              key={`${type}-${field.name}`}
              label={field.optional ? `${field.label} (optional)` : field.label}
              error={errorOf(errors, `target.${field.name}`)}
              hint={field.hint}
            >
              {(p) =>
                field.choices ? (
                  <select
                    {...p}
                    value={values[field.name]}
                    onChange={(e) => setValues({ ...values, [field.name]: e.target.value })}
                  >
                    {field.choices.map((choice) => (
                      <option key={choice}>{choice}</option>
                    ))}
                  </select>
                ) : (
                  <div className="row" style={{ gap: 6 }}>
                    <input
                      {...p}
                      className={field.secret ? "mono grow" : "grow"}
                      type={field.secret ? "password" : "text"}
                      autoComplete="off"
                      placeholder={field.placeholder}
                      value={values[field.name] ?? ""}
                      onChange={(e) => setValues({ ...values, [field.name]: e.target.value })}
                    />
                    {type === "webhook" && field.name === "secret" ? (
                      <Button
                        small
                        onClick={() => {
                          const secret = newSecret();
                          setGenerated(secret);
                          setValues({ ...values, secret });
                        }}
                        title="Fills in a random secret: copy it to the receiver"
                      >
                        Generate
                      </Button>
                    ) : null}
                  </div>
                )
              }
            </Field>
          ))}
          {type === "webhook" && generated !== null && values.secret === generated ? (
            <div className="hint mono" data-testid="secret-shown">
              Give the receiver this secret (it is not shown again): {generated}
            </div>
          ) : null}
          <fieldset className="field">
            <legend>Events</legend>
            {SUBSCRIBABLE.map((event) => (
              <label key={event} className="row" style={{ gap: 6 }}>
                <input
                  type="checkbox"
                  checked={events.includes(event)}
                  onChange={(e) => setEvents(toggle(events, event, e.target.checked))}
                />
                {EVENT_LABELS[event]}
              </label>
            ))}
            {errors.events ? (
              <div className="error" role="alert">
                {errors.events}
              </div>
            ) : null}
          </fieldset>
          <fieldset className="field">
            <legend>Projects</legend>
            <div className="hint">None ticked: every project, including new ones.</div>
            {errors.projects ? (
              <div className="error" role="alert">
                {errors.projects}
              </div>
            ) : null}
            {projects.map((project) => (
              <label key={project.id} className="row" style={{ gap: 6 }}>
                <input
                  type="checkbox"
                  checked={chosen.includes(project.id)}
                  onChange={(e) => setChosen(toggle(chosen, project.id, e.target.checked))}
                />
                {project.spec.name || project.spec.slug}
              </label>
            ))}
          </fieldset>
          <label className="row" style={{ gap: 6 }}>
            <input
              type="checkbox"
              checked={enabled}
              onChange={(e) => setEnabled(e.target.checked)}
            />
            On (off: nothing is sent, tests excepted)
          </label>
        </div>
      </Card>
    </form>
  );
}
