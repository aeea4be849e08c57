"""Benchmark of the controller runtime, run as a real `zaneops controller run` process.

Measures, against a throw-away Postgres database (dropped at the end, also on failure):
  1. commit → reconcile-start latency of an idle runtime, next to the raw LISTEN/NOTIFY delivery
     latency of the very same UPDATEs (a bare psycopg connection listening on the same channel);
  2. idle CPU of one controller process watching 10 000 converged specs, over a window that
     holds several resyncs, and how fast it converged them at start;
  3. that process's memory (VmRSS, VmHWM) after convergence.

Run from the repository root:  .venv/bin/python -m benchmarks.runtime_bench
It prints numbers; nothing asserts. Exit status 0 unless the benchmark itself broke.

Clocks: both ends of a latency sample are `time.time()` on this machine (CLOCK_REALTIME of one
kernel, read in two processes), so no clock skew and no extra round trip is involved. The DB's
clock_timestamp() would need a query on each side, adding a round trip to what is measured.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import queue
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import FrameType, TracebackType
from urllib.error import URLError
from urllib.request import urlopen
from uuid import UUID

import psycopg
from psycopg import sql

from benchmarks.noop_controller import RECORD_PATH_VARIABLE, NoopController
from zaneops.adapters.postgres.migrate import upgrade_to_head
from zaneops.specs.kinds import Kind

REPO = Path(__file__).resolve().parents[1]
SERVER_URL = "postgresql://zane:zane@127.0.0.1:5432"  # local only, on purpose
MAINTENANCE_DB = "zane"
DATABASE_PREFIX = "zane_bench_"
CONTROLLER = "benchmarks.noop_controller:ENTRY"
CHANNEL = Kind.PROJECTS.channel
STATUS_CHANNEL = Kind.PROJECTS.status_channel  # the controller's status write: reconcile done
LEASE_NAME = f"controller:{NoopController.name}"

LATENCY_SAMPLES = 300
PAUSE_SECONDS = (0.02, 0.08)  # random pause between samples: no phase-lock with periodic timers
NOTIFY_TIMEOUT_SECONDS = 5.0
SPEC_COUNT = 10_000
RESYNC_SECONDS = 20.0
CPU_WINDOW_SECONDS = 60.0
STOP_GRACE_SECONDS = 10.0
CONNECT_TIMEOUT_SECONDS = 10
STATEMENT_TIMEOUT_MS = 60_000

LATENCY_P99_GOAL_MS = 50.0
IDLE_CPU_GOAL_PERCENT = 1.0
RSS_GOAL_MB = 60.0

UPDATE_SPEC = (
    "UPDATE projects SET spec = jsonb_set(spec, '{n}', to_jsonb(%s::int))"
    " WHERE id = %s RETURNING generation"
)
INSERT_SPECS = (
    "INSERT INTO projects (spec)"
    " SELECT jsonb_build_object('slug', 'bench-' || i) FROM generate_series(1, %s) AS i"
)
COUNT_UNCONVERGED = (
    "SELECT count(*) FROM projects"
    " WHERE generation IS DISTINCT FROM (status->>'observed_generation')::bigint"
)
CONVERGENCE_SECONDS = (
    "SELECT extract(epoch FROM (SELECT max(updated_at) FROM projects)"
    " - (SELECT acquired_at FROM zane_leases WHERE name = %s))::float8"
)


class BenchmarkError(Exception):
    """The benchmark itself broke (not a missed goal)."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def wait_until(
    condition: Callable[[], bool], timeout: float, what: str, every: float = 0.1
) -> float:
    """Poll condition until true; returns the seconds it took, raises after timeout."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise BenchmarkError(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)
    return time.monotonic() - started


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


# --- the throw-away database -----------------------------------------------------------------


def connect(database_url: str) -> psycopg.Connection[tuple[object, ...]]:
    """An autocommit connection that cannot hang the benchmark forever."""
    return psycopg.connect(
        database_url,
        autocommit=True,
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
    )


@contextlib.contextmanager
def maintenance_connection() -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with connect(f"{SERVER_URL}/{MAINTENANCE_DB}") as conn:
        yield conn


@contextlib.contextmanager
def throwaway_database() -> Iterator[str]:
    name = f"{DATABASE_PREFIX}{uuid.uuid4().hex[:12]}"
    with maintenance_connection() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    log(f"created database {name}")
    try:
        url = f"{SERVER_URL}/{name}"
        upgrade_to_head(url)
        yield url
    finally:
        with maintenance_connection() as conn:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(drop.format(sql.Identifier(name)))
        log(f"dropped database {name}")


# --- the controller process ------------------------------------------------------------------


@dataclass(frozen=True)
class ControllerProcess:
    popen: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    @property
    def pid(self) -> int:
        return self.popen.pid


def free_local_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_controller(
    database_url: str, holder: str, log_path: Path, **extra_env: str
) -> ControllerProcess:
    """`python -m launcher.cli controller run ...`; inherited ZANE_* variables are dropped."""
    port = free_local_port()
    environment = {key: value for key, value in os.environ.items() if not key.startswith("ZANE_")}
    environment.update(
        PYTHONPATH=str(REPO),
        ZANE_DATABASE_URL=database_url,
        ZANE_RUNTIME_HOLDER_ID=holder,
        ZANE_RUNTIME_HEALTH_HOST="127.0.0.1",
        ZANE_RUNTIME_HEALTH_PORT=str(port),
        **extra_env,
    )
    command = [sys.executable, "-m", "launcher.cli", "controller", "run", CONTROLLER]
    with log_path.open("wb") as log_file:
        popen = subprocess.Popen(
            command, env=environment, cwd=REPO, stdout=log_file, stderr=subprocess.STDOUT
        )
    log(f"started controller pid {popen.pid} ({holder})")
    return ControllerProcess(popen, f"http://127.0.0.1:{port}", log_path)


def stop_controller(process: ControllerProcess) -> None:
    """SIGTERM, then SIGKILL if it has not exited within STOP_GRACE_SECONDS."""
    if process.popen.poll() is not None:
        return
    process.popen.send_signal(signal.SIGTERM)
    try:
        code = process.popen.wait(STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        process.popen.kill()
        code = process.popen.wait(5)
        log(f"controller pid {process.pid} ignored SIGTERM; killed")
        return
    log(f"controller pid {process.pid} exited with {code}")


@contextlib.contextmanager
def controller_running(
    database_url: str, holder: str, log_path: Path, **extra_env: str
) -> Iterator[ControllerProcess]:
    """The controller process for the block; stopped after it, its log tail shown on failure."""
    process = start_controller(database_url, holder, log_path, **extra_env)
    try:
        yield process
    except BaseException:
        tail = log_path.read_text(errors="replace").splitlines()[-20:]
        print("controller log tail:", *tail, sep="\n  ", file=sys.stderr)
        raise
    finally:
        stop_controller(process)


def ensure_alive(process: ControllerProcess) -> None:
    if process.popen.poll() is not None:
        raise BenchmarkError(f"controller exited early with {process.popen.returncode}")


def fetch(process: ControllerProcess, path: str) -> bytes | None:
    try:
        with urlopen(f"{process.base_url}{path}", timeout=5) as response:
            body: bytes = response.read()
            return body
    except (URLError, OSError):
        return None


def is_acting(process: ControllerProcess) -> bool:
    """Healthy (listening, loop alive) and holding the lease."""
    ensure_alive(process)
    body = fetch(process, "/healthz")
    if body is None:
        return False
    report = json.loads(body)
    return bool(report.get("healthy") and report.get("leader"))


def read_metrics(process: ControllerProcess) -> dict[str, float]:
    """Prometheus text → value per metric name, summed over labels."""
    body = fetch(process, "/metrics")
    if body is None:
        raise BenchmarkError("could not read /metrics")
    totals: dict[str, float] = {}
    for line in body.decode().splitlines():
        if not line or line.startswith("#"):
            continue
        series, _, value = line.rpartition(" ")
        name = series.split("{", 1)[0]
        totals[name] = totals.get(name, 0.0) + float(value)
    return totals


def reconcile_total(process: ControllerProcess) -> float:
    return read_metrics(process).get("zane_reconcile_total", 0.0)


# --- /proc -----------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of the whole process (all threads), in seconds."""
    after_name = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime = int(after_name[11]), int(after_name[12])  # fields 14 and 15 of stat
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Memory:
    """From /proc/PID/status, in MB (10^6 bytes)."""

    rss: float  # VmRSS
    peak: float  # VmHWM
    anonymous: float  # RssAnon: the heap, private to the process
    file_backed: float  # RssFile: shared libraries and the like, shared between processes

    def __str__(self) -> str:
        return (
            f"VmRSS {self.rss:.1f} MB (RssAnon {self.anonymous:.1f} + RssFile"
            f" {self.file_backed:.1f}), VmHWM {self.peak:.1f} MB"
        )


def read_memory(pid: int) -> Memory:
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            values[key] = int(rest.split()[0]) * 1024 / 1e6  # the kernel's kB are KiB
    return Memory(values["VmRSS"], values["VmHWM"], values["RssAnon"], values["RssFile"])


# --- the raw LISTEN baseline -----------------------------------------------------------------


class NotificationListener:
    """A bare psycopg connection LISTENing in its own thread; timestamps each arrival."""

    def __init__(self, database_url: str, channels: list[str]) -> None:
        self._conn = connect(database_url)
        for channel in channels:
            self._conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        self._arrivals: queue.Queue[tuple[float, str]] = queue.Queue()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="listener", daemon=True)
        self.stray = 0

    def __enter__(self) -> NotificationListener:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stopping.set()
        self._thread.join(5)
        self._conn.close()

    def _listen(self) -> None:
        while not self._stopping.is_set():
            for notify in self._conn.notifies(timeout=0.2):
                self._arrivals.put((time.time(), notify.payload))

    def drain(self) -> None:
        """Forget notifications nobody waited for (counted in stray)."""
        while True:
            try:
                self._arrivals.get_nowait()
            except queue.Empty:
                return
            self.stray += 1

    def next_for(self, payload: str) -> float:
        """Arrival time of the next notification with this payload."""
        deadline = time.monotonic() + NOTIFY_TIMEOUT_SECONDS
        while True:
            try:
                arrived_at, got = self._arrivals.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise BenchmarkError(f"no notification for {payload}") from None
            if got == payload:
                return arrived_at
            self.stray += 1


# --- 1. commit → reconcile-start latency -----------------------------------------------------


@dataclass(frozen=True)
class Sample:
    generation: int
    committed_at: float
    raw_delivered_at: float


@dataclass(frozen=True)
class LatencyResult:
    runtime_ms: list[float]  # commit → reconcile start
    raw_ms: list[float]  # commit → NOTIFY delivered to a bare LISTEN connection
    overhead_ms: list[float]  # per sample: reconcile start - raw delivery
    reconciles_per_update: float
    stray_notifications: int
    memory_one_spec: Memory


def create_project(conn: psycopg.Connection[tuple[object, ...]]) -> UUID:
    row = conn.execute(
        'INSERT INTO projects (spec) VALUES (\'{"slug": "latency"}\') RETURNING id'
    ).fetchone()
    assert row is not None
    return row[0]  # type: ignore[return-value]


def is_converged(conn: psycopg.Connection[tuple[object, ...]], project_id: UUID) -> bool:
    row = conn.execute(
        "SELECT generation = (status->>'observed_generation')::bigint FROM projects WHERE id = %s",
        (project_id,),
    ).fetchone()
    return bool(row and row[0])


def take_sample(
    writer: psycopg.Connection[tuple[object, ...]],
    listener: NotificationListener,
    project_id: UUID,
    number: int,
) -> Sample:
    """One committed UPDATE; returns once the controller has written the status it led to."""
    listener.drain()
    cursor = writer.execute(UPDATE_SPEC, (number, project_id))
    committed_at = time.time()  # autocommit: the UPDATE has committed when execute returns
    row = cursor.fetchone()
    assert row is not None
    raw_delivered_at = listener.next_for(str(project_id))  # the spec change
    listener.next_for(str(project_id))  # the status write: that reconcile has finished
    return Sample(int(row[0]), committed_at, raw_delivered_at)  # type: ignore[call-overload]


def read_reconcile_starts(record_path: Path) -> dict[tuple[str, int], list[float]]:
    """(id, generation) → start times of every reconcile the controller recorded."""
    starts: dict[tuple[str, int], list[float]] = {}
    for line in record_path.read_text().splitlines():
        object_id, generation, started_at = line.split()
        starts.setdefault((object_id, int(generation)), []).append(float(started_at))
    return starts


def latency_result(
    samples: list[Sample],
    starts: dict[tuple[str, int], list[float]],
    project_id: UUID,
    stray: int,
    memory: Memory,
) -> LatencyResult:
    runtime_ms, raw_ms, overhead_ms, reconciles = [], [], [], 0
    for sample in samples:
        seen = starts.get((str(project_id), sample.generation))
        if not seen:
            raise BenchmarkError(f"no recorded reconcile of generation {sample.generation}")
        runtime_ms.append((min(seen) - sample.committed_at) * 1000)
        raw_ms.append((sample.raw_delivered_at - sample.committed_at) * 1000)
        overhead_ms.append((min(seen) - sample.raw_delivered_at) * 1000)
        reconciles += len(seen)
    per_update = reconciles / len(samples)
    return LatencyResult(runtime_ms, raw_ms, overhead_ms, per_update, stray, memory)


def run_samples(database_url: str, project_id: UUID) -> tuple[list[Sample], int]:
    samples = []
    with (
        connect(database_url) as writer,
        NotificationListener(database_url, [CHANNEL, STATUS_CHANNEL]) as listener,
    ):
        time.sleep(0.5)  # let the start-up reconcile finish
        for number in range(1, LATENCY_SAMPLES + 1):
            samples.append(take_sample(writer, listener, project_id, number))
            time.sleep(random.uniform(*PAUSE_SECONDS))
        listener.drain()
        return samples, listener.stray


def measure_latency(database_url: str, workdir: Path) -> LatencyResult:
    log(f"1. latency: {LATENCY_SAMPLES} updates, one at a time, controller idle in between")
    record_path = workdir / "reconcile_starts.txt"
    record = {RECORD_PATH_VARIABLE: str(record_path)}
    log_path = workdir / "latency-controller.log"
    with connect(database_url) as admin:
        project_id = create_project(admin)
        with controller_running(database_url, "bench-latency", log_path, **record) as process:
            wait_until(lambda: is_acting(process), 30, "controller elected and listening")
            wait_until(lambda: is_converged(admin, project_id), 30, "first reconcile")
            samples, stray = run_samples(database_url, project_id)
            memory = read_memory(process.pid)
    starts = read_reconcile_starts(record_path)
    return latency_result(samples, starts, project_id, stray, memory)


# --- 2 and 3. idle CPU and memory with 10 000 specs ------------------------------------------


@dataclass(frozen=True)
class CpuWindow:
    started_at: float  # time.time()
    seconds: float
    cpu_seconds: float
    reconciles: float

    @property
    def percent_of_core(self) -> float:
        return 100 * self.cpu_seconds / self.seconds


@dataclass(frozen=True)
class Convergence:
    database_seconds: float  # lease taken → last status write, on the database's clock
    wall_to_converged_seconds: float  # from spawning the process
    wall_to_drained_seconds: float
    reconciles: float  # reconciles until the queue drained, self-wakes included

    @property
    def keys_per_second(self) -> float:
        return SPEC_COUNT / self.database_seconds


@dataclass(frozen=True)
class IdleResult:
    convergence: Convergence
    memory_converged: Memory
    memory_after_window: Memory
    window: CpuWindow
    resyncs_in_window: list[int]  # keys each resync queued


class DrainWatch:
    """True once the queue is empty and no reconcile finished since the previous poll."""

    def __init__(self, process: ControllerProcess) -> None:
        self._process = process
        self._last_total = -1.0

    def __call__(self) -> bool:
        ensure_alive(self._process)
        metrics = read_metrics(self._process)
        total = metrics.get("zane_reconcile_total", 0.0)
        idle = metrics.get("zane_workqueue_depth", 1.0) == 0 and total == self._last_total
        self._last_total = total
        return idle and total >= SPEC_COUNT


def count_unconverged(conn: psycopg.Connection[tuple[object, ...]]) -> int:
    row = conn.execute(COUNT_UNCONVERGED).fetchone()
    return int(row[0]) if row else 0  # type: ignore[call-overload]


def database_convergence_seconds(conn: psycopg.Connection[tuple[object, ...]]) -> float:
    """From taking the lease to the last status write, both on the database's clock."""
    row = conn.execute(CONVERGENCE_SECONDS, (LEASE_NAME,)).fetchone()
    if row is None or row[0] is None:
        raise BenchmarkError("no lease row: cannot time the convergence")
    return float(row[0])  # type: ignore[arg-type]


def measure_cpu(process: ControllerProcess) -> CpuWindow:
    """CPU time over CPU_WINDOW_SECONDS; nothing talks to the process inside the window."""
    reconciles_before = reconcile_total(process)
    started_at, started = time.time(), time.monotonic()
    cpu_before = cpu_seconds(process.pid)
    while time.monotonic() - started < CPU_WINDOW_SECONDS:
        ensure_alive(process)
        time.sleep(min(1.0, CPU_WINDOW_SECONDS - (time.monotonic() - started)))
    cpu_after, elapsed = cpu_seconds(process.pid), time.monotonic() - started
    reconciles = reconcile_total(process) - reconciles_before
    return CpuWindow(started_at, elapsed, cpu_after - cpu_before, reconciles)


def resyncs_between(log_path: Path, start: float, end: float) -> list[int]:
    """Keys queued by each resync the controller logged in [start, end] (time.time())."""
    queued = []
    for line in log_path.read_text(errors="replace").splitlines():
        with contextlib.suppress(ValueError):
            entry = json.loads(line)
            at = datetime.fromisoformat(entry["timestamp"]).timestamp()
            if entry.get("event") == "resynced" and start <= at <= end:
                queued.append(int(entry["queued"]))
    return queued


def converge(
    admin: psycopg.Connection[tuple[object, ...]], process: ControllerProcess, spawned: float
) -> Convergence:
    """Wait for the initial re-list to be reconciled, then for the queue to drain."""

    def all_converged() -> bool:
        ensure_alive(process)
        return count_unconverged(admin) == 0

    wait_until(lambda: is_acting(process), 30, "controller elected and listening")
    wait_until(all_converged, 180, f"all {SPEC_COUNT} specs reconciled", every=0.25)
    converged_after = time.monotonic() - spawned
    log(f"all {SPEC_COUNT} specs reconciled; waiting for the queue to drain")
    wait_until(DrainWatch(process), 60, "queue drained", every=1.0)
    drained_after = time.monotonic() - spawned
    return Convergence(
        database_convergence_seconds(admin),
        converged_after,
        drained_after,
        reconcile_total(process),
    )


def measure_idle(database_url: str, workdir: Path) -> IdleResult:
    log(f"2+3. idle: {SPEC_COUNT} specs, resync every {RESYNC_SECONDS:.0f} s")
    log_path = workdir / "idle-controller.log"
    resync = {"ZANE_RUNTIME_RESYNC_SECONDS": str(RESYNC_SECONDS)}
    with connect(database_url) as admin:
        admin.execute(INSERT_SPECS, (SPEC_COUNT,))
        spawned = time.monotonic()
        with controller_running(database_url, "bench-idle", log_path, **resync) as process:
            convergence = converge(admin, process, spawned)
            memory_converged = read_memory(process.pid)
            log(f"idle; measuring CPU over {CPU_WINDOW_SECONDS:.0f} s")
            window = measure_cpu(process)
            memory_after_window = read_memory(process.pid)
    resyncs = resyncs_between(log_path, window.started_at, window.started_at + window.seconds)
    return IdleResult(convergence, memory_converged, memory_after_window, window, resyncs)


# --- report ----------------------------------------------------------------------------------


def verdict(value: float, goal: float) -> str:
    return "pass" if value < goal else "FAIL"


def ratio(runtime: float, raw: float) -> str:
    """runtime/raw; meaningless when raw is ~0 or negative (NOTIFY can beat the commit's reply)."""
    return f"{runtime / raw:.1f}x" if raw >= 0.05 else "n/a"


PERCENTILES = (("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("max", 100.0))


def print_latency(latency: LatencyResult) -> None:
    print(f"\nCommit → reconcile start, {len(latency.runtime_ms)} samples, ms (time.time()):")
    print(f"  {'':4} {'runtime':>9} {'raw NOTIFY':>11} {'runtime/raw':>12} {'runtime-raw':>12}")
    for label, pct in PERCENTILES:
        runtime, raw = percentile(latency.runtime_ms, pct), percentile(latency.raw_ms, pct)
        overhead = percentile(latency.overhead_ms, pct)
        print(f"  {label:4} {runtime:9.2f} {raw:11.2f} {ratio(runtime, raw):>12} {overhead:12.2f}")
    print("  (runtime-raw: per-sample delay from NOTIFY delivery to reconcile start)")
    print(f"  reconciles per update: {latency.reconciles_per_update:.2f},", end="")
    print(f" stray notifications: {latency.stray_notifications}")
    print(f"  memory with 1 spec: {latency.memory_one_spec}")


def print_idle(idle: IdleResult) -> None:
    window, convergence = idle.window, idle.convergence
    print(
        f"\nIdle controller, {SPEC_COUNT} specs, ZANE_RUNTIME_RESYNC_SECONDS={RESYNC_SECONDS:.0f}:"
    )
    print(f"  initial convergence: {convergence.database_seconds:.2f} s, lease taken", end="")
    print(f" → last status write (DB clock) = {convergence.keys_per_second:.0f} keys/s")
    print(f"    spawn → all converged {convergence.wall_to_converged_seconds:.1f} s,", end="")
    print(f" → queue drained {convergence.wall_to_drained_seconds:.1f} s,", end="")
    print(f" {convergence.reconciles:.0f} reconciles for {SPEC_COUNT} keys")
    print(f"  CPU window: {window.seconds:.1f} s, {window.cpu_seconds:.2f} s CPU,", end="")
    print(f" {window.reconciles:.0f} reconciles, {len(idle.resyncs_in_window)} resyncs", end="")
    print(f" (keys queued by each: {idle.resyncs_in_window})")
    print(f"  memory after convergence: {idle.memory_converged}")
    print(f"  memory after the window:  {idle.memory_after_window}")


Row = tuple[str, str, str, str]  # metric, value, goal, result


def latency_rows(latency: LatencyResult) -> list[Row]:
    runtime = {pct: percentile(latency.runtime_ms, pct) for _, pct in PERCENTILES}
    raw_p99 = percentile(latency.raw_ms, 99)
    p99_goal = f"< {LATENCY_P99_GOAL_MS:.0f}"
    return [
        ("commit→reconcile p50 (ms)", f"{runtime[50]:.2f}", "", "-"),
        ("commit→reconcile p90 (ms)", f"{runtime[90]:.2f}", "", "-"),
        (
            "commit→reconcile p99 (ms)",
            f"{runtime[99]:.2f}",
            p99_goal,
            verdict(runtime[99], LATENCY_P99_GOAL_MS),
        ),
        ("commit→reconcile max (ms)", f"{runtime[100]:.2f}", "", "-"),
        ("raw NOTIFY p99 (ms)", f"{raw_p99:.2f}", "", "-"),
        ("runtime/raw at p99", ratio(runtime[99], raw_p99), "", "-"),
        ("reconciles per update", f"{latency.reconciles_per_update:.2f}", "", "-"),
        ("VmRSS with 1 spec (MB)", f"{latency.memory_one_spec.rss:.1f}", "", "-"),
    ]


def idle_rows(idle: IdleResult) -> list[Row]:
    cpu = idle.window.percent_of_core
    rss = idle.memory_converged.rss
    cpu_goal, rss_goal = f"< {IDLE_CPU_GOAL_PERCENT:.0f}", f"< {RSS_GOAL_MB:.0f}"
    return [
        ("initial convergence (keys/s)", f"{idle.convergence.keys_per_second:.0f}", "", "-"),
        (
            "idle CPU, 10k specs (% core)",
            f"{cpu:.2f}",
            cpu_goal,
            verdict(cpu, IDLE_CPU_GOAL_PERCENT),
        ),
        ("VmRSS, 10k specs (MB)", f"{rss:.1f}", rss_goal, verdict(rss, RSS_GOAL_MB)),
        ("VmHWM peak, 10k specs (MB)", f"{idle.memory_converged.peak:.1f}", "", "-"),
    ]


def print_table(latency: LatencyResult, idle: IdleResult) -> None:
    print(f"\n{'metric':32} {'value':>10} {'goal':>8}  result")
    print("-" * 62)
    for metric, value, goal, result in [*latency_rows(latency), *idle_rows(idle)]:
        print(f"{metric:32} {value:>10} {goal:>8}  {result}")
    print("(goals are informational: the exit status does not depend on them)")


# --- main ------------------------------------------------------------------------------------


def stop_on_sigterm() -> None:
    """A SIGTERM to the benchmark unwinds through the finally blocks (process, database)."""

    def raise_exit(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, raise_exit)


def run() -> None:
    stop_on_sigterm()
    log(f"runtime benchmark; python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="zane-bench-") as workdir, throwaway_database() as url:
        latency = measure_latency(url, Path(workdir))
        idle = measure_idle(url, Path(workdir))
    print_latency(latency)
    print_idle(idle)
    print_table(latency, idle)


def main() -> int:
    try:
        run()
    except BenchmarkError as exc:
        print(f"benchmark broke: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
