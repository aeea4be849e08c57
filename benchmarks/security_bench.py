"""Benchmark of the API under two pre-authentication floods, against `zaneops api` as its own
process on a throw-away database:

1. a burst of 200 wrong passwords sent at once for one user from one address: how many were
   really checked (401s) against the limit, the burst's wall time, and the time one argon2id
   check takes in this process (the raw cost each 401 paid);
2. a 1 GiB request body streamed at the login route: the API's resident memory before and
   after (ratio), against the same body's size.

Run from the repository root:  .venv/bin/python -m benchmarks.security_bench
It prints numbers and ratios; nothing asserts (tests/security/ does).
"""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from api.auth.secrets import hash_password, verify_password
from benchmarks.api_bench import PASSWORD, api_process, throwaway_database
from zaneops.adapters.postgres.migrate import upgrade_to_head

BURST = 200
LIMIT = 10  # ZANE_API_LOGIN_ATTEMPTS_PER_MINUTE's default
GIB = 1024**3


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def wrong_password_burst(base: str) -> tuple[int, int, float]:
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        started = time.perf_counter()
        answers = await asyncio.gather(
            *(
                client.post("/auth/login", json={"username": "admin", "password": f"w{n}"})
                for n in range(BURST)
            )
        )
        took = time.perf_counter() - started
    statuses = [answer.status_code for answer in answers]
    return statuses.count(401), statuses.count(429), took


def one_check_seconds() -> float:
    stored = hash_password(PASSWORD)
    started = time.perf_counter()
    for _ in range(5):
        verify_password("wrong", stored)
    return (time.perf_counter() - started) / 5


def stream_a_gib(base: str) -> tuple[int, float]:
    """Declares 1 GiB, sends until the API answers; (status, MiB sent before the answer)."""
    where = urlsplit(base)
    sock = socket.create_connection((where.hostname or "127.0.0.1", where.port or 80))
    head = (
        f"POST {where.path}/auth/login HTTP/1.1\r\nHost: api\r\nContent-Type: application/json"
        f"\r\nContent-Length: {GIB}\r\n\r\n"
    )
    sock.sendall(head.encode())
    sock.settimeout(0.001)
    block, sent, answer = b"x" * (1024 * 1024), 0, b""
    try:
        while sent < GIB and not answer:
            try:
                sock.sendall(block)
                sent += len(block)
                answer = sock.recv(64)
            except (TimeoutError, BlockingIOError):
                continue
            except OSError:
                break
        sock.settimeout(5)
        answer = answer or sock.recv(64)
    finally:
        sock.close()
    status = int(answer.split()[1]) if answer.startswith(b"HTTP/") else 0
    return status, sent / (1024 * 1024)


def main() -> None:
    with throwaway_database() as url:
        upgrade_to_head(url)
        with api_process(url) as (base, process):
            checked, throttled, took = asyncio.run(wrong_password_burst(base))
            cost = one_check_seconds()
            print(f"burst of {BURST} wrong passwords at once, limit {LIMIT}:")
            print(f"  checked (401): {checked}   throttled (429): {throttled}")
            print(f"  checked / limit: {checked / LIMIT:.2f}   wall time: {took:.2f} s")
            print(
                f"  one argon2id check here: {cost * 1000:.1f} ms; unthrottled, the burst "
                f"would cost {BURST * cost:.1f} s of CPU, it cost {checked * cost:.2f} s"
            )
            before = rss_mib(process.pid)
            status, sent = stream_a_gib(base)
            after = rss_mib(process.pid)
            print("a 1 GiB body streamed at POST /auth/login:")
            print(f"  answer: {status}   sent before the answer: {sent:.0f} MiB")
            print(
                f"  API RSS before {before:.1f} MiB, after {after:.1f} MiB "
                f"(ratio {after / before:.2f}; the body: 1024 MiB)"
            )


if __name__ == "__main__":
    main()
