"""/healthz and /metrics, served from a thread so a busy event loop can't hide them."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app

HealthCheck = Callable[[], tuple[bool, dict[str, Any]]]
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Probes every few seconds would flood the logs."""


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def health_app(check: HealthCheck, registry: CollectorRegistry) -> Callable[..., Iterable[bytes]]:
    metrics = make_wsgi_app(registry)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/healthz":
            return metrics(environ, start_response)  # type: ignore[no-any-return]
        healthy, details = check()
        body = json.dumps({"healthy": healthy, **details}).encode()
        status = "200 OK" if healthy else "503 Service Unavailable"
        start_response(status, [("Content-Type", "application/json")])
        return [body]

    return app


def serve_health(
    host: str, port: int, check: HealthCheck, registry: CollectorRegistry
) -> WSGIServer:
    """Start serving in a daemon thread; returns the server (its port, for port 0)."""
    server = make_server(
        host,
        port,
        health_app(check, registry),
        server_class=_ThreadingServer,
        handler_class=_QuietHandler,
    )
    threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    return server
