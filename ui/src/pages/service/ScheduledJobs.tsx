// Scheduled jobs: commands run on a cron schedule in the live image and variables. Each run
// shows up among the commands below, marked with its job's name.

import { type FormEvent, useState } from "react";
import { fieldErrors, unplacedErrors } from "../../api/errors";
import type { CronJob } from "../../api/types";
import { useApp } from "../../components/app-context";
import { Button, Card, CodeInput, Empty, Field, FormErrors, useAction } from "../../components/ui";
import { joinCommand, splitCommand } from "../../lib/command";
import { useService } from "./context";

type Concurrency = CronJob["concurrency"];

const CONCURRENCY: Record<Concurrency, string> = {
  forbid: "skip the new run",
  replace: "stop the old run",
  allow: "run both",
};

export function ScheduledJobs() {
  const { service, save } = useService();
  const { notify } = useApp();
  const jobs = service.spec.cron_jobs ?? [];
  const [name, setName] = useState("");
  const [schedule, setSchedule] = useState("");
  const [command, setCommand] = useState("");
  const [concurrency, setConcurrency] = useState<Concurrency>("forbid");
  const index = jobs.length;
  const adding = useAction(async () => {
    const job: CronJob = {
      missed: "run_once",
      timeout_seconds: 3600,
      name: name.trim(),
      schedule: schedule.trim(),
      command: splitCommand(command) ?? [],
      concurrency,
    };
    await save({ cron_jobs: [...jobs, job] });
    setName("");
    setSchedule("");
    setCommand("");
    notify(`Scheduled ${job.name}`);
  });
  const removing = useAction(async (gone: string) => {
    await save({ cron_jobs: jobs.filter((job) => job.name !== gone) });
    notify(`Removed ${gone}`);
  });
  const renames = {
    [`cron_jobs.${index}.name`]: "name",
    [`cron_jobs.${index}.schedule`]: "schedule",
    [`cron_jobs.${index}.command`]: "command",
    cron_jobs: "cron_jobs",
  };
  const errors = fieldErrors(adding.error, renames);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void adding.run();
  };
  return (
    <form onSubmit={submit} noValidate>
      <Card
        title="Scheduled jobs"
        description="Cron in UTC; a 6th field is seconds. Each run uses the live deployment's image and variables."
        footer={
          <Button type="submit" variant="primary" busy={adding.busy}>
            Add scheduled job
          </Button>
        }
      >
        {jobs.length === 0 ? (
          <Empty title="No scheduled job">
            Add one below: a report every night, a cleanup every hour.
          </Empty>
        ) : (
          <ul className="list" aria-label="Scheduled jobs">
            {jobs.map((job) => (
              <li key={job.name} data-testid="cron-job">
                <strong className="mono">{job.name}</strong>
                <span className="mono">{job.schedule}</span>
                <span className="mono grow">{joinCommand(job.command)}</span>
                <span className="muted">
                  if still running: {CONCURRENCY[job.concurrency ?? "forbid"]}
                </span>
                <Button small variant="ghost" onClick={() => void removing.run(job.name)}>
                  Remove
                </Button>
              </li>
            ))}
          </ul>
        )}
        <div className="card-body form-grid">
          <FormErrors
            messages={[
              ...unplacedErrors(
                adding.error,
                ["name", "schedule", "command", "cron_jobs"],
                renames,
              ),
              ...(errors.cron_jobs ? [errors.cron_jobs] : []),
              ...(removing.error ? unplacedErrors(removing.error, [], {}) : []),
            ]}
          />
          <CodeInput
            label="Job name"
            error={errors.name}
            placeholder="nightly-report"
            value={name}
            onChange={setName}
          />
          <CodeInput
            label="Schedule"
            error={errors.schedule}
            hint="0 3 * * *: 03:00 UTC daily · */10 * * * *: every 10 minutes"
            placeholder="0 3 * * *"
            value={schedule}
            onChange={setSchedule}
          />
          <CodeInput
            className="wide"
            label="Job command"
            error={errors.command}
            placeholder="python manage.py report"
            value={command}
            onChange={setCommand}
          />
          <Field label="If the last run still runs">
            {(p) => (
              <select
                {...p}
                value={concurrency}
                onChange={(e) => setConcurrency(e.target.value as Concurrency)}
              >
                {(Object.keys(CONCURRENCY) as Concurrency[]).map((value) => (
                  <option key={value} value={value}>
                    {CONCURRENCY[value]}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
      </Card>
    </form>
  );
}
