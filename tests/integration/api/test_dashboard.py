"""The built dashboard served at the root: files, the SPA fallback, and /api left alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from api.dashboard import dashboard_folder
from tests.support.api import api_settings, serving

INDEX = "<!doctype html><title>ZaneOps</title><div id=root></div>"


@pytest.fixture
async def site(database_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "app-1234.js").write_text("console.log('hi')")
    settings = api_settings(database_url, dashboard_dir=str(tmp_path))
    async with serving(settings) as running, httpx.AsyncClient(base_url=running.base_url) as client:
        yield client


async def test_root_and_app_routes_answer_index_html(site: httpx.AsyncClient) -> None:
    """/ and any route of the app (a refresh on /services/...) load index.html, never cached."""
    for path in ("/", "/services/0d4c/logs", "/projects/x/env/y/new"):
        answer = await site.get(path)
        assert answer.status_code == 200, path
        assert answer.text == INDEX
        assert answer.headers["cache-control"] == "no-cache"
        assert "default-src 'self'" in answer.headers["content-security-policy"]


async def test_hashed_assets_are_served_and_cached_for_good(site: httpx.AsyncClient) -> None:
    """Built assets carry a hash in their name, so browsers may keep them forever."""
    answer = await site.get("/assets/app-1234.js")
    assert answer.status_code == 200
    assert answer.text == "console.log('hi')"
    assert "immutable" in answer.headers["cache-control"]


async def test_api_paths_are_never_answered_by_the_dashboard(site: httpx.AsyncClient) -> None:
    """An unknown /api path is the API's JSON 404, and API routes still answer."""
    missing = await site.get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    assert (await site.get("/api/v1/health")).json()["status"] == "ok"
    assert (await site.get("/api/v1/projects")).status_code == 401


async def test_files_outside_the_build_are_not_served(site: httpx.AsyncClient) -> None:
    """A path climbing out of the build folder gets the app, not the file."""
    answer = await site.get("/..%2F..%2Fetc%2Fpasswd")
    assert "root:" not in answer.text


def test_no_dashboard_without_a_built_index(tmp_path: Path) -> None:
    """A folder without index.html (ui/ not built) serves nothing: the API runs alone."""
    assert dashboard_folder(str(tmp_path)) is None
    (tmp_path / "index.html").write_text(INDEX)
    assert dashboard_folder(str(tmp_path)) == tmp_path
