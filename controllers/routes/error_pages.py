"""The proxy's own pages: unknown host, and a service that does not answer."""

from __future__ import annotations

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

ERROR = _PAGE.format(
    title="Something went wrong",
    text="The proxy could not complete this request.",
)
