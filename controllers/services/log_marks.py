"""Where a service's log following resumes, and which replayed lines were shipped already.

Within one task Docker delivers lines in time order, so the newest time shipped of each task
(its mark) tells a replayed line from a new one. Across tasks, and from other nodes, lines
arrive out of order by up to IN_FLIGHT: a follow resumes that far before the newest mark.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from zaneops.adapters.docker.log_lines import unix_nanos
from zaneops.adapters.docker.models import LogEntry

SECOND_NS = 1_000_000_000
# How long a line may take to arrive after a newer one of another task.
IN_FLIGHT_NS = 10 * SECOND_NS
# A follower down longer than this loses the lines written before the window (bounds the replay).
MAX_REPLAY_NS = 600 * SECOND_NS
# Tasks remembered per service: a task older than the newest MAX_MARKS is long gone.
MAX_MARKS = 32


@dataclass(frozen=True)
class Fresh:
    """A line not shipped before, with its time."""

    entry: LogEntry
    ts_ns: int


class Replay:
    """The marks of one service, advanced by each batch of lines that gets through."""

    def __init__(self, marks: Mapping[str, int]) -> None:
        self.marks = kept(marks)

    def fresh(self, entries: Iterable[LogEntry]) -> list[Fresh]:
        """The lines newer than their task's mark, in order; the marks move past them."""
        found: list[Fresh] = []
        for entry in entries:
            ts_ns = unix_nanos(entry.ts)
            if ts_ns is None or ts_ns <= self.marks.get(entry.task_id, -1):
                continue
            self.marks[entry.task_id] = ts_ns
            found.append(Fresh(entry, ts_ns))
        if len(self.marks) > MAX_MARKS:
            self.marks = kept(self.marks)
        return found

    def resume_since(self, now_ns: int) -> int:
        """Where the next follow starts: the oldest mark, but at least IN_FLIGHT before the
        newest and at most MAX_REPLAY before it; with no mark, MAX_REPLAY before now (a new
        service's first lines, or lines written while no follower ran)."""
        if not self.marks:
            return max(now_ns - MAX_REPLAY_NS, 0)
        newest, oldest = max(self.marks.values()), min(self.marks.values())
        return max(min(oldest, newest - IN_FLIGHT_NS), newest - MAX_REPLAY_NS, 0)


def kept(marks: Mapping[str, int]) -> dict[str, int]:
    """The newest MAX_MARKS marks."""
    newest = sorted(marks.items(), key=lambda item: item[1], reverse=True)[:MAX_MARKS]
    return dict(newest)


def marks_from_tail(fields: Iterable[Mapping[str, str]]) -> dict[str, int]:
    """Marks read back from a stream's last entries (a stream written before marks existed)."""
    marks: dict[str, int] = {}
    for entry in fields:
        ts_ns = unix_nanos(entry.get("ts", ""))
        task = entry.get("task_id", "")
        if ts_ns is not None and ts_ns > marks.get(task, -1):
            marks[task] = ts_ns
    return kept(marks)
