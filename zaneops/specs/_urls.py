"""Absolute web URLs, e.g. the destination of a redirect."""

from __future__ import annotations

from urllib.parse import urlsplit

from ._rules import has_space_or_control, refuse

URL_MAX_LENGTH = 2048


def check_http_url(value: str) -> str:
    if len(value) > URL_MAX_LENGTH:
        raise refuse("invalid_http_url", "a URL must be at most 2048 characters")
    if "{" in value or "}" in value:
        raise refuse(
            "invalid_http_url",
            f"a URL must not contain '{{' or '}}' (write them %7B and %7D), got {value!r}",
        )
    if has_space_or_control(value) or not _is_absolute_http(value):
        raise refuse(
            "invalid_http_url",
            f"a URL must be absolute, starting with http:// or https://, like "
            f"https://example.com/path, got {value!r}",
        )
    return value


def _is_absolute_http(value: str) -> bool:
    try:
        url = urlsplit(value)
    except ValueError:  # e.g. an unclosed '[' of an IPv6 host
        return False
    return url.scheme in ("http", "https") and bool(url.hostname)
