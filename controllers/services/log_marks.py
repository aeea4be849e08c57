"""Where a service's log following resumes, and which replayed lines were shipped already.

Docker delivers the lines of one stream (stdout or stderr) of one task in order, so for each
(task, stream) the newest time shipped and how many lines carried exactly that time (a long
line split in parts, lines of one nanosecond) tell a replayed line from a new one. Lines of
other tasks, and of other nodes, arrive out of order by up to IN_FLIGHT: a follow resumes
that far before the newest mark.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from zaneops.adapters.docker.log_lines import unix_nanos
from zaneops.adapters.docker.models import LogEntry

SECOND_NS = 1_000_000_000
# How long a line may take to arrive after a newer one of another task.
IN_FLIGHT_NS = 10 * SECOND_NS
# A mark this much older than the newest can no longer be replayed: it is dropped.
KEPT_NS = 2 * IN_FLIGHT_NS
# With no mark at all (a new service, or none shipped yet), the lines of this past are read.
MAX_REPLAY_NS = 600 * SECOND_NS


@dataclass(frozen=True)
class Mark:
    ts_ns: int
    count: int  # lines shipped with exactly this time

    def text(self) -> str:
        return f"{self.ts_ns}:{self.count}"

    @classmethod
    def parse(cls, text: str) -> Mark | None:
        ts, _, count = text.partition(":")
        if not (ts.isdigit() and count.isdigit()):
            return None
        return cls(int(ts), int(count))


@dataclass(frozen=True)
class Fresh:
    """A line not shipped before."""

    entry: LogEntry
    ts_ns: int


def mark_key(entry: LogEntry) -> str:
    return f"{entry.task_id}/{entry.stream}"


class Replay:
    """The marks of one service, advanced by each batch of lines that gets through."""

    def __init__(self, stored: Mapping[str, str]) -> None:
        self.marks = {key: mark for key, text in stored.items() if (mark := Mark.parse(text))}
        self._seen_at_mark: dict[str, int] = {}  # lines at the mark's time met this follow
        self._changed: set[str] = set()
        self._dropped: set[str] = set()

    def restart(self) -> None:
        """A new follow begins: Docker replays from resume_since, marks' lines included."""
        self._seen_at_mark = {}

    def fresh(self, entries: Iterable[LogEntry]) -> list[Fresh]:
        """The lines not shipped before, in order; the marks move past them."""
        found: list[Fresh] = []
        for entry in entries:
            ts_ns = unix_nanos(entry.ts)
            if ts_ns is not None and self._is_new(mark_key(entry), ts_ns):
                found.append(Fresh(entry, ts_ns))
        self._trim()
        return found

    def _is_new(self, key: str, ts_ns: int) -> bool:
        mark = self.marks.get(key)
        if mark is not None and ts_ns < mark.ts_ns:
            return False
        if mark is not None and ts_ns == mark.ts_ns:
            seen = self._seen_at_mark.get(key, 0) + 1
            self._seen_at_mark[key] = seen
            if seen <= mark.count:
                return False
            self.marks[key] = Mark(ts_ns, mark.count + 1)
        else:
            self.marks[key] = Mark(ts_ns, 1)
            self._seen_at_mark[key] = 1
        self._changed.add(key)
        self._dropped.discard(key)
        return True

    def _trim(self) -> None:
        if not self.marks:
            return
        oldest_kept = max(mark.ts_ns for mark in self.marks.values()) - KEPT_NS
        for key in [k for k, mark in self.marks.items() if mark.ts_ns < oldest_kept]:
            del self.marks[key]
            self._changed.discard(key)
            self._dropped.add(key)

    def take_changes(self) -> tuple[dict[str, str], list[str]]:
        """Marks changed and marks dropped since the last call, to write with the lines."""
        changed = {key: self.marks[key].text() for key in self._changed}
        dropped = sorted(self._dropped)
        self._changed, self._dropped = set(), set()
        return changed, dropped

    def resume_since(self, now_ns: int) -> int:
        """IN_FLIGHT before the newest mark (what was written meanwhile is newer than it);
        with no mark, MAX_REPLAY before now (a new service's first lines)."""
        if not self.marks:
            return max(now_ns - MAX_REPLAY_NS, 0)
        return max(max(mark.ts_ns for mark in self.marks.values()) - IN_FLIGHT_NS, 0)


def marks_from_tail(fields: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """Marks read back from a stream's newest entries (its marks were lost)."""
    marks: dict[str, Mark] = {}
    for entry in fields:
        ts_ns = unix_nanos(entry.get("ts", ""))
        if ts_ns is None:
            continue
        key = f"{entry.get('task_id', '')}/{entry.get('stream', '')}"
        mark = marks.get(key)
        if mark is None or ts_ns > mark.ts_ns:
            marks[key] = Mark(ts_ns, 1)
        elif ts_ns == mark.ts_ns:
            marks[key] = Mark(ts_ns, mark.count + 1)
    return {key: mark.text() for key, mark in marks.items()}
