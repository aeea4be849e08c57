"""Route entries → the part of Caddy's JSON config the routes controller owns, and the merge
of that part into Caddy's whole config. Pure: no I/O.

Owned: the HTTP app servers named `zane-<instance>-*` (every route in them carries an
@id with that prefix), the TLS automation policies whose @id has the prefix, the on-demand
`ask` setting (when HTTPS is on), the access log named `zane-<instance>-access` and the
certificate management log named `zane-<instance>-tls`.
Everything else in Caddy's config is copied through untouched.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from controllers.routes import error_pages
from controllers.routes.entries import CanonicalHost, Edge, RedirectTo, RouteEntry, Upstream

Json = dict[str, Any]
UNAVAILABLE_STATUSES = ["502", "503", "504"]


@dataclass(frozen=True)
class Layout:
    """How the proxy is set up: the choices that are not in any domain spec."""

    instance: str
    https: bool = True
    public_https_port: int = 443
    proxy_access_log: str = "/run/zane/access.log"
    proxy_tls_log: str = "/run/zane/tls.log"
    ask_url: str = ""
    acme_email: str = ""
    acme_ca: str = ""  # empty: Caddy's default CA
    internal_suffixes: tuple[str, ...] = field(default=(".localhost",))
    upstream_hold_seconds: float = 10.0

    @property
    def prefix(self) -> str:
        return f"zane-{self.instance}"

    @property
    def log_name(self) -> str:
        return f"{self.prefix}-access"

    @property
    def tls_log_name(self) -> str:
        return f"{self.prefix}-tls"

    def is_internal(self, host: str) -> bool:
        """No public CA will sign it: Caddy's own CA does."""
        bare = host.removeprefix("*.")
        return bare == "localhost" or bare.endswith(tuple(self.internal_suffixes))

    def url_of(self, entry: RouteEntry) -> str:
        scheme = "https" if self.https else "http"
        path = "" if entry.base_path == "/" else entry.base_path
        return f"{scheme}://{entry.host}{path}"


@dataclass(frozen=True)
class OwnedConfig:
    servers: Mapping[str, Json]
    policies: Sequence[Json]
    on_demand: Json | None
    log: Json
    certificates: Sequence[Json] = ()  # load_pem entries, tagged as ours
    tls_log: Json | None = None


# --- routes ----------------------------------------------------------------------------------


def literal(text: str) -> str:
    """A user's string as Caddy must read it in a field that expands {placeholders}: every
    '{' escaped, so `{env.HOME}` or `{file./data/key}` stays text. (The specs already refuse
    braces in base paths and redirect URLs; this holds even for a row written around them.)"""
    return text.replace("{", "\\{")


def route_id(layout: Layout, entry: RouteEntry) -> str:
    return f"{layout.prefix}-route-{entry.domain_id or 'dashboard'}"


@lru_cache(maxsize=65_536)
def caddy_route(layout: Layout, entry: RouteEntry) -> Json:
    """Cached: a burst on 10 000 routes rebuilds only the changed ones. Never mutate the result."""
    match: Json = {"host": [entry.host]}
    if entry.base_path != "/":
        match["path"] = [literal(entry.base_path), f"{literal(entry.base_path)}/*"]
    steps = handlers(entry, layout)
    if entry.domain_id is None and layout.https:
        steps = [dashboard_headers(), *steps]
    return {"@id": route_id(layout, entry), "match": [match], "handle": steps, "terminal": True}


def dashboard_headers() -> Json:
    """The dashboard over HTTPS only, from now on (HSTS), never framed, nothing sniffed."""
    security = {
        "Strict-Transport-Security": ["max-age=31536000"],
        "X-Content-Type-Options": ["nosniff"],
        "X-Frame-Options": ["DENY"],
        "Referrer-Policy": ["same-origin"],
    }
    return {"handler": "headers", "response": {"set": security}}


def handlers(entry: RouteEntry, layout: Layout) -> list[Json]:
    """The edge's policies first (who may pass, what is added), then the destination."""
    destination = entry.destination
    if isinstance(destination, CanonicalHost):  # the www. variant: the same path, there
        scheme = "https" if layout.https else "http"
        location = f"{scheme}://{destination.host}{{http.request.uri}}"
        return [static_response(308, headers={"Location": [location]})]
    if isinstance(destination, RedirectTo):
        status = 308 if destination.permanent else 307
        redirect = static_response(status, headers={"Location": [literal(destination.url)]})
        return [*edge_handlers(replace(entry.edge, compress=False)), redirect]  # no body
    steps = edge_handlers(entry.edge)
    if entry.strip_prefix and entry.base_path != "/":
        steps.append({"handler": "rewrite", "strip_path_prefix": literal(entry.base_path)})
    steps.append(reverse_proxy(destination, layout.upstream_hold_seconds))
    return steps


def edge_handlers(edge: Edge) -> list[Json]:
    """Refused networks (403), the maintenance page (503, nothing after it), sign-in (401),
    the body limit (413), headers set on the answer, compression: in that order."""
    steps: list[Json] = []
    if edge.allow or edge.deny:
        steps.append(network_filter(edge.allow, edge.deny))
    if edge.maintenance is not None:
        page = error_pages.maintenance(edge.maintenance, literal)
        return [*steps, static_response(503, page, headers={"Retry-After": ["300"]})]
    if edge.users:
        steps.append(basic_auth(edge.users))
    if edge.max_body is not None:
        steps += body_limit(edge.max_body)
    if edge.headers:
        answer = {name: [literal(value)] for name, value in edge.headers}
        steps.append({"handler": "headers", "response": {"set": answer, "deferred": True}})
    if edge.compress:
        encodings: Json = {"zstd": {}, "gzip": {}}
        steps.append({"handler": "encode", "encodings": encodings, "prefer": ["zstd", "gzip"]})
    return steps


def body_limit(max_size: int) -> list[Json]:
    """413 at once for a declared length over the limit (before anything reaches the
    service, which might answer first); a body sent in chunks is cut at the limit."""
    declared = {"header_regexp": {"Content-Length": {"pattern": longer_than(max_size)}}}
    refused = static_response(413, error_pages.TOO_LARGE)
    return [
        {"handler": "subroute", "routes": [{"match": [declared], "handle": [refused]}]},
        {"handler": "request_body", "max_size": max_size},
    ]


def longer_than(limit: int) -> str:
    """A regular expression matching exactly the decimal numbers greater than `limit`
    (leading zeros allowed): more digits, or as many and greater at the first difference."""
    digits = str(limit)
    longer = f"[1-9][0-9]{{{len(digits)},}}"
    greater = [
        f"{digits[:n]}[{int(d) + 1}-9][0-9]{{{len(digits) - n - 1}}}"
        for n, d in enumerate(digits)
        if d != "9"
    ]
    return f"^0*(?:{'|'.join([longer, *greater])})$"


def network_filter(allow: tuple[str, ...], deny: tuple[str, ...]) -> Json:
    """403 for a visitor outside `allow` (when given) or inside `deny`; the others go on."""
    refused = static_response(403, error_pages.FORBIDDEN)
    routes: list[Json] = []
    if allow:
        outside = {"not": [{"remote_ip": {"ranges": list(allow)}}]}
        routes.append({"match": [outside], "handle": [refused]})
    if deny:
        routes.append({"match": [{"remote_ip": {"ranges": list(deny)}}], "handle": [refused]})
    return {"handler": "subroute", "routes": routes}


def basic_auth(users: tuple[tuple[str, str], ...]) -> Json:
    """HTTP basic authentication against bcrypt hashes (Caddy 2.6 takes them base64-encoded);
    a hash checked once is remembered, so a signed-in visitor costs no bcrypt per request."""
    accounts = [
        {"username": name, "password": base64.b64encode(hashed.encode()).decode()}
        for name, hashed in users
    ]
    provider = {"accounts": accounts, "hash": {"algorithm": "bcrypt"}, "hash_cache": {}}
    return {"handler": "authentication", "providers": {"http_basic": provider}}


# How often a held request tries its service again while no task can take it.
RETRY_EVERY = "100ms"


def reverse_proxy(upstream: Upstream, hold_seconds: float = 0.0) -> Json:
    """To the service's alias. While no task answers (a stop-first redeploy stops the old task
    before the new one starts), Caddy retries the dial for up to hold_seconds: the visitor
    gets a slower answer, not an error; past it, the error page."""
    handler: Json = {"handler": "reverse_proxy", "upstreams": [{"dial": upstream.dial}]}
    if hold_seconds > 0:
        handler["load_balancing"] = {
            "try_duration": f"{round(hold_seconds * 1000)}ms",  # a Go duration, always
            "try_interval": RETRY_EVERY,
        }
    return handler


def static_response(status: int | str, body: str = "", headers: Json | None = None) -> Json:
    response: Json = {"handler": "static_response", "status_code": status}
    if body:
        response["body"] = body
        response["headers"] = {"Content-Type": ["text/html; charset=utf-8"]}
    if headers:
        response["headers"] = {**response.get("headers", {}), **headers}
    return response


def not_found_route() -> Json:
    """Last route of every server: unknown host, or a path no domain of that host covers."""
    return {"handle": [static_response(404, error_pages.NOT_FOUND)]}


def error_routes() -> Json:
    """A friendly page when the upstream has no healthy task (the dial fails: 502), and 413
    for a body over a route's limit (Caddy reports one it cut while proxying as a 502)."""
    unavailable = {"vars": {"{http.error.status_code}": UNAVAILABLE_STATUSES}}
    too_large = {"vars_regexp": {"{http.error.message}": {"pattern": "request body too large"}}}
    return {
        "routes": [
            {"match": [too_large], "handle": [static_response(413, error_pages.TOO_LARGE)]},
            {
                "match": [unavailable],
                "handle": [static_response("{http.error.status_code}", error_pages.UNAVAILABLE)],
            },
            {"handle": [static_response("{http.error.status_code}", error_pages.ERROR)]},
        ]
    }


def https_redirect_route(layout: Layout, routes: Sequence[RouteEntry]) -> Json:
    port = "" if layout.public_https_port == 443 else f":{layout.public_https_port}"
    location = f"https://{{http.request.host}}{port}{{http.request.uri}}"
    return {
        "@id": f"{layout.prefix}-https-redirect",
        "match": [{"host": sorted({entry.host for entry in routes})}],
        "handle": [static_response(308, headers={"Location": [location]})],
        "terminal": True,
    }


# --- servers, TLS, logs -------------------------------------------------------------------


def server(layout: Layout, port: int, routes: list[Json]) -> Json:
    return {
        "listen": [f":{port}"],
        "routes": [*routes, not_found_route()],
        "errors": error_routes(),
        # Certificates and redirects are spelled out here, so Caddy adds nothing of its own.
        "automatic_https": {"disable": True},
        "logs": {"default_logger_name": layout.log_name},
    }


def servers(layout: Layout, routes: Sequence[RouteEntry]) -> dict[str, Json]:
    served = [caddy_route(layout, entry) for entry in routes]
    if not layout.https:
        return {f"{layout.prefix}-http": server(layout, 80, served)}
    redirect = [https_redirect_route(layout, routes)] if routes else []
    secure = server(layout, 443, served)
    secure["tls_connection_policies"] = [{}]
    return {f"{layout.prefix}-http": server(layout, 80, redirect), f"{layout.prefix}-https": secure}


def tls_policies(layout: Layout, routes: Sequence[RouteEntry], now: datetime) -> list[Json]:
    """Certificates on demand at the first handshake: 10 000 hosts cost nothing at load time.
    A host with an uploaded certificate in date is left out: its certificate is served.

    A policy with no subjects would catch every name, others' too: empty ones are left out.
    """
    if not layout.https:
        return []
    uploaded = {entry.host for entry in routes if _in_date(entry, now)}
    hosts = sorted({entry.host for entry in routes} - uploaded)
    internal = [host for host in hosts if layout.is_internal(host)]
    public = [host for host in hosts if not layout.is_internal(host)]
    policies = []
    if internal:
        policies.append(_policy(f"{layout.prefix}-tls-internal", internal, {"module": "internal"}))
    if public and layout.ask_url:
        policies.append(_policy(f"{layout.prefix}-tls-public", public, _acme(layout)))
    return policies


def _in_date(entry: RouteEntry, now: datetime) -> bool:
    return entry.certificate is not None and entry.certificate.expires_at > now


def tls_certificates(layout: Layout, routes: Sequence[RouteEntry], now: datetime) -> list[Json]:
    """Uploaded certificates in date, tagged as ours (an expired one is no longer loaded: its
    host gets one on demand again, as any other)."""
    if not layout.https:
        return []
    loaded: dict[str, Json] = {}
    for entry in routes:
        if entry.certificate is not None and _in_date(entry, now):
            tag = f"{layout.prefix}-certificate"
            pem = {"certificate": entry.certificate.chain, "key": entry.certificate.key}
            loaded.setdefault(entry.certificate.chain, {**pem, "tags": [tag]})
    return list(loaded.values())


def _policy(policy_id: str, subjects: list[str], issuer: Json) -> Json:
    return {"@id": policy_id, "subjects": subjects, "issuers": [issuer], "on_demand": True}


def _acme(layout: Layout) -> Json:
    issuer: Json = {"module": "acme"}
    if layout.acme_email:
        issuer["email"] = layout.acme_email
    if layout.acme_ca:
        issuer["ca"] = layout.acme_ca
    return issuer


def access_log(layout: Layout) -> Json:
    return {
        "writer": {
            "output": "file",
            "filename": layout.proxy_access_log,
            "roll_size_mb": 50,
            "roll_keep": 3,
        },
        "encoder": {"format": "json"},
        "include": [f"http.log.access.{layout.log_name}"],
    }


# Caddy 2.6.2's loggers of certificate management: tls.obtain and tls.renew say each attempt's
# outcome for a name ("could not get certificate from issuer" at ERROR, "certificate obtained
# successfully" at INFO), tls.issuance.* the CA's own answers, tls.on_demand a handshake's ask.
TLS_LOGGERS = ("tls.obtain", "tls.renew", "tls.issuance", "tls.on_demand")


def tls_log(layout: Layout) -> Json:
    """INFO, not ERROR: a success is what ends a failing spell. A few lines per attempt, and
    Caddy spaces its attempts for a failing name (1 min, 2 min, ...)."""
    return {
        "writer": {
            "output": "file",
            "filename": layout.proxy_tls_log,
            "roll_size_mb": 10,
            "roll_keep": 2,
        },
        "encoder": {"format": "json"},
        "level": "INFO",
        "include": list(TLS_LOGGERS),
    }


def owned_config(
    layout: Layout, routes: Sequence[RouteEntry], now: datetime | None = None
) -> OwnedConfig:
    on_demand = {"ask": layout.ask_url} if layout.https and layout.ask_url else None
    moment = now or datetime.now(UTC)
    return OwnedConfig(
        servers=servers(layout, routes),
        policies=tls_policies(layout, routes, moment),
        on_demand=on_demand,
        log=access_log(layout),
        certificates=tls_certificates(layout, routes, moment),
        tls_log=tls_log(layout),
    )


# --- merge into the whole config -------------------------------------------------------------


def _is_ours(layout: Layout, name: str) -> bool:
    return name.startswith(f"{layout.prefix}-")


def merge(current: Mapping[str, Any], layout: Layout, owned: OwnedConfig) -> Json:
    """Caddy's whole config with our part replaced; the rest is passed through as it was.

    Only the dicts on the way to our parts are copied: 10 000 foreign routes cost nothing.
    """
    config = dict(current)
    apps = dict(config.get("apps") or {})
    apps["http"] = _merge_http(apps.get("http") or {}, layout, owned)
    tls = _merge_tls(apps.get("tls") or {}, layout, owned)
    if tls:
        apps["tls"] = tls
    else:
        apps.pop("tls", None)
    config["apps"] = apps
    config["logging"] = _merge_logging(config.get("logging") or {}, layout, owned)
    return config


def _merge_http(http: Mapping[str, Any], layout: Layout, owned: OwnedConfig) -> Json:
    kept = {k: v for k, v in (http.get("servers") or {}).items() if not _is_ours(layout, k)}
    return {**http, "servers": {**kept, **owned.servers}}


def _merge_tls(tls: Mapping[str, Any], layout: Layout, owned: OwnedConfig) -> Json:
    automation = dict(tls.get("automation") or {})
    foreign = [
        p for p in automation.get("policies") or [] if not _is_ours(layout, p.get("@id", ""))
    ]
    policies = [*owned.policies, *foreign]  # ours first: a foreign catch-all must not shadow
    _set_or_drop(automation, "policies", policies)
    if owned.on_demand is not None:
        automation["on_demand"] = owned.on_demand
    result = dict(tls)
    _set_or_drop(result, "automation", automation)
    _set_or_drop(result, "certificates", _merge_certificates(tls, layout, owned))
    return result


def _merge_certificates(tls: Mapping[str, Any], layout: Layout, owned: OwnedConfig) -> Json:
    certificates = dict(tls.get("certificates") or {})
    foreign = [c for c in certificates.get("load_pem") or [] if not _is_our_certificate(layout, c)]
    _set_or_drop(certificates, "load_pem", [*owned.certificates, *foreign])
    return certificates


def _is_our_certificate(layout: Layout, loaded: Mapping[str, Any]) -> bool:
    return f"{layout.prefix}-certificate" in (loaded.get("tags") or [])


def _merge_logging(logging: Mapping[str, Any], layout: Layout, owned: OwnedConfig) -> Json:
    logs = {**(logging.get("logs") or {}), layout.log_name: owned.log}
    if owned.tls_log is not None:
        logs[layout.tls_log_name] = owned.tls_log
    else:
        logs.pop(layout.tls_log_name, None)
    return {**logging, "logs": logs}


def _set_or_drop(target: Json, key: str, value: Any) -> None:
    if value:
        target[key] = value
    else:
        target.pop(key, None)


def owned_part(config: Mapping[str, Any], layout: Layout) -> Json:
    """What of a whole config is ours: compared after a load, and to find drift."""
    apps = config.get("apps") or {}
    servers = (apps.get("http") or {}).get("servers") or {}
    automation = (apps.get("tls") or {}).get("automation") or {}
    policies = automation.get("policies") or []
    loaded = ((apps.get("tls") or {}).get("certificates") or {}).get("load_pem") or []
    return {
        "servers": {k: v for k, v in servers.items() if _is_ours(layout, k)},
        "policies": [p for p in policies if _is_ours(layout, p.get("@id", ""))],
        "certificates": [c for c in loaded if _is_our_certificate(layout, c)],
        "log": ((config.get("logging") or {}).get("logs") or {}).get(layout.log_name),
        "tls_log": ((config.get("logging") or {}).get("logs") or {}).get(layout.tls_log_name),
    }
