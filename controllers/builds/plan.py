"""Pure decisions of the builds controller: tags, what to do with a build, how it went."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from uuid import UUID

from zaneops.specs import BuildPhase, Condition, ConditionStatus, GitSource, Status

Phase = BuildPhase
TERMINAL = {Phase.SUCCEEDED, Phase.FAILED, Phase.CANCELLED}
ACTIVE = {Phase.CLONING, Phase.BUILDING}
SUCCEEDED = "Succeeded"  # the condition every build carries, True once its image exists
_USERINFO = re.compile(r"^(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@]+@", re.IGNORECASE)
_STEP = re.compile(r"^Step \d+/\d+ : ")


# --- the image's name ------------------------------------------------------------------------


def image_repository(instance: str, service_id: UUID) -> str:
    return f"{instance}-build/{service_id}".lower()


def inputs_hash(source: GitSource) -> str:
    """What, besides the commit, decides the image: two builds agreeing here build the same."""
    inputs = {
        "repository": _USERINFO.sub(r"\g<scheme>", source.repository_url),
        "dockerfile": source.dockerfile_path,
        "context": source.context,
        "build_args": dict(sorted(source.build_args.items())),
        "target": source.target,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def image_ref(instance: str, service_id: UUID, commit: str, source: GitSource) -> str:
    """Deterministic: the same commit and inputs give the same tag, so a rebuild is skipped."""
    return f"{image_repository(instance, service_id)}:{commit[:12]}-{inputs_hash(source)[:8]}"


# --- what to do with a build -----------------------------------------------------------------


class Step(StrEnum):
    DONE = "done"  # finished: nothing to do
    STOP = "stop"  # its deployment no longer wants it: stop the job, or mark it CANCELLED
    FOLLOW = "follow"  # a job of ours runs it: report how it goes
    START = "start"  # start a job now
    WAIT = "wait"  # no free slot: stay QUEUED
    GIVE_UP = "give_up"  # interrupted too often (its controller died mid-build): FAILED


def next_step(
    phase: Phase | None,
    *,
    wanted: bool,
    running: bool,
    attempts: int,
    max_attempts: int,
    free_slots: int,
) -> Step:
    if phase in TERMINAL:
        return Step.DONE
    if not wanted:
        return Step.STOP
    if running:
        return Step.FOLLOW
    if phase in ACTIVE and attempts >= max_attempts:
        return Step.GIVE_UP  # CLONING/BUILDING with no job of ours: the last one died with us
    return Step.START if free_slots > 0 else Step.WAIT


def deployment_wants_build(exists: bool, cancel_requested: bool, phase: object) -> bool:
    """A deployment cancelled, superseded, failed or gone no longer needs its image."""
    return exists and not cancel_requested and phase not in ("CANCELLED", "FAILED", "REMOVED")


# --- status ----------------------------------------------------------------------------------


def now() -> str:
    return datetime.now(UTC).isoformat()


def phase_of(status: Status) -> Phase | None:
    value = status.details.get("phase")
    return Phase(value) if isinstance(value, str) and value in Phase.__members__ else None


def attempts_of(status: Status) -> int:
    value = status.details.get("attempts")
    return value if isinstance(value, int) else 0


def with_phase(
    status: Status, phase: Phase, reason: str, message: str = "", **details: object
) -> Status:
    """The status with a new phase; Succeeded is Unknown until the build ends."""
    merged = {**status.details, **details, "phase": phase.value}
    if phase in TERMINAL:
        merged.setdefault("finished_at", now())
    condition = Condition(
        type=SUCCEEDED, status=_succeeded(phase), reason=reason, message=message[:4000]
    )
    return status.model_copy(update={"details": merged}).with_condition(condition)


def _succeeded(phase: Phase) -> ConditionStatus:
    if phase is Phase.SUCCEEDED:
        return ConditionStatus.TRUE
    if phase in TERMINAL:
        return ConditionStatus.FALSE
    return ConditionStatus.UNKNOWN


# --- explaining a failure --------------------------------------------------------------------


class Failure(Exception):
    """A build that ended badly: a reason a program can match, a message for a person."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def build_failure(error: str, lines: Iterable[str], tail: int) -> Failure:
    """BuildFailed, naming the Dockerfile step that failed, with the last log lines."""
    recent = list(lines)
    steps = [line for line in recent if _STEP.match(line)]
    where = f"{steps[-1]} failed: " if steps else ""
    return Failure("BuildFailed", f"{where}{error.strip()}{last_lines(recent, tail)}")


def last_lines(lines: list[str], tail: int) -> str:
    shown = [line for line in lines if line.strip()][-tail:]
    return "\nlast log lines:\n" + "\n".join(shown) if shown else ""


class LineSplitter:
    """The engine sends text in pieces ('Step 1/3 : X', then '\\n'): whole lines come out,
    each at most max_line characters (the rest of a longer line is dropped, and said so).

    Only the new text is split, and an unfinished line is kept up to the cap: a build that
    prints megabytes without a newline costs linear time and bounded memory.
    """

    def __init__(self, max_line: int = 8192) -> None:
        self._pending: list[str] = []
        self._kept = 0  # characters pending (at most max_line)
        self._dropped = 0  # characters of the pending line past the cap
        self._max = max_line

    def feed(self, text: str) -> list[str]:
        *finished, unfinished = text.split("\n")
        lines = []
        for piece in finished:
            self._keep(piece)
            lines.append(self._take())
        self._keep(unfinished)
        return lines

    def rest(self) -> list[str]:
        line = self._take()
        return [line] if line else []

    def _keep(self, piece: str) -> None:
        room = self._max - self._kept
        self._pending.append(piece[:room])
        self._kept += min(len(piece), room)
        self._dropped += max(0, len(piece) - room)

    def _take(self) -> str:
        line = "".join(self._pending).rstrip("\r")
        if self._dropped:
            line += f" [... {self._dropped} more characters not kept]"
        self._pending, self._kept, self._dropped = [], 0, 0
        return line
