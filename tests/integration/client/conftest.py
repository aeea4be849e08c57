"""The CLI against real APIs (each on its own database), run as a person would type it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from launcher.cli import main
from tests.support import database
from tests.support.api import RunningApi, api_settings, bearer_token, serving_in_thread


@dataclass
class Installation:
    api: RunningApi
    token: str
    config: Path

    def run(self, *args: str, **env: str) -> Result:
        """`zaneops ARGS` against this installation (ZANE_URL and ZANE_TOKEN, as in CI)."""
        environ = {
            "ZANE_URL": self.api.base_url,
            "ZANE_TOKEN": self.token,
            "ZANE_CONFIG": str(self.config),
            **env,
        }
        return CliRunner().invoke(main, list(args), env=environ, catch_exceptions=False)


def installation(database_url: str, config: Path) -> Iterator[Installation]:
    with serving_in_thread(api_settings(database_url)) as running:
        yield Installation(running, bearer_token(running), config)


@pytest.fixture
def platform(database_url: str, tmp_path: Path) -> Iterator[Installation]:
    yield from installation(database_url, tmp_path / "contexts.yaml")


@pytest.fixture
def second_platform(template_database: str, tmp_path: Path) -> Iterator[Installation]:
    """Another, isolated installation: its own database and API."""
    name = database.clone(template_database)
    try:
        yield from installation(database.url_for(name), tmp_path / "second.yaml")
    finally:
        database.drop(name)
