"""What happened, read from a row's status as its controller wrote it: a deployment that failed,
became healthy or rolled back, a build that failed, a service that stopped running, a backup
or a scheduled job that failed, a domain whose certificate cannot be issued. Pure: the same
row gives the same event, so an event seen twice (a restart looking back, a status written
again) has the same key and is sent once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from zaneops.specs import Condition, ConditionStatus
from zaneops.specs.kinds import Kind
from zaneops.specs.notifications import MAX_TEXT, MAX_TITLE, Event, EventType
from zaneops.specs.objects import StoredObject

LAST_LINES_MARK = "\nlast log lines:\n"


@dataclass(frozen=True)
class Place:
    """Where the row belongs, by name, for a person reading the message."""

    project_id: UUID
    project: str
    environment: str
    service_id: UUID
    service: str

    @property
    def path(self) -> str:
        return f"{self.project}/{self.environment}/{self.service}"


def event_of(row: StoredObject, place: Place, dashboard_url: str) -> Event | None:
    """The event a row's current status tells of, or None."""
    match row.kind:
        case Kind.DEPLOYMENTS:
            return _deployment_event(row, place, dashboard_url)
        case Kind.SERVICES:
            return _service_event(row, place, dashboard_url)
        case Kind.BACKUPS:
            return _backup_event(row, place, dashboard_url)
        case Kind.RUNS:
            return _job_event(row, place, dashboard_url)
        case Kind.DOMAINS:
            return _certificate_event(row, place, dashboard_url)
        case _:
            return None


def _deployment_event(row: StoredObject, place: Place, base: str) -> Event | None:
    phase = row.status.details.get("phase")
    deployed = row.status.condition("Deployed")
    short = str(row.id)[:8]
    link = _link(base, place, "deployments")
    if phase == "FAILED":
        built = row.spec.get("image") is not None
        is_git = (row.spec.get("service_spec") or {}).get("source", {}).get("type") == "git"
        kind = EventType.BUILD_FAILED if is_git and not built else EventType.DEPLOYMENT_FAILED
        what = "Build" if kind is EventType.BUILD_FAILED else "Deployment"
        return _event(
            kind,
            f"deployment:{row.id}:failed",
            title=f"{what} failed: {place.path}",
            text=f"Deployment {short} failed. {_why(deployed)}",
            place=place,
            row=row,
            link=link,
            when=_since(deployed),
        )
    if phase in ("HEALTHY", "SUCCEEDED"):
        if row.spec.get("trigger") == "rollback":
            kind, title = EventType.DEPLOYMENT_ROLLED_BACK, f"Rolled back: {place.path}"
            text = f"Deployment {short} rolled {place.service} back to the deployment before."
        else:
            kind, title = EventType.DEPLOYMENT_SUCCEEDED, f"Deployed: {place.path}"
            text = f"Deployment {short} is {str(phase).lower()}."
        key = f"deployment:{row.id}:live"
        when = _since(deployed)
        return _event(kind, key, title=title, text=text, place=place, row=row, link=link, when=when)
    return None


def _service_event(row: StoredObject, place: Place, base: str) -> Event | None:
    """Down while nothing is being deployed: its live deployment stopped running."""
    available = row.status.condition("Available")
    details = row.status.details
    serving = details.get("current_deployment_id")
    if available is None or available.status != ConditionStatus.FALSE or not serving:
        return None
    if details.get("target_deployment_id") != serving or not details.get("desired_replicas"):
        return None  # a deployment under way says how it goes itself
    since = available.last_transition_time.astimezone(UTC).isoformat()
    event = _event(
        EventType.SERVICE_UNAVAILABLE,
        f"service:{row.id}:unavailable:{since}",
        title=f"Down: {place.path}",
        text=f"{place.service} stopped running: {available.message or available.reason}",
        place=place,
        row=row,
        link=_link(base, place, "logs"),
        when=available.last_transition_time,
    )
    return event.model_copy(update={"group": f"service:{row.id}:unavailable", "subject_id": None})


def _backup_event(row: StoredObject, place: Place, base: str) -> Event | None:
    if row.status.details.get("phase") != "FAILED":
        return None
    volume = bool(row.spec.get("volume_id"))
    what = "Restore" if row.spec.get("restore_from") else "Snapshot" if volume else "Backup"
    ended = row.status.condition("Verified")
    return _event(
        EventType.BACKUP_FAILED,
        f"backup:{row.id}:failed",
        title=f"{what} failed: {place.path}",
        text=f"{what} {str(row.id)[:8]} failed. {_why(ended)}",
        place=place,
        row=row,
        link=_link(base, place, "volumes" if volume else "backups"),
        when=_since(ended),
    )


def _job_event(row: StoredObject, place: Place, base: str) -> Event | None:
    job = row.spec.get("cron_job")
    if not job or row.status.details.get("phase") != "FAILED":
        return None
    ended = row.status.condition("Completed")
    code = row.status.details.get("exit_code")
    exited = f" It exited with code {code}." if code is not None else ""
    return _event(
        EventType.JOB_FAILED,
        f"run:{row.id}:failed",
        title=f"Scheduled job failed: {place.path} ({job})",
        text=f"The run {str(row.id)[:8]} of {job} failed.{exited} {_why(ended)}",
        place=place,
        row=row,
        link=_link(base, place, "runs"),
        when=_since(ended),
    )


def _certificate_event(row: StoredObject, place: Place, base: str) -> Event | None:
    """Caddy could not get the domain's certificate: once per failing spell (the routes
    controller keeps the transition time while it keeps failing)."""
    certificate = row.status.condition("Certificate")
    if certificate is None or certificate.status != ConditionStatus.FALSE:
        return None
    if certificate.reason != "IssueFailed":
        return None  # an uploaded certificate's state: not an issuance
    host = str(row.spec.get("domain", ""))
    since = certificate.last_transition_time.astimezone(UTC).isoformat()
    return _event(
        EventType.CERTIFICATE_FAILED,
        f"certificate:{row.id}:failed:{since}",
        title=f"Certificate cannot be issued: {host}",
        text=f"Caddy could not obtain a certificate for {host} (visitors get a TLS error "
        f"until it does): {certificate.message or certificate.reason}",
        place=place,
        row=row,
        link=_link(base, place, "domains"),
        when=certificate.last_transition_time,
    )


def missing_backup_event(
    place: Place, reason: str, late_since: datetime, now: datetime, base: str
) -> Event:
    """Backups of a scheduled database are late: once per late spell (until one is verified)."""
    return Event(
        type=EventType.BACKUP_MISSING,
        key=f"backup:{place.service_id}:missing:{late_since.astimezone(UTC).isoformat()}",
        title=f"Backups late: {place.path}"[:MAX_TITLE],
        text=f"{place.service} has {reason}.",
        link=_link(base, place, "backups"),
        project_id=place.project_id,
        service_id=place.service_id,
        occurred_at=now,
    )


def _why(condition: Condition | None) -> str:
    if condition is None:
        return ""
    said = condition.message or condition.reason
    return said.split(LAST_LINES_MARK)[0].strip()


def _since(condition: Condition | None) -> datetime | None:
    return condition.last_transition_time if condition is not None else None


def _link(base: str, place: Place, tab: str) -> str | None:
    return f"{base.rstrip('/')}/services/{place.service_id}/{tab}" if base else None


def _event(
    kind: EventType,
    key: str,
    *,
    title: str,
    text: str,
    place: Place,
    row: StoredObject,
    link: str | None,
    when: datetime | None = None,
) -> Event:
    return Event(
        type=kind,
        key=key,
        title=title[:MAX_TITLE],
        text=text.strip()[:MAX_TEXT],
        link=link,
        project_id=place.project_id,
        service_id=place.service_id,
        subject_id=row.id,
        occurred_at=when or row.updated_at,
    )
