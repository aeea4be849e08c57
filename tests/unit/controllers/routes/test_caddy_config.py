"""The routes controller's pure planning: domain rows → our part of Caddy's config."""

from __future__ import annotations

import re
import uuid
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from controllers.routes.applier import Applied
from controllers.routes.ask import ask_answer
from controllers.routes.caddy_config import Layout, longer_than, merge, owned_config, owned_part
from controllers.routes.entries import (
    RouteEntry,
    Row,
    build_entries,
    dashboard_entry,
    parse_row,
    resolve,
)
from zaneops.common.naming import service_alias

SERVICE = uuid.uuid4()
LAYOUT = Layout(instance="t1", https=False)


def row(domain: str, base_path: str = "/", **extra: Any) -> Row:
    spec = {"domain": domain, "base_path": base_path, **extra}
    spec.setdefault("target", {"service_id": str(SERVICE), "port": 8080})
    if "redirect" in extra:
        spec.pop("target")
    return Row(uuid.uuid4(), 1, spec)


def plan(*rows: Row, dashboard: RouteEntry | None = None) -> tuple[RouteEntry, ...]:
    return build_entries({r.id: parse_row(r) for r in rows}, dashboard).routes


def test_the_longest_base_path_of_a_host_comes_first() -> None:
    """/api/v1 before /api before /: Caddy takes the first route that matches."""
    routes = plan(
        row("a.example.com"), row("a.example.com", "/api/v1"), row("a.example.com", "/api")
    )
    assert [r.base_path for r in routes] == ["/api/v1", "/api", "/"]


def test_exact_hosts_come_before_wildcards() -> None:
    """x.example.com is served by its own route even though *.example.com also covers it."""
    routes = plan(row("*.example.com", "/deep/path"), row("x.example.com"))
    assert [r.host for r in routes] == ["x.example.com", "*.example.com"]
    assert resolve(routes, "x.example.com", "/deep/path/1") is routes[0]
    assert resolve(routes, "y.example.com:8080", "/deep/path/1") is routes[1]
    assert resolve(routes, "a.b.example.com", "/deep/path") is None


def test_a_target_dials_the_services_alias_and_port_holding_requests_while_no_task_runs() -> None:
    """The proxy reaches srv-<id>:<port> on the environment's network, the services
    controller's alias; while no task answers (a stop-first redeploy), it retries for the
    hold time instead of answering 502 at once."""
    config = owned_config(LAYOUT, plan(row("a.example.com", compress=False)))
    route = config.servers["zane-t1-http"]["routes"][0]
    assert route["handle"] == [
        {
            "handler": "reverse_proxy",
            "upstreams": [{"dial": f"{service_alias(SERVICE)}:8080"}],
            "load_balancing": {"try_duration": "10000ms", "try_interval": "100ms"},
        }
    ]
    assert route["match"] == [{"host": ["a.example.com"]}]
    unheld = Layout(instance="t1", https=False, upstream_hold_seconds=0)
    uncompressed = plan(row("a.example.com", compress=False))
    [proxied] = owned_config(unheld, uncompressed).servers["zane-t1-http"]["routes"][0]["handle"]
    assert "load_balancing" not in proxied


def test_strip_prefix_rewrites_before_proxying_and_the_path_matches_whole_segments() -> None:
    """/api matches /api and /api/..., never /apix; strip_prefix removes /api first."""
    config = owned_config(LAYOUT, plan(row("a.example.com", "/api", strip_prefix=True)))
    route = config.servers["zane-t1-http"]["routes"][0]
    assert route["match"][0]["path"] == ["/api", "/api/*"]
    assert [step["handler"] for step in route["handle"]] == ["encode", "rewrite", "reverse_proxy"]
    assert route["handle"][1] == {"handler": "rewrite", "strip_path_prefix": "/api"}


def test_redirects_are_308_when_permanent_and_307_otherwise() -> None:
    """permanent → 308; temporary → 307; Location is the spec's URL."""
    for permanent, status in ((True, 308), (False, 307)):
        redirect = {"url": "https://new.example.org/x", "permanent": permanent}
        config = owned_config(LAYOUT, plan(row("old.example.com", redirect=redirect)))
        handler = config.servers["zane-t1-http"]["routes"][0]["handle"][0]
        assert handler["status_code"] == status
        assert handler["headers"]["Location"] == ["https://new.example.org/x"]


def test_every_server_ends_with_the_404_page_and_has_the_502_and_413_pages() -> None:
    """Unknown hosts get a page, not an empty answer; a dead upstream gets a friendly page;
    a body cut at its limit while proxied (Caddy calls it a 502) gets 413."""
    server = owned_config(LAYOUT, ()).servers["zane-t1-http"]
    assert server["routes"][-1]["handle"][0]["status_code"] == 404
    too_large, unavailable = server["errors"]["routes"][:2]
    assert too_large["handle"][0]["status_code"] == 413
    assert unavailable["match"] == [{"vars": {"{http.error.status_code}": ["502", "503", "504"]}}]


def test_a_spec_that_no_longer_validates_is_refused_alone_with_the_field() -> None:
    """A bad row is reported 'field: reason'; the good rows are still served."""
    bad = Row(uuid.uuid4(), 1, {"domain": "bad domain", "target": {"service_id": "x", "port": 0}})
    good = row("good.example.com")
    entries = build_entries({bad.id: parse_row(bad), good.id: parse_row(good)}, None)
    assert [r.host for r in entries.routes] == ["good.example.com"]
    assert "domain:" in entries.rejected[bad.id]


def test_the_dashboard_domain_goes_to_its_upstream_and_cannot_be_claimed() -> None:
    """The dashboard's own route wins; a row claiming the same host and path is refused."""
    dashboard = dashboard_entry("Dash.Example.com", "zane-api:8000")
    claim = row("dash.example.com")
    entries = build_entries({claim.id: parse_row(claim)}, dashboard)
    assert [r.domain_id for r in entries.routes] == [None]
    assert "reserved for the dashboard" in entries.rejected[claim.id]


def test_https_redirects_http_and_gets_local_names_from_the_internal_ca() -> None:
    """With HTTPS: port 80 only redirects; .localhost names use Caddy's CA, public ones ACME."""
    layout = Layout(instance="t1", https=True, ask_url="http://routes:9180/ask")
    config = owned_config(layout, plan(row("app.localhost"), row("shop.example.com")))
    redirect = config.servers["zane-t1-http"]["routes"][0]
    assert redirect["handle"][0]["status_code"] == 308
    assert config.servers["zane-t1-https"]["tls_connection_policies"] == [{}]
    internal, public = config.policies
    assert internal["subjects"] == ["app.localhost"]
    assert internal["issuers"] == [{"module": "internal"}]
    assert public["subjects"] == ["shop.example.com"] and public["on_demand"]
    assert config.on_demand == {"ask": "http://routes:9180/ask"}


def test_no_policy_without_subjects_would_catch_every_name() -> None:
    """With no routes, no TLS policy at all: an empty subject list would match everyone's names."""
    assert owned_config(Layout(instance="t1", https=True, ask_url="x"), ()).policies == []


def test_merge_replaces_only_our_part() -> None:
    """Foreign servers, policies, logs and the admin block pass through untouched."""
    foreign_server = {"listen": [":9000"], "routes": []}
    foreign_policy = {"issuers": [{"module": "internal"}]}
    current = {
        "admin": {"listen": "unix//run/zane/caddy-admin.sock"},
        "apps": {
            "http": {"servers": {"other": foreign_server, "zane-t1-http": {"old": True}}},
            "tls": {"automation": {"policies": [foreign_policy, {"@id": "zane-t1-tls-x"}]}},
        },
        "logging": {"logs": {"mine": {"level": "DEBUG"}}},
    }
    layout = Layout(instance="t1", https=True)
    owned = owned_config(layout, plan(row("a.localhost")))
    merged = merge(current, layout, owned)
    assert merged["admin"] == current["admin"]
    assert merged["apps"]["http"]["servers"]["other"] is foreign_server
    assert merged["apps"]["tls"]["automation"]["policies"][-1] is foreign_policy
    assert len(merged["apps"]["tls"]["automation"]["policies"]) == 2
    assert merged["logging"]["logs"]["mine"] == {"level": "DEBUG"}
    assert owned_part(merged, layout)["servers"] == dict(owned.servers)
    assert current["apps"]["http"]["servers"]["zane-t1-http"] == {"old": True}  # not mutated


def test_the_ask_endpoint_says_yes_only_for_routed_names() -> None:
    """200 for a routed host or one covered by a wildcard; 404 otherwise; 400 without a name."""
    applied = Applied(routes=plan(row("a.example.com"), row("*.w.example.com")))
    assert ask_answer(applied, "domain=a.example.com")[0].startswith("200")
    assert ask_answer(applied, "domain=X.w.example.com")[0].startswith("200")
    assert ask_answer(applied, "domain=w.example.com")[0].startswith("404")
    assert ask_answer(None, "domain=a.example.com")[0].startswith("404")
    assert ask_answer(applied, "")[0].startswith("400")


def test_the_dashboard_route_sends_hsts_and_is_never_framed() -> None:
    """Over HTTPS the dashboard's route sets HSTS, nosniff, frame denial and a referrer policy."""
    from controllers.routes.caddy_config import caddy_route
    from controllers.routes.entries import dashboard_entry

    entry = dashboard_entry("dash.example.com", "api:8000")
    assert entry is not None
    secure = caddy_route(Layout("t", https=True), entry)["handle"][0]
    assert secure["handler"] == "headers"
    assert secure["response"]["set"]["Strict-Transport-Security"] == ["max-age=31536000"]
    plain = caddy_route(Layout("t", https=False), entry)["handle"][0]
    assert plain["handler"] == "reverse_proxy"


@given(st.integers(min_value=1, max_value=10**12), st.integers(min_value=0, max_value=10**13))
def test_the_declared_length_check_matches_exactly_the_numbers_over_the_limit(
    limit: int, length: int
) -> None:
    """Caddy compares header values by regular expression: this one must mean `> limit`."""
    pattern = re.compile(longer_than(limit))
    assert bool(pattern.match(str(length))) is (length > limit)
    assert bool(pattern.match("00" + str(length))) is (length > limit)


def test_a_body_limit_answers_413_for_a_declared_length_then_cuts_chunked_bodies() -> None:
    config = owned_config(LAYOUT, plan(row("a.example.com", max_body_size="1Ki")))
    steps = config.servers["zane-t1-http"]["routes"][0]["handle"]
    check, cut = steps[0], steps[1]
    assert check["routes"][0]["handle"][0]["status_code"] == 413
    assert cut == {"handler": "request_body", "max_size": 1024}


def test_caddys_certificate_management_goes_to_our_own_rolled_log_file() -> None:
    """A second log of ours beside the access log: the loggers that say each attempt's outcome
    at INFO (a success ends a failing spell), rolled; merged again, nothing changes."""
    layout = Layout(instance="t1", https=True, proxy_tls_log="/run/zane/tls.log")
    owned = owned_config(layout, plan(row("a.example.com")))
    current = {"logging": {"logs": {"mine": {"level": "DEBUG"}}}}
    merged = merge(current, layout, owned)
    tls_log = merged["logging"]["logs"]["zane-t1-tls"]
    assert tls_log["writer"]["filename"] == "/run/zane/tls.log"
    assert tls_log["writer"]["roll_size_mb"] > 0
    assert tls_log["level"] == "INFO"
    assert {"tls.obtain", "tls.renew", "tls.issuance"} <= set(tls_log["include"])
    assert merged["logging"]["logs"]["mine"] == {"level": "DEBUG"}
    assert owned_part(merged, layout)["tls_log"] == tls_log
    assert merge(merged, layout, owned) == merged


def test_public_names_ask_the_chosen_acme_ca_or_caddys_default() -> None:
    def issuer(layout: Layout) -> dict[str, Any]:
        policies = owned_config(layout, plan(row("a.example.com"))).policies
        found: dict[str, Any] = policies[0]["issuers"][0]
        return found

    chosen = Layout(instance="t1", ask_url="http://ask", acme_ca="https://127.0.0.1:1/dir")
    assert issuer(chosen) == {"module": "acme", "ca": "https://127.0.0.1:1/dir"}
    assert issuer(Layout(instance="t1", ask_url="http://ask")) == {"module": "acme"}
