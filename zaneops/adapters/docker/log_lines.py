"""Docker's log lines: a multiplexed frame's payload as a LogEntry, its time as a number.

A line asked for with timestamps and details reads "<RFC 3339 ns time> <k=v,k=v> <text>".
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from zaneops.adapters.docker.models import LogEntry

STREAMS = {1: "stdout", 2: "stderr"}
_LOG_LINE = re.compile(r"(?P<ts>\S+) (?P<details>\S*) ?(?P<line>.*)", re.DOTALL)
TASK_DETAIL = "com.docker.swarm.task.id"


def log_entry(stream: int, payload: bytes) -> LogEntry:
    text = payload.decode(errors="replace").rstrip("\n")
    match = _LOG_LINE.fullmatch(text)
    if match is None:
        return LogEntry(ts="", stream=STREAMS.get(stream, "stdout"), line=text)
    details = dict(pair.split("=", 1) for pair in match["details"].split(",") if "=" in pair)
    return LogEntry(
        ts=match["ts"],
        stream=STREAMS.get(stream, "stdout"),
        line=match["line"],
        task_id=details.get(TASK_DETAIL, ""),
    )


def unix_nanos(ts: str) -> int | None:
    """Docker's RFC 3339 time, exact to its nanosecond; None if it is not one."""
    whole, _, fraction = ts.rstrip("Z").partition(".")
    if not fraction.isdigit() and fraction != "":
        return None
    try:
        moment = datetime.fromisoformat(whole).replace(tzinfo=UTC)
    except ValueError:
        return None
    seconds = int(moment.timestamp())
    return seconds * 1_000_000_000 + int((fraction + "000000000")[:9])


def unix_seconds(ts: str) -> float | None:
    """The same time as unix seconds, cut to the microsecond (what a float keeps exactly)."""
    nanos = unix_nanos(ts)
    return None if nanos is None else (nanos // 1000) / 1_000_000
