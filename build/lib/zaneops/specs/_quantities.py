"""Quantities people write as text (CPU, memory, durations) and ports, checked and normalised."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from ._rules import refuse

PORT_MIN, PORT_MAX = 1, 65535
CPU_MAX_CORES = 512.0
MEMORY_MIN_BYTES = 4 * 1024**2  # Docker refuses a smaller memory limit.
MEMORY_MAX_BYTES = 1024**4
DURATION_MAX_SECONDS = 24 * 3600.0

_NUMBER = r"(?:\d+(?:\.\d+)?|\.\d+)"
_PLAIN_NUMBER = re.compile(_NUMBER)
_MILLICORES = re.compile(r"(\d+)m")
_MEMORY = re.compile(rf"({_NUMBER})\s*([kmgt]i?)?b?", re.IGNORECASE)
_DURATION = re.compile(rf"(?:{_NUMBER}(?:ns|us|µs|ms|s|m|h))+")
_DURATION_PART = re.compile(rf"({_NUMBER})(ns|us|µs|ms|s|m|h)")

_BYTES_PER_UNIT = {
    **{unit: 1000**power for power, unit in enumerate(("", "k", "m", "g", "t"))},
    **{unit: 1024**power for power, unit in enumerate(("", "ki", "mi", "gi", "ti"))},
}
_SECONDS_PER_UNIT = {
    "ns": Decimal("1e-9"),
    "us": Decimal("1e-6"),
    "µs": Decimal("1e-6"),
    "ms": Decimal("1e-3"),
    "s": Decimal(1),
    "m": Decimal(60),
    "h": Decimal(3600),
}


def refuse_booleans(noun: str) -> Callable[[object], object]:
    """Pydantic would read true as 1: a boolean here is always a mistake, so say so."""

    def refuse_boolean(value: object) -> object:
        if isinstance(value, bool):
            raise refuse("bool_not_allowed", f"{noun} must be a number, not true or false")
        return value

    return refuse_boolean


def check_port(port: int) -> int:
    if not PORT_MIN <= port <= PORT_MAX:
        raise refuse("port_out_of_range", f"a port must be between 1 and 65535, got {port}")
    return port


def parse_cpu(value: object) -> object:
    """Read '0.5' as cores and '500m' as millicores; numbers pass on to float validation."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if millicores := _MILLICORES.fullmatch(text):
        return int(millicores[1]) / 1000
    if _PLAIN_NUMBER.fullmatch(text):
        return float(text)
    raise refuse(
        "invalid_cpu", f"CPU must be cores like 0.5 or 2, or millicores like 500m, got {value!r}"
    )


def check_cpu(cores: float) -> float:
    if not 0 < cores <= CPU_MAX_CORES:  # also refuses NaN, for which every comparison is false
        raise refuse(
            "cpu_out_of_range", f"CPU must be more than 0 and at most 512 cores, got {cores:g}"
        )
    return cores


def parse_memory(value: object) -> object:
    """Read '512Mi' (1024-based) or '1.5G' (1000-based) as bytes; integers pass on."""
    if not isinstance(value, str):
        return value
    size = _MEMORY.fullmatch(value.strip())
    if size is None:
        raise refuse(
            "invalid_memory",
            f"memory must be bytes, or a size like 512Mi, 1G or 1.5Gi, got {value!r}",
        )
    number, unit = size.groups()
    return int(Decimal(number) * _BYTES_PER_UNIT[(unit or "").lower()])


def check_memory(size: int) -> int:
    if size < MEMORY_MIN_BYTES:
        raise refuse(
            "memory_out_of_range",
            f"memory must be at least 4Mi (4194304 bytes), Docker's minimum, got {size} bytes",
        )
    if size > MEMORY_MAX_BYTES:
        raise refuse("memory_out_of_range", f"memory must be at most 1Ti, got {size} bytes")
    return size


def parse_duration(value: object) -> object:
    """Read Go-style '1m30s' or '500ms', or a plain number of seconds; numbers pass on."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if _PLAIN_NUMBER.fullmatch(text):
        return float(text)
    if not _DURATION.fullmatch(text):
        raise refuse(
            "invalid_duration",
            f"a duration must be seconds, or like 30s, 1m30s, 500ms or 2h, got {value!r}",
        )
    parts = _DURATION_PART.findall(text)
    return float(sum((Decimal(n) * _SECONDS_PER_UNIT[unit] for n, unit in parts), Decimal(0)))


def check_duration(seconds: float) -> float:
    if not 0 < seconds <= DURATION_MAX_SECONDS:
        raise refuse(
            "duration_out_of_range",
            f"a duration must be more than 0 and at most 24h, got {seconds:g}s",
        )
    return seconds
