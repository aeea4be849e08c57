"""A person protects a preview with a password, sees a typo in a network refused where it
was typed, and puts the site in maintenance and back, all from a domain's Policies panel,
against the real controllers and proxy (no deploy after the first)."""

from __future__ import annotations

import httpx
from playwright.async_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard import (
    DOMAIN,
    ROLLOUT_MS,
    add_domain,
    create_project_and_service,
    deploy_and_watch,
    log_in,
    set_up_the_app,
)
from tests.support.certificates import self_signed
from tests.support.proxy import Proxy
from tests.support.waiting import eventually
from zaneops.specs.certificates import expiry_of


async def answer(proxy: Proxy, auth: tuple[str, str] | None = None) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        url = f"http://127.0.0.1:{proxy.http_port}/"
        return await client.get(url, headers={"Host": DOMAIN}, auth=auth)


async def proxy_gives(proxy: Proxy, status: int, auth: tuple[str, str] | None = None) -> str:
    seen: list[httpx.Response] = []

    async def gives() -> bool:
        seen.append(await answer(proxy, auth))
        return seen[-1].status_code == status

    await eventually(gives, timeout=ROLLOUT_MS / 1000, every=0.3, message=f"{DOMAIN}: {status}")
    return seen[-1].text


async def open_policies(page: Page) -> None:
    await page.get_by_role("link", name="Domains").click()
    await page.get_by_role("button", name="Policies").click()
    await expect(page.get_by_role("form", name=f"Policies of {DOMAIN}")).to_be_visible()


async def test_person_protects_a_preview_and_switches_maintenance_without_a_deploy(
    page: Page, controllers: None, proxy: Proxy
) -> None:
    await log_in(page)
    await create_project_and_service(page, "attached")
    await set_up_the_app(page)
    await add_domain(page)
    await deploy_and_watch(page)
    assert "hello from zane" in await proxy_gives(proxy, 200)

    await open_policies(page)
    await page.get_by_role("button", name="Add a user").click()
    await page.get_by_label("User 1 name").fill("preview")
    await page.get_by_label("User 1 password").fill("open sesame")
    await page.get_by_label("Allowed networks").fill("10.0.0.5/8")
    await page.get_by_role("button", name="Save policies").click()
    await expect(page.get_by_text("line 1: '10.0.0.5/8' is not an IP address")).to_be_visible()
    await expect(page.get_by_text("did you mean 10.0.0.0/8?")).to_be_visible()
    await screenshot(page, "50-domain-policies-refused")

    await page.get_by_label("Allowed networks").fill("")
    await page.get_by_role("button", name="Save policies").click()
    await expect(page.get_by_text(f"{DOMAIN}: policies saved")).to_be_visible()
    await expect(page.get_by_text("sign-in", exact=False).first).to_be_visible()
    await proxy_gives(proxy, 401)
    assert "hello from zane" in (await answer(proxy, ("preview", "open sesame"))).text
    assert (await answer(proxy, ("preview", "wrong"))).status_code == 401

    await open_policies(page)
    await expect(page.get_by_label("User 1 password")).to_have_value("••••••••")
    await page.get_by_label("Maintenance page").check()
    await page.get_by_label("Maintenance message").fill("Back at five")
    await screenshot(page, "51-domain-policies-maintenance")
    await page.get_by_role("button", name="Save policies").click()
    await expect(page.get_by_text(f"{DOMAIN}: policies saved")).to_be_visible()
    page_text = await proxy_gives(proxy, 503)
    assert "Back at five" in page_text

    await open_policies(page)
    await page.get_by_label("Maintenance page").uncheck()
    await page.get_by_role("button", name="Save policies").click()
    await proxy_gives(proxy, 401)  # the password kept: the mask sent back as it was shown
    assert "hello from zane" in (await answer(proxy, ("preview", "open sesame"))).text


async def test_person_uploads_a_certificate_and_sees_a_wrong_key_refused_at_the_field(
    page: Page, platform: httpx.AsyncClient
) -> None:
    await log_in(page)
    await create_project_and_service(page, "attached")
    await add_domain(page)
    chain, key = self_signed(DOMAIN)
    _, other_key = self_signed(DOMAIN)
    await open_policies(page)
    await page.get_by_label("Certificate (PEM)").fill(chain)
    await page.get_by_label("Private key (PEM)").fill(other_key)
    await page.get_by_role("button", name="Save policies").click()
    await expect(page.get_by_text("this private key is not the certificate's")).to_be_visible()
    await page.get_by_label("Private key (PEM)").fill(key)
    await page.get_by_role("button", name="Save policies").click()
    await expect(page.get_by_text(f"{DOMAIN}: policies saved")).to_be_visible()
    until = f"own certificate until {expiry_of(chain):%Y-%m-%d}"
    await expect(page.get_by_text(until, exact=False)).to_be_visible(timeout=ROLLOUT_MS)
    await open_policies(page)
    # This platform serves plain HTTP: the page says the certificate waits for HTTPS.
    await expect(page.get_by_test_id("certificate-state")).to_contain_text("plain HTTP only")
    await expect(page.get_by_label("Private key (PEM)")).to_have_value("••••••••")
    await screenshot(page, "52-domain-certificate")
