"""Runs the platform's processes on this machine, without Swarm: for development and demos.

Each component is a detached process with a pid file and a log file in one state folder.
`zaneops up` (on Swarm) is the production path; this one needs only Python, Postgres, Redis.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from controllers.entry import ControllerEntry
from controllers.registry import ENTRIES
from launcher.controller_process import reference


@dataclass(frozen=True)
class Component:
    name: str
    argv: tuple[str, ...]


def zaneops_command(*args: str) -> tuple[str, ...]:
    return (sys.executable, "-m", "launcher.cli", *args)


def platform_components(entries: Sequence[ControllerEntry] = ENTRIES) -> list[Component]:
    """The API, then one process per controller entry."""
    controllers = [
        Component(entry.component, zaneops_command("controller", "run", reference(entry)))
        for entry in sorted(entries, key=lambda entry: entry.name)
    ]
    return [Component("api", zaneops_command("api")), *controllers]


class LocalProcesses:
    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        state_dir.mkdir(parents=True, exist_ok=True)

    def pid_file(self, name: str) -> Path:
        return self.state_dir / f"{name}.pid"

    def log_file(self, name: str) -> Path:
        return self.state_dir / f"{name}.log"

    def running_pid(self, name: str) -> int | None:
        try:
            pid = int(self.pid_file(name).read_text())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return pid

    def start(self, component: Component, env: dict[str, str]) -> tuple[int, bool]:
        """Start it unless it already runs; returns (pid, started_now)."""
        pid = self.running_pid(component.name)
        if pid is not None:
            return pid, False
        with self.log_file(component.name).open("ab") as log:
            process = subprocess.Popen(
                component.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,  # outlives the shell that ran `up`
            )
        self.pid_file(component.name).write_text(str(process.pid))
        return process.pid, True

    def stop(self, name: str) -> bool:
        pid = self.running_pid(name)
        self.pid_file(name).unlink(missing_ok=True)
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        return True

    def names(self) -> list[str]:
        return sorted(path.stem for path in self.state_dir.glob("*.pid"))


def wait_for_http(url: str, timeout: float) -> bool:
    """True once url answers 200, False after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.3)
    return False
