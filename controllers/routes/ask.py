"""The on-demand TLS `ask` endpoint: Caddy asks before getting a certificate for a name.

Answered from the routes last applied (built from the domain specs): 200 for a name one of
them serves, 404 otherwise, so nobody can make the proxy request certificates for arbitrary
names pointed at it. Served from a thread, like /healthz, so a busy event loop can't stall it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

from controllers.routes.applier import Applied

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """One line per TLS handshake of a new name would drown the controller's logs."""


def ask_answer(applied: Applied | None, query: str) -> tuple[str, bytes]:
    domain = (parse_qs(query).get("domain") or [""])[0].lower()
    if not domain:
        return "400 Bad Request", b"domain: missing; call ?domain=<name>\n"
    if applied is not None and applied.allows_certificate(domain):
        return "200 OK", b"ok\n"
    return "404 Not Found", b"no route serves this name\n"


class AskServer:
    def __init__(self, host: str, port: int, applied: Callable[[], Applied | None]) -> None:
        def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
            status, body = ask_answer(applied(), environ.get("QUERY_STRING", ""))
            start_response(status, [("Content-Type", "text/plain")])
            return [body]

        self._server = make_server(host, port, app, handler_class=_QuietHandler)
        self.port = self._server.server_port
        threading.Thread(target=self._server.serve_forever, name="ask", daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
