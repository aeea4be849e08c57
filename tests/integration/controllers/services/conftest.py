"""Each services test gets its own instance name; its Docker objects are removed after it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import swarm as sw


@pytest.fixture
def instance() -> Iterator[str]:
    name = sw.new_instance()
    with sw.cleaned_up(name):
        yield name
