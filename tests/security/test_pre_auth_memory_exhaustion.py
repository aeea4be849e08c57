"""Issue 15, item 5: a request body is bounded before anything reads it."""

from __future__ import annotations

import asyncio
import resource
from urllib.parse import urlsplit

from tests.support.api import RunningApi

MIB = 1024 * 1024


def peak_rss_mib() -> float:
    """The highest resident size this process has had (the API serves in this process)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def raw_post(api: RunningApi, path: str, headers: dict[str, str], chunks: int) -> bytes:
    """POST by hand: the headers, then up to `chunks` MiB of body, stopping as soon as the
    server answers; returns the status line."""
    where = urlsplit(api.base_url)
    reader, writer = await asyncio.open_connection(where.hostname, where.port)
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    writer.write(f"POST {path} HTTP/1.1\r\nHost: api\r\n{head}\r\n".encode())
    answer = asyncio.ensure_future(reader.readline())
    block = b"x" * MIB
    try:
        for _ in range(chunks):
            if answer.done():
                break
            if headers.get("Transfer-Encoding") == "chunked":
                writer.write(f"{len(block):x}\r\n".encode() + block + b"\r\n")
            else:
                writer.write(block)
            await writer.drain()
        return await asyncio.wait_for(answer, 10)
    except (ConnectionError, OSError):
        return await asyncio.wait_for(answer, 10)
    finally:
        writer.close()


async def test_a_200_mib_login_body_is_refused_unread(api: RunningApi) -> None:
    """Attack: POST /auth/login with Content-Length 200 MiB. Before: the API read and parsed
    all of it (its memory grew by the body) before refusing. Now: 413 at once, nothing read."""
    before = peak_rss_mib()
    headers = {"Content-Type": "application/json", "Content-Length": str(200 * MIB)}
    status = await raw_post(api, "/api/v1/auth/login", headers, chunks=200)
    assert status.startswith(b"HTTP/1.1 413"), status
    assert peak_rss_mib() - before < 50


async def test_a_chunked_body_to_a_protected_route_is_cut_off_at_the_limit(
    api: RunningApi,
) -> None:
    """Attack: a chunked body with no length to a route that needs a login, 64 MiB, no
    credentials. Before: read in full, then 401. Now: 413 once the limit is passed."""
    headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    status = await raw_post(api, "/api/v1/projects", headers, chunks=64)
    assert status.startswith(b"HTTP/1.1 413"), status


async def test_a_body_under_the_limit_is_still_read(api: RunningApi) -> None:
    """The limit refuses only what is too large: a normal wrong login is a 401, not a 413."""
    body = b'{"username": "admin", "password": "wrong"}'
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    where = urlsplit(api.base_url)
    reader, writer = await asyncio.open_connection(where.hostname, where.port)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write(f"POST /api/v1/auth/login HTTP/1.1\r\nHost: api\r\n{head}\r\n".encode() + body)
    status = await asyncio.wait_for(reader.readline(), 10)
    writer.close()
    assert status.startswith(b"HTTP/1.1 401"), status
