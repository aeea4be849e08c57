"""Checks of the servers themselves, decided purely: a server whose exporter stopped answering
(down), a disk above its threshold. Each is a spell per subject (a server, or a server's disk):
told once when it starts and once when it ends. Prometheus answers which subjects are in
trouble and which are fine again; everything else here is naming."""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import UTC, datetime

from zaneops.common.node_series import ANSWERING, DISK_PERCENT, SEEN_IN_THE_LAST_HOUR, per_node
from zaneops.specs.notifications import MAX_TEXT, MAX_TITLE, Event, EventType

HYSTERESIS_PERCENT = 5.0  # back under only this far below: a disk at 90 % is not a flood
MAX_SUBJECT = 120
STARTED = ":started:"
SCRAPED_AT_LEAST = 3
_PRINTABLE = set(string.printable) - set("\t\n\r\x0b\x0c")


@dataclass(frozen=True)
class ServerCheck:
    name: str  # down, disk
    type: EventType
    trouble: str  # PromQL: one series per subject in trouble now
    fine: str  # PromQL: one series per subject fine again
    labels: tuple[str, ...]  # what names a subject

    def subject(self, labels: dict[str, str]) -> str | None:
        """The subject's name from its series' labels (None: a series without them)."""
        parts = [_clean(labels.get(label, "")) for label in self.labels]
        return " ".join(parts)[:MAX_SUBJECT] if all(parts) else None

    def prefix(self, subject: str) -> str:
        return f"server:{self.name}:{subject}"


def down_query(seconds: float) -> str:
    """Answered in the last hour, not in the last `seconds` (a redeploy of the exporter, a
    scrape missed, is not a server down), while the store scraped another server at least
    three times in that while: when it did not, the store itself was not scraping (restarted,
    or its own server down), and nothing is said of anyone."""
    recent = f"node_uname_info[{seconds:g}s]"
    return (
        f"{SEEN_IN_THE_LAST_HOUR} unless on(nodename) max by (nodename) (max_over_time({recent}))"
        f" and on() (max(count_over_time({recent})) >= {SCRAPED_AT_LEAST})"
    )


def checks(disk_full_percent: float, down_seconds: float) -> tuple[ServerCheck, ...]:
    disk = per_node(DISK_PERCENT, by="device", how="max")
    back_under = max(0.0, disk_full_percent - HYSTERESIS_PERCENT)
    down = down_query(down_seconds)
    return (
        ServerCheck("down", EventType.NODE_DOWN, down, ANSWERING, ("nodename",)),
        ServerCheck(
            "disk",
            EventType.DISK_FULL,
            f"{disk} > {disk_full_percent:g}",
            f"{disk} < {back_under:g}",
            ("nodename", "device"),
        ),
    )


def _clean(value: str) -> str:
    """A label as printed text: a hostname or a device, never a line break in a message."""
    return "".join(char for char in value if char in _PRINTABLE).strip()


def started_event(
    check: ServerCheck, subject: str, value: float, since: datetime, base: str
) -> Event:
    if check.name == "down":
        title = f"Server down: {subject}"
        text = f"The server {subject} stopped answering: what runs there may not be served."
    else:
        title = f"Disk above {value:.0f} %: {subject}"
        text = f"The disk {subject} is {value:.1f} % full: free space before writes fail."
    return _event(check, subject, "started", title, text, since=since, base=base, when=since)


def ended_event(
    check: ServerCheck, subject: str, value: float, *, since: datetime, now: datetime, base: str
) -> Event:
    if check.name == "down":
        title, text = f"Server back: {subject}", f"The server {subject} answers again."
    else:
        title = f"Disk back under: {subject}"
        text = f"The disk {subject} is {value:.1f} % full now."
    return _event(check, subject, "ended", title, text, since=since, base=base, when=now)


def _event(
    check: ServerCheck,
    subject: str,
    phase: str,
    title: str,
    text: str,
    *,
    since: datetime,
    base: str,
    when: datetime,
) -> Event:
    return Event(
        type=check.type,
        key=f"{check.prefix(subject)}:{phase}:{since.astimezone(UTC).isoformat()}",
        title=title[:MAX_TITLE],
        text=text[:MAX_TEXT],
        link=f"{base.rstrip('/')}/servers" if base else None,
        occurred_at=when,
    )
