"""The HTTP health check probe (stacks/images/probe/probe.c), compiled here as its image
compiles it, against servers on loopback that answer as real ones do, well or badly."""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[3] / "stacks" / "images" / "probe" / "probe.c"


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    binary = tmp_path_factory.mktemp("probe") / "zane-probe"
    flags = ["-Os", "-static", "-s", "-Wall", "-Wextra", "-Werror"]
    subprocess.run(["gcc", *flags, "-o", str(binary), str(SOURCE)], check=True)
    return binary


@dataclass
class Server:
    port: str = ""
    answer: bytes | None = b""  # what it sends back; None: it accepts and says nothing


@pytest.fixture
def answering() -> Iterator[Server]:
    said = Server()
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(5)

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                if said.answer is None:
                    conn.recv(1)  # hold until the probe gives up
                    continue
                conn.sendall(said.answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    said.port = str(server.getsockname()[1])
    yield said
    server.close()


def run(probe: Path, port: str, path: str = "/ready", timeout_ms: int = 1000) -> tuple[int, str]:
    done = subprocess.run(
        [str(probe), "http", port, path, str(timeout_ms)],
        check=False,
        capture_output=True,
        text=True,
    )
    return done.returncode, done.stdout.strip()


def test_a_2xx_or_3xx_answer_is_healthy_and_an_interim_1xx_is_skipped(
    probe: Path, answering: Server
) -> None:
    port = answering.port
    answering.answer = b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"
    code, said = run(probe, port)
    assert code == 0 and said.startswith("GET /ready on port") and "answered 200 OK" in said
    answering.answer = b"HTTP/1.0 302 Found\n\n"  # a bare LF, from a lax server
    assert run(probe, port)[0] == 0


def test_a_4xx_or_5xx_or_a_malformed_answer_is_unhealthy_and_said(
    probe: Path, answering: Server
) -> None:
    port = answering.port
    answering.answer = b"HTTP/1.1 404 Not Found\r\n\r\n"
    code, said = run(probe, port)
    assert code == 1 and "answered 404 Not Found" in said and "healthy needs 2xx or 3xx" in said
    answering.answer = b"HTTP/1.1 2000 OK\r\n\r\n"
    assert run(probe, port) == (
        1,
        f"GET /ready on port {port}: the answer is not HTTP (HTTP/1.1 2000 OK)",
    )
    answering.answer = b""
    assert "connection closed" in run(probe, port)[1]


def test_silence_is_a_timeout_and_a_closed_port_is_nothing_listening(
    probe: Path, answering: Server
) -> None:
    port = answering.port
    answering.answer = None
    assert run(probe, port, timeout_ms=300) == (
        1,
        f"GET /ready on port {port}: no answer within 300 ms",
    )
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed = str(unused.getsockname()[1])
    code, said = run(probe, closed)
    assert code == 1 and f"nothing listens on port {closed}" in said


def test_a_path_that_would_break_the_request_line_is_refused(probe: Path) -> None:
    code, said = run(probe, "80", "/a b\r\nHost: evil")
    assert code == 1 and said.startswith("refused path")
