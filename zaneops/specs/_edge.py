"""Checks of what a route's edge policies hold: user names, passwords, networks, headers."""

from __future__ import annotations

import ipaddress
import re

from ._rules import Rule, apply_rules, refuse

BASIC_AUTH_NAME_MAX = 64
# bcrypt reads at most 72 bytes: a longer password would be cut without a word.
PASSWORD_MAX_BYTES = 72
HEADER_VALUE_MAX = 1000
# A stored password: a bcrypt hash in modular crypt format, as Caddy checks it.
BCRYPT_HASH = re.compile(r"\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}")
# RFC 9110 token characters: a header name has no space, colon or brace.
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_USER_NAME = re.compile(r"[A-Za-z0-9._@+-]+")
# Headers whose value the proxy sets itself or which would break the response's framing.
FORBIDDEN_HEADERS = frozenset(
    {
        "connection",
        "content-length",
        "transfer-encoding",
        "upgrade",
        "keep-alive",
        "te",
        "trailer",
        "host",
        "date",
        "server",
    }
)

_USER_NAME_RULES: tuple[Rule, ...] = (
    (lambda v: not v, "a user name must not be empty"),
    (lambda v: len(v) > BASIC_AUTH_NAME_MAX, "a user name has at most 64 characters"),
    (
        lambda v: not _USER_NAME.fullmatch(v),
        "a user name may contain letters, digits and . _ @ + - only (no ':' or spaces), "
        "got {value}",
    ),
)

_HEADER_NAME_RULES: tuple[Rule, ...] = (
    (lambda v: not v, "a header name must not be empty"),
    (lambda v: len(v) > 100, "a header name has at most 100 characters"),
    (
        lambda v: not _TOKEN.fullmatch(v),
        "a header name may not contain spaces, colons, quotes or brackets, got {value}",
    ),
    (
        lambda v: v.lower() in FORBIDDEN_HEADERS,
        "{value} is set by the proxy itself (or would break the response): choose another",
    ),
)


def check_basic_auth_name(value: str) -> str:
    return apply_rules(value, _USER_NAME_RULES, "invalid_user_name")


def is_password_hash(value: str) -> bool:
    return BCRYPT_HASH.fullmatch(value) is not None


def check_password(value: str) -> str:
    """A password as sent (the API hashes it before storing), or its stored hash."""
    if is_password_hash(value):
        return value
    if not value:
        raise refuse("empty_password", "a password must not be empty")
    if len(value.encode()) > PASSWORD_MAX_BYTES:
        raise refuse("password_too_long", "a password has at most 72 bytes (bcrypt's limit)")
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise refuse("invalid_password", "a password may not contain control characters")
    return value


def check_network(value: str) -> str:
    """An IP address or a CIDR network, normalised (an address alone is its /32 or /128)."""
    try:
        network = ipaddress.ip_network(value.strip(), strict=True)
    except ValueError as exc:
        loose = _loose_network(value)
        hint = f": did you mean {loose}?" if loose else ""
        raise refuse(
            "invalid_network",
            f"{value!r} is not an IP address or a CIDR network like 203.0.113.0/24 ({exc}){hint}",
        ) from None
    return str(network)


def _loose_network(value: str) -> str | None:
    try:
        return str(ipaddress.ip_network(value.strip(), strict=False))
    except ValueError:
        return None


def check_header_name(value: str) -> str:
    return apply_rules(value, _HEADER_NAME_RULES, "invalid_header_name")


def check_header_value(value: str) -> str:
    if len(value) > HEADER_VALUE_MAX:
        raise refuse("header_value_too_long", "a header value has at most 1000 characters")
    if any((ord(char) < 32 and char != "\t") or ord(char) == 127 for char in value):
        raise refuse(
            "invalid_header_value",
            "a header value may not contain line breaks or control characters",
        )
    return value
