"""A service's logs from the CLI: the last lines, or followed live (server-sent events); a
one-off command's output until it ends."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

from zaneops.adapters.platform_api import PlatformApi

ENDED_RUN = {"SUCCEEDED", "FAILED", "CANCELLED"}
POLL_SECONDS = 0.5


def line_of(kind: str, fields: dict[str, Any]) -> str:
    """One entry as a line: runtime and run output as printed, HTTP as an access log line."""
    ts = str(fields.get("ts", ""))[:23]
    if kind == "http":
        return (
            f"{ts} {fields.get('status', '')} {fields.get('method', '')} {fields.get('path', '')}"
            f" {fields.get('duration_ms', '')}ms"
        )
    stream = fields.get("stream", "")
    return f"{ts} {stream + ' ' if stream == 'stderr' else ''}{fields.get('line', '')}"


def last_lines(api: PlatformApi, path: str, count: int) -> list[dict[str, Any]]:
    """The newest `count` entries of a log, oldest first."""
    page = api.get(path, {"direction": "backward", "limit": count}).body
    return [entry["fields"] for entry in reversed(page["entries"])]


def followed(api: PlatformApi, path: str) -> Iterator[dict[str, Any]]:
    """Each new entry as it is written (until interrupted)."""
    with api.stream(f"{path}/follow") as lines:
        for line in lines:
            if line.startswith("data: "):
                yield json.loads(line.removeprefix("data: "))


def run_output(
    api: PlatformApi,
    run_id: str,
    say: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Prints a run's output as it comes, until the run ended; returns the run."""
    cursor: str | None = None
    while True:
        run: dict[str, Any] = api.get(f"/runs/{run_id}").body
        cursor = _new_lines(api, run_id, cursor, say)
        if run.get("phase") in ENDED_RUN:
            _new_lines(api, run_id, cursor, say)  # what came while it ended
            return run
        sleep(POLL_SECONDS)


def _new_lines(
    api: PlatformApi, run_id: str, cursor: str | None, say: Callable[[str], None]
) -> str | None:
    while True:
        params: dict[str, Any] = {"direction": "forward", "limit": 500}
        if cursor:
            params["cursor"] = cursor
        page = api.get(f"/runs/{run_id}/logs", params).body
        for entry in page["entries"]:
            say(line_of("run", entry["fields"]))
            cursor = entry["id"]
        if not page.get("next_cursor"):
            return cursor
