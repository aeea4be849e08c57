"""Caddy access log lines → the service they went to, and a tail that follows rotation."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from controllers.routes.access_logs import Cursor, FileTail, parse_access_line
from controllers.routes.entries import RedirectTo, RouteEntry, Upstream, specificity

API, WEB = uuid.uuid4(), uuid.uuid4()
ROUTES = tuple(
    sorted(
        [
            RouteEntry(uuid.uuid4(), "a.example.com", "/", False, Upstream("srv-w:80", WEB)),
            RouteEntry(uuid.uuid4(), "a.example.com", "/api", True, Upstream("srv-a:80", API)),
            RouteEntry(
                uuid.uuid4(), "r.example.com", "/", False, RedirectTo("https://x.org", True)
            ),
        ],
        key=specificity,
    )
)


def access(host: str, uri: str, status: int = 200) -> bytes:
    request = {"host": host, "uri": uri, "method": "GET"}
    return json.dumps(
        {"ts": 0.5, "request": request, "status": status, "duration": 0.0012}
    ).encode()


def test_a_line_goes_to_the_service_of_the_most_specific_route() -> None:
    """/api/... on a.example.com belongs to the API service, the rest to the web service."""
    line = parse_access_line(access("a.example.com:443", "/api/users?page=2"), ROUTES)
    assert line is not None and line.service_id == API
    assert line.fields["path"] == "/api/users?page=2"
    assert line.fields["duration_ms"] == "1.200"
    web = parse_access_line(access("a.example.com", "/apix"), ROUTES)
    assert web is not None and web.service_id == WEB


def test_lines_of_no_service_are_skipped() -> None:
    """Redirects, unknown hosts and torn lines have no stream to go to."""
    assert parse_access_line(access("r.example.com", "/"), ROUTES) is None
    assert parse_access_line(access("nobody.example.com", "/"), ROUTES) is None
    assert parse_access_line(b'{"request": {"ho', ROUTES) is None


def test_the_tail_returns_whole_new_lines_and_follows_rotation(tmp_path: Path) -> None:
    """A half-written line waits for its end; a rotated (new) file is read from its start."""
    log = tmp_path / "access.log"
    tail = FileTail(str(log))
    assert tail.read_lines() == []  # no file yet: it will be read from its first byte
    log.write_bytes(b"one\ntw")
    assert tail.read_lines() == [b"one"]
    with log.open("ab") as handle:
        handle.write(b"o\n")
    assert tail.read_lines() == [b"two"]
    log.rename(tmp_path / "access-old.log")
    log.write_bytes(b"three\n")
    assert tail.read_lines() == [b"three"]


def test_the_tail_skips_what_was_there_before_it_started(tmp_path: Path) -> None:
    """Restarting the controller does not send old lines a second time."""
    log = tmp_path / "access.log"
    log.write_bytes(b"old\n")
    tail = FileTail(str(log))
    assert tail.read_lines() == []
    with log.open("ab") as handle:
        handle.write(b"new\n")
    assert tail.read_lines() == [b"new"]


def test_a_new_leader_resumes_at_the_cursor_in_the_same_file(tmp_path: Path) -> None:
    """The cursor points after the last whole line: a half-written one is read again whole."""
    log = tmp_path / "access.log"
    log.write_bytes(b"one\ntw")
    before = FileTail(str(log))
    before.resume(Cursor(log.stat().st_ino, 0))
    assert before.read_lines() == [b"one"]
    cursor = before.cursor
    assert cursor is not None and Cursor.decode(cursor.encode()) == cursor
    with log.open("ab") as handle:
        handle.write(b"o\nthree\n")
    after = FileTail(str(log))
    after.resume(cursor)
    assert after.read_lines() == [b"two", b"three"]


def test_a_cursor_of_a_rotated_file_resumes_at_the_new_files_start(tmp_path: Path) -> None:
    """No cursor at all: from the end (nothing old sent); a cursor of another file: from 0."""
    log = tmp_path / "access.log"
    log.write_bytes(b"old\n")
    fresh = FileTail(str(log))
    fresh.resume(None)
    assert fresh.read_lines() == []
    rotated = FileTail(str(log))
    rotated.resume(Cursor(log.stat().st_ino + 1, 2))
    assert rotated.read_lines() == [b"old"]
    assert Cursor.decode(None) is None and Cursor.decode("x:1") is None
