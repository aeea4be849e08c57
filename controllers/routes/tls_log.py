"""Caddy's certificate management log → what happened to each name's certificate.

Caddy 2.6.2 writes, per attempt to get a name's certificate (tls.obtain; tls.renew when
renewing), "could not get certificate from issuer" at ERROR with the CA's error, or
"certificate obtained successfully" ("certificate renewed successfully") at INFO; the
CA's own complaints come from tls.issuance.* at ERROR. Every one names the host in
`identifier`. Anything else (other messages, other loggers, torn or oversized lines) is skipped.

The error is Caddy's (and the CA's) text: it is kept only as text, cut and stripped of control
characters, for a status message.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

MAX_LINE_BYTES = 16 * 1024  # a longer line is no issuance outcome Caddy writes: skipped
MAX_REASON = 500
FAILED_ATTEMPT = "could not get certificate from issuer"
SUCCEEDED = frozenset({"certificate obtained successfully", "certificate renewed successfully"})
ATTEMPT_LOGGERS = frozenset({"tls.obtain", "tls.renew"})
CA_LOGGERS = "tls.issuance."
_HOST = re.compile(r"(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class IssuanceOutcome:
    """One attempt's outcome for a host: issued, or failed with Caddy's reason."""

    host: str
    issued: bool
    reason: str = ""


def parse_tls_line(line: bytes) -> IssuanceOutcome | None:
    record = _record(line)
    if record is None:
        return None
    host = _host_of(record.get("identifier"))
    logger, message = record.get("logger"), record.get("msg")
    if host is None or not isinstance(logger, str) or not isinstance(message, str):
        return None
    if logger in ATTEMPT_LOGGERS and message in SUCCEEDED:
        return IssuanceOutcome(host, issued=True)
    if _is_failure(logger, message, record.get("level")):
        return IssuanceOutcome(host, issued=False, reason=_reason(record, message))
    return None


def _record(line: bytes) -> dict[str, Any] | None:
    if len(line) > MAX_LINE_BYTES:
        return None
    try:
        record = json.loads(line)
    except ValueError:  # torn, or not JSON at all
        return None
    return record if isinstance(record, dict) else None


def _is_failure(logger: str, message: str, level: object) -> bool:
    if logger in ATTEMPT_LOGGERS:
        return message == FAILED_ATTEMPT
    return logger.startswith(CA_LOGGERS) and level == "error"


def _host_of(value: object) -> str | None:
    if not isinstance(value, str) or len(value) > 253:
        return None
    host = value.strip().lower().rstrip(".")
    return host if _HOST.fullmatch(host) else None


def _reason(record: dict[str, Any], message: str) -> str:
    """The error Caddy attached, else the CA's problem, else the message itself."""
    error = record.get("error")
    problem = record.get("problem")
    detail = problem.get("detail") if isinstance(problem, dict) else None
    if isinstance(error, str) and error.strip():
        said = error
    elif isinstance(detail, str) and detail.strip():
        said = f"{message}: {detail}"
    else:
        said = message
    return as_text(said)


def as_text(said: str, limit: int = MAX_REASON) -> str:
    """One line of plain text, at most `limit` characters."""
    flat = " ".join(_CONTROL.sub(" ", said).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
