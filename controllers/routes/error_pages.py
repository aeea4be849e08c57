"""The proxy's own pages: unknown host, a service that does not answer, maintenance."""

from __future__ import annotations

import html
from collections.abc import Callable

_PAGE = (
    "<!doctype html><html><head><meta charset=utf-8><title>{title}</title>"
    "<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;"
    "color:#222}}h1{{font-size:1.4rem}}</style></head>"
    "<body><h1>{title}</h1><p>{text}</p><p><small>ZaneOps</small></p></body></html>"
)

NOT_FOUND = _PAGE.format(
    title="Nothing here",
    text="No application answers at this address. Check the domain and the path.",
)

UNAVAILABLE = _PAGE.format(
    title="This application is not answering",
    text="The service behind this address has no healthy instance right now, or is still "
    "starting. Try again in a moment.",
)

FORBIDDEN = _PAGE.format(
    title="Not allowed from here",
    text="This address does not accept visitors from your network.",
)

TOO_LARGE = _PAGE.format(
    title="Request too large",
    text="What was sent is larger than this address accepts.",
)

ERROR = _PAGE.format(
    title="Something went wrong",
    text="The proxy could not complete this request.",
)

MAINTENANCE_TEXT = "This application is down for maintenance. Please come back a little later."


def maintenance(message: str, escape_braces: Callable[[str], str]) -> str:
    """The maintenance page with the owner's message (plain text: escaped for HTML, and its
    braces for Caddy, which would read {...} as a placeholder)."""
    text = escape_braces(html.escape(message)) if message else MAINTENANCE_TEXT
    return _PAGE.format(title="Down for maintenance", text=text)
