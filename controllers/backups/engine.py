"""What every engine's backup shares: the commands the controller runs in the engine's own
containers (each engine module fills one in), and how a restore is judged against the dump,
from the "COUNT <table> <rows>" lines both sides print (by default: every table's rows,
exactly; an engine may judge its own way, as Redis does its keys with a TTL). Pure."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

# "<table>" may hold spaces: the count is the last field.
_COUNT_LINE = re.compile(r"^COUNT (.+) (\d+)$")


@dataclass(frozen=True)
class InPlace:
    """Restoring a backup into the database it came from: argument lists run in that
    database's own container, in this order. Each may be run again after a crash."""

    load_command: list[str]  # clients cut off, then the file (path appended) loaded afresh
    count_command: list[str]  # COUNT lines of what the load made
    finish_command: list[str]  # the load made the live contents, clients let back in
    abandon_command: list[str]  # after a failed load or count: clients let back in
    # True: a failed load never touched the live contents (loaded aside, swapped at the end).
    keeps_contents_on_failure: bool
    # False: the load's count was of the live contents, the clients held off, and nothing but
    # letting them back in follows: not counted again once they may write.
    recounted: bool = True


@dataclass(frozen=True)
class Verdict:
    """A restore judged against its dump."""

    problems: list[str]  # what differs; empty: the restore is the dump
    summary: str  # what was checked, in words: "2 tables, 252 rows"
    total: int  # the rows (or keys) checked


def exactly(dumped: Mapping[str, int], restored: Mapping[str, int]) -> Verdict:
    """Every table has exactly its rows at dump time."""
    rows = sum(dumped.values())
    return Verdict(differences(dumped, restored), f"{len(dumped)} tables, {rows} rows", rows)


@dataclass(frozen=True)
class EngineBackup:
    """Argument lists run in a container of the engine's image; none holds a user's string
    (names and passwords are the container's own variables, read by its shell)."""

    file_suffix: str  # of the dump file, e.g. ".pgdump"
    dump_command: list[str]  # the dump on stdout, its COUNT lines on stderr
    count_command: list[str]  # COUNT lines of the container's database
    restore_command: list[str]  # loads the file whose path is appended
    ready_command: list[str]  # exit 0: the server accepts the app's connections
    restore_tool: str  # named when a restore fails
    scratch_variables: Callable[[str], dict[str, str]]  # a scratch server's, by password
    in_place: InPlace | None = None  # None: restored only into a new database
    # The counts read from the dump file itself, for an engine whose dump cannot print them
    # (Redis: the RDB's keys per database); raises ValueError when the file is not whole.
    counts_in_file: Callable[[Path], dict[str, int]] | None = None
    judge: Callable[[Mapping[str, int], Mapping[str, int]], Verdict] = exactly


def counts_of(text: str) -> dict[str, int]:
    """Rows by table, from the COUNT lines of `text` (other lines are ignored)."""
    found: dict[str, int] = {}
    for line in text.splitlines():
        match = _COUNT_LINE.match(line.strip())
        if match:
            found[match[1]] = int(match[2])
    return found


def differences(dumped: Mapping[str, int], restored: Mapping[str, int]) -> list[str]:
    """What a restore lacks or has too much of, table by table; empty: the same."""
    problems = []
    for table in sorted(set(dumped) | set(restored)):
        before, after = dumped.get(table), restored.get(table)
        if before is None:
            problems.append(f"{table}: not in the database at dump time, yet restored")
        elif after is None:
            problems.append(f"{table}: {before} rows at dump time, missing from the restore")
        elif before != after:
            problems.append(f"{table}: {before} rows at dump time, {after} restored")
    return problems


def not_the_counts(stderr: str) -> str:
    """What the dump said besides the counts: the reason when it failed."""
    return "\n".join(line for line in stderr.splitlines() if not _COUNT_LINE.match(line.strip()))
