"""Issue 15, item 9: with a domain, the dashboard is served only over HTTPS.

The attack: the default install served the dashboard on 0.0.0.0:8000 over plain HTTP with
cookies that were not Secure: anyone on the path reads every password and session. With a
dashboard domain the plain port is closed (tests/unit/launcher/platform/test_stack.py), the
proxy redirects HTTP to HTTPS and tells browsers never to use HTTP again (HSTS).
"""

from __future__ import annotations

import httpx

from tests.security.conftest import ProxyBed
from tests.support.proxy import routes_factory
from tests.support.runtime import running
from tests.support.waiting import eventually
from zaneops.common.naming import service_alias

DASHBOARD = "dash.localhost"  # Caddy's own CA signs it: no network needed


async def test_the_dashboard_domain_answers_over_https_only_with_hsts(
    proxy_bed: ProxyBed, database_url: str
) -> None:
    """HTTP → 308 to HTTPS; the HTTPS answer carries Strict-Transport-Security."""
    port = proxy_bed.proxy.https_port
    factory = routes_factory(
        proxy_bed.proxy,
        https=True,
        public_https_port=port,
        dashboard_domain=DASHBOARD,
        dashboard_upstream=f"{service_alias(proxy_bed.dashboard)}:80",
    )
    shared = {"instance": proxy_bed.instance}
    async with running(factory, database_url, installation=shared):

        async def redirected() -> bool:
            try:
                answer = await proxy_bed.get(DASHBOARD, "/login")
            except httpx.TransportError:
                return False
            return answer.headers.get("location") == f"https://{DASHBOARD}:{port}/login"

        await eventually(redirected, timeout=60, message="HTTP redirected to HTTPS")

        async def secure_answer() -> httpx.Response | None:
            async with httpx.AsyncClient(verify=False, timeout=10) as client:
                try:
                    return await client.get(
                        f"https://127.0.0.1:{port}/",
                        headers={"Host": DASHBOARD},
                        extensions={"sni_hostname": DASHBOARD},
                    )
                except httpx.TransportError:
                    return None

        await eventually(secure_answer, timeout=60, message="the dashboard over HTTPS")
        answer = await secure_answer()
    assert answer is not None and answer.status_code == 200
    assert answer.headers["strict-transport-security"] == "max-age=31536000"
    assert answer.headers["x-frame-options"] == "DENY"
